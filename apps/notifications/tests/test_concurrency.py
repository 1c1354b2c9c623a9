"""Real connections, real commits: concurrent publishers and senders make no second copy."""
from __future__ import annotations

from datetime import timedelta

from django_tenants.utils import tenant_context

from apps.notifications import services
from apps.notifications.models import Notification
from apps.notifications.tests.conftest import book
from apps.orders.models import OrderEvent
from apps.orders.services import outbox as order_outbox
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
from apps.tenancy.business_day import business_date
from tests.fixtures import run_concurrently


def _publish():
    return services.order_events_publish(batch=3)


def _send(notification_id):
    n = services.notification_send(notification_id=notification_id)
    return None if n is None else n.status


def test_concurrent_publishers_and_senders_make_one_copy(committed_tenant, outbox, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda ids: None)  # the threads send, not the on-commit hook
    monkeypatch.setattr(order_outbox, "_OUTBOX_SUBSCRIBERS", [])  # nor do the bookings' commits publish
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
        rt, _rooms = room_type_with_rooms(store, 8)
        arrival = business_date(store=store) + timedelta(days=5)
        orders = [book(store, rt, arrival=arrival, phone=f"1390000{i:04d}") for i in range(6)]

    published = run_concurrently(_publish, [()] * 4, tenant=committed_tenant.tenant)

    assert all(isinstance(p, int) for p in published), published
    assert sum(published) == 12  # 6 x (created, confirmed), each published by exactly one publisher
    with tenant_context(committed_tenant.tenant):
        assert not OrderEvent.objects.filter(published_at__isnull=True).exists()
        rows = list(Notification.objects.values_list("order_id", "channel"))
        assert sorted(rows) == sorted((o.pk, ch) for o in orders for ch in ("email", "sms"))
        sms = Notification.objects.filter(channel="sms", order=orders[0]).get()

    sent = run_concurrently(_send, [(sms.pk,)] * 4, tenant=committed_tenant.tenant)

    assert sorted(sent, key=str) == [None, None, None, "sent"], sent
    assert [line["notification_id"] for line in outbox()] == [sms.pk]
