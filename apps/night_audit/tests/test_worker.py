"""Integration: a real Celery worker (prefork, 2 processes) on the real Redis.

- the audit task delivered twice posts night D exactly once;
- a worker process killed in the middle of the audit (SIGKILL inside its transaction,
  paused there by the test's own worker app, ``pausing_worker.py``) leaves nothing
  committed, the message is delivered again (acks_late + reject_on_worker_lost) and the
  day closes once.
"""
from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from apps.folios.models import FolioTransaction
from apps.night_audit.models import NightAudit
from apps.night_audit.tasks import night_audit
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.business_day import business_date, posting_business_date, store_local_date
from tests.celery_worker import celery_app_sending, wait_for
from tests.fixtures import set_business_date

pytestmark = pytest.mark.worker
IN_HOUSE = 4


def _build(store):
    """Business date D (yesterday), four stays in the house, one guest due who never came."""
    day = store_local_date(store=store) - timedelta(days=1)
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


def test_audit_delivered_twice_posts_once(committed_tenant, celery_worker_factory):
    tenant, store = committed_tenant.tenant, committed_tenant.store
    worker = celery_worker_factory()
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


def test_worker_killed_in_the_middle_of_the_audit(committed_tenant, celery_worker_factory, tmp_path):
    tenant, store = committed_tenant.tenant, committed_tenant.store
    pause = tmp_path / "pause"
    worker = celery_worker_factory(app="apps.night_audit.tests.pausing_worker", PMS_TEST_PAUSE_FILE=pause)
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


def test_worker_killed_while_postgresql_runs_the_audits_statement(committed_tenant, celery_worker_factory, tmp_path):
    """Killed while its session was inside a statement (a long one; here ``pg_sleep``),
    after the audit had taken the store's gate: PostgreSQL ends the session within a
    second or two (the claim is a lease), the store's postings go on at once, and the
    redelivered task, which first finds the day still held, tries again and closes it once.
    (It used to be "skipped, audit in progress" for as long as the statement ran, with the
    store's postings held, until beat or a manager ran the day again.)"""
    tenant, store = committed_tenant.tenant, committed_tenant.store
    pause = tmp_path / "pause"
    worker = celery_worker_factory(app="apps.night_audit.tests.pausing_worker", PMS_TEST_PAUSE_FILE=pause,
                                   PMS_TEST_PAUSE_AT="database", PMS_AUDIT_BUSY_RETRY_SECONDS=2)
    with tenant_context(tenant):
        day, stays, _no_show = _build(store)

    with celery_app_sending(worker.queue):
        night_audit.apply_async(
            kwargs={"schema_name": tenant.schema_name, "store_id": store.pk, "business_date": day.isoformat()},
            queue=worker.queue,
        )
        wait_for(lambda: Path(f"{pause}.ready").exists(), what="the audit to reach its pause")
        time.sleep(0.5)  # inside pg_sleep
        os.kill(int(pause.read_text()), signal.SIGKILL)
        killed_at = time.monotonic()

        with tenant_context(tenant), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '15s'")
            posting_business_date(store_id=store.pk)  # a clerk's posting takes the gate
        gate_free_after = time.monotonic() - killed_at

        audit = wait_for(lambda: _audit_done(tenant, store, day), timeout=60, what="the retried audit")

    log = worker.log()
    assert gate_free_after < 5
    assert "WorkerLostError" in log
    assert _postings(tenant, day) == sorted(o.pk for o in stays)
    # killed; then (if it came before PostgreSQL ended the session) found it held; closed it
    assert audit.attempts >= 2 and audit.counts["posted"] == IN_HOUSE
    with tenant_context(tenant):
        assert business_date(store=store) == day + timedelta(days=1)
