"""Real connections, real commits: the constraints decide, never a Python check."""
from datetime import date, timedelta

from django_tenants.utils import tenant_context

from apps.common.errors import DomainError
from apps.orders import services
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, booking, room_type_with_rooms
from apps.orders.tests.test_inventory import assert_inventory_consistent
from apps.rooms.models import RoomNight, RoomTypeNight
from tests.fixtures import run_concurrently

ARRIVAL = date.today() + timedelta(days=30)


def _book(store, channel, room_type, room, arrival, nights):
    order = services.order_create(**booking(
        store=store, actor=None, room_type=room_type, room=room, arrival=arrival,
        departure=arrival + timedelta(days=nights), channel=channel, confirm=True,
    ))
    return order.pk


def test_sixteen_clients_one_room_same_dates_one_booking(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        channel = ChannelFactory(store=store)
        room_type, rooms = room_type_with_rooms(store, 4)
    args = [(store, channel, room_type, rooms[0], ARRIVAL, 3)] * 16
    results = run_concurrently(_book, args, tenant=committed_tenant.tenant)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    assert all(isinstance(r, DomainError) and r.code == "room_unavailable" for r in results if not isinstance(r, int)), results
    with tenant_context(committed_tenant.tenant):
        # the losers left nothing behind: no order, no line, no counter
        assert list(Order.objects.values_list("pk", "status")) == [(winners[0], "confirmed")]
        assert RoomNight.objects.filter(room=rooms[0]).count() == 3
        assert set(RoomTypeNight.objects.values_list("held", flat=True)) == {1}
        assert_inventory_consistent(store)


def _confirm(order_id):
    return services.order_confirm(order=Order.objects.get(pk=order_id), actor=None).status


def test_confirming_type_level_orders_beyond_capacity(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        channel = ChannelFactory(store=store)
        room_type, _rooms = room_type_with_rooms(store, 3)
        pending = [
            services.order_create(**booking(store=store, actor=None, room_type=room_type, arrival=ARRIVAL,
                                  departure=ARRIVAL + timedelta(days=2), channel=channel)).pk
            for _ in range(12)
        ]
    results = run_concurrently(_confirm, [(pk,) for pk in pending], tenant=committed_tenant.tenant)
    assert results.count("confirmed") == 3, results
    assert all(r == "confirmed" or (isinstance(r, DomainError) and r.code == "room_type_sold_out") for r in results), results
    with tenant_context(committed_tenant.tenant):
        assert Order.objects.filter(status="confirmed").count() == 3
        assert Order.objects.filter(status="pending_confirmation").count() == 9
        assert set(RoomTypeNight.objects.values_list("held", flat=True)) == {3}
        assert_inventory_consistent(store)


def _shift(order_id, days):
    order = Order.objects.get(pk=order_id)
    services.order_modify(
        order=order, actor=None, arrival=order.arrival + timedelta(days=days), departure=order.departure + timedelta(days=days)
    )
    return "ok"


def test_opposite_date_moves_do_not_deadlock(committed_tenant):
    """Half the stays move a night later, half a night earlier, all at once: each change
    releases some nights and holds others; the counters are locked in one global order."""
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        channel = ChannelFactory(store=store)
        room_type, _rooms = room_type_with_rooms(store, 20)
        orders = [_book(store, channel, room_type, None, ARRIVAL + timedelta(days=i % 3), 3) for i in range(12)]
    args = [(pk, 1 if i % 2 else -1) for i, pk in enumerate(orders)]
    results = run_concurrently(_shift, args, tenant=committed_tenant.tenant)
    assert results == ["ok"] * 12, results
    with tenant_context(committed_tenant.tenant):
        assert_inventory_consistent(store)
