"""Integration: a real Celery worker (prefork, 2 processes) on the real Redis.

- the audit task delivered twice posts night D exactly once;
- a worker process killed in the middle of the audit (SIGKILL inside its transaction)
  leaves nothing committed, the message is delivered again (acks_late +
  reject_on_worker_lost) and the day closes once;
- a booking's commit kicks the outbox publisher; published three times at once, it sends
  one notification per channel.
"""
from __future__ import annotations

import json
import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from apps.folios.models import FolioTransaction
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.reports.models import NightAudit
from apps.reports.selectors import business_date, store_local_today
from apps.reports.tests.celery_worker import celery_app_sending, celery_worker_factory, wait_for  # noqa: F401
from apps.reports.tests.conftest import set_business_date

pytestmark = pytest.mark.worker
IN_HOUSE = 4


def _build(store):
    """Business date D (yesterday), four stays in the house, one guest due who never came."""
    day = store_local_today(store=store) - timedelta(days=1)
    set_business_date(store, day)
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 6)
    stays = [
        make_order(store, room_type=room_type, room=room, arrival=day, nights=2, status=Order.Status.CHECKED_IN,
                   allow_past_arrival=True)
        for room in rooms[:IN_HOUSE]
    ]
    no_show = make_order(store, room_type=room_type, room=rooms[IN_HOUSE], arrival=day, nights=1,
                         status=Order.Status.CONFIRMED, allow_past_arrival=True)
    return day, stays, no_show


def _audit_done(tenant, store, day):
    with tenant_context(tenant):
        return NightAudit.objects.filter(store=store, business_date=day, status="done").first()


def _postings(tenant, day):
    with tenant_context(tenant):
        return sorted(FolioTransaction.objects.filter(charge_type="room_night", service_date=day)
                      .values_list("folio__order_id", flat=True))


def test_audit_delivered_twice_posts_once_and_outbox_sends_once(committed_tenant, celery_worker_factory, tmp_path):
    from apps.notifications.models import Notification
    from apps.notifications.tasks import publish_order_events
    from apps.reports.tasks import night_audit

    tenant, store = committed_tenant.tenant, committed_tenant.store
    outbox = tmp_path / "outbox.jsonl"
    worker = celery_worker_factory(PMS_NOTIFICATION_DEV_OUTBOX=outbox)
    with tenant_context(tenant):
        day, stays, no_show = _build(store)

    kwargs = {"schema_name": tenant.schema_name, "store_id": store.pk, "business_date": day.isoformat()}
    with celery_app_sending(worker.queue):
        night_audit.apply_async(kwargs=kwargs, queue=worker.queue)
        night_audit.apply_async(kwargs=kwargs, queue=worker.queue)
        audit = wait_for(lambda: _audit_done(tenant, store, day), what="the audit")
        wait_for(lambda: worker.log().count("Task reports.night_audit[") >= 2 and worker.log().count(" succeeded in ") >= 2,
                 what="both deliveries")

    assert _postings(tenant, day) == sorted(o.pk for o in stays)
    assert audit.counts["posted"] == IN_HOUSE and audit.counts["no_shows"] == 1 and audit.trigger == "beat"
    with tenant_context(tenant):
        assert business_date(store=store) == day + timedelta(days=1)
        assert Order.objects.get(pk=no_show.pk).status == "no_show"

    # notifications: one booking confirmed (its commit kicks the publisher), and the outbox
    # published by two more deliveries at once
    with celery_app_sending(worker.queue):
        with tenant_context(tenant):
            order = order_services.order_create(
                store=store, actor=None, room_type=stays[0].room_type, arrival=day + timedelta(days=5),
                departure=day + timedelta(days=7), booker=order_services.PersonIn(full_name="李雷", phone="13700001234"),
                confirm=True,
            )
        publish_order_events.apply_async(kwargs={"schema_name": tenant.schema_name}, queue=worker.queue)
        publish_order_events.apply_async(kwargs={"schema_name": tenant.schema_name}, queue=worker.queue)

        def sent():
            with tenant_context(tenant):
                rows = list(Notification.objects.filter(order_id=order.pk).values_list("channel", "status"))
            return rows if rows and all(s != "queued" for _c, s in rows) else None

        rows = wait_for(sent, what="the notifications")

    assert sorted(rows) == [("email", "skipped"), ("sms", "sent")]  # the booker has no e-mail address
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert [(line["channel"], line["to"]) for line in lines] == [("sms", "137****1234")]


def test_worker_killed_in_the_middle_of_the_audit(committed_tenant, celery_worker_factory, tmp_path):
    from apps.reports.tasks import night_audit

    tenant, store = committed_tenant.tenant, committed_tenant.store
    pause = tmp_path / "pause"
    worker = celery_worker_factory(PMS_AUDIT_TEST_PAUSE_FILE=pause, PMS_AUDIT_TEST_PAUSE_SECONDS=120)
    with tenant_context(tenant):
        day, stays, _no_show = _build(store)

    with celery_app_sending(worker.queue):
        night_audit.apply_async(
            kwargs={"schema_name": tenant.schema_name, "store_id": store.pk, "business_date": day.isoformat()},
            queue=worker.queue,
        )
        wait_for(lambda: Path(f"{pause}.ready").exists(), what="the audit to reach its pause")
        # inside the audit's transaction: nothing visible yet
        assert _postings(tenant, day) == []
        with tenant_context(tenant):
            assert business_date(store=store) == day
            assert NightAudit.objects.get(store=store, business_date=day).status == "running"
        os.kill(int(pause.read_text()), signal.SIGKILL)

        audit = wait_for(lambda: _audit_done(tenant, store, day), timeout=90, what="the redelivered audit")

    assert "WorkerLostError" in worker.log()
    assert _postings(tenant, day) == sorted(o.pk for o in stays)
    assert audit.attempts == 2 and audit.counts["posted"] == IN_HOUSE
    with tenant_context(tenant):
        assert business_date(store=store) == day + timedelta(days=1)
