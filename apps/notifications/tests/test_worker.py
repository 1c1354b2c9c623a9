"""Integration: a real Celery worker (prefork, 2 processes) on the real Redis. A booking's
commit kicks the outbox publisher; published by two more deliveries at once, it sends one
notification per channel."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django_tenants.utils import tenant_context

from apps.notifications.models import Notification
from apps.notifications.tasks import publish_order_events
from apps.orders import services as order_services
from apps.orders.tests.factories import ChannelFactory, booking, room_type_with_rooms
from apps.tenancy.business_day import business_date
from tests.celery_worker import celery_app_sending, wait_for

pytestmark = pytest.mark.worker


def test_a_booking_published_by_three_deliveries_at_once_sends_one_notification_per_channel(
    committed_tenant, celery_worker_factory, tmp_path,
):
    tenant, store = committed_tenant.tenant, committed_tenant.store
    outbox = tmp_path / "outbox.jsonl"
    worker = celery_worker_factory(PMS_NOTIFICATION_DEV_OUTBOX=outbox)
    with tenant_context(tenant):
        ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
        room_type, _rooms = room_type_with_rooms(store, 2)
        day = business_date(store=store)

    # one booking confirmed (its commit kicks the publisher), and the outbox published by
    # two more deliveries at once
    with celery_app_sending(worker.queue):
        with tenant_context(tenant):
            order = order_services.order_create(**booking(
                store=store, actor=None, room_type=room_type, arrival=day + timedelta(days=5),
                departure=day + timedelta(days=7), booker=order_services.PersonIn(full_name="李雷", phone="13700001234"),
                confirm=True,
            ))
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
