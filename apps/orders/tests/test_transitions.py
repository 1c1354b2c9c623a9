"""Every allowed transition of the spec's diagram and every refused pair of the 7x7 matrix."""
from datetime import timedelta

import pytest

from apps.common.errors import DomainError
from apps.orders import services
from apps.orders.models import Order, OrderEvent
from apps.orders.tests.factories import make_order
from apps.rooms.models import Room, RoomNight, RoomTypeNight

S = Order.Status
ALL = [S.PENDING_CONFIRMATION, S.CONFIRMED, S.CHECKED_IN, S.EXTENDED, S.CHECKED_OUT, S.CANCELLED, S.NO_SHOW]
ALLOWED = {
    (S.PENDING_CONFIRMATION, S.CONFIRMED), (S.PENDING_CONFIRMATION, S.CANCELLED),
    (S.CONFIRMED, S.CHECKED_IN), (S.CONFIRMED, S.CANCELLED), (S.CONFIRMED, S.NO_SHOW),
    (S.CHECKED_IN, S.EXTENDED), (S.CHECKED_IN, S.CHECKED_OUT),
    (S.EXTENDED, S.CHECKED_OUT),
}


def _do(order, to, actor=None):
    """The one service (and API action) that moves an order to ``to``."""
    if to == S.CONFIRMED:
        return services.order_confirm(order=order, actor=actor)
    if to == S.CHECKED_IN:
        return services.order_check_in(order=order, actor=actor)
    if to == S.EXTENDED:
        return services.order_extend(order=order, actor=actor, departure=order.departure + timedelta(days=1))
    if to == S.CHECKED_OUT:
        return services.order_check_out(order=order, actor=actor)
    if to == S.CANCELLED:
        return services.order_cancel(order=order, actor=actor, reason="guest asked")
    if to == S.NO_SHOW:
        return services.order_mark_no_show(order=order, actor=actor)
    raise AssertionError(f"no service moves an order to {to}")


def snapshot(order):
    o = Order.objects.get(pk=order.pk)
    return {
        "order": (o.status, o.version, o.arrival, o.departure, o.room_id, o.total_amount, o.confirmed_at,
                  o.checked_in_at, o.checked_out_at, o.cancelled_at, o.no_show_at),
        "events": list(OrderEvent.objects.filter(order=o).values_list("kind", flat=True)),
        "counters": list(RoomTypeNight.objects.filter(room_type_id=o.room_type_id).order_by("night").values_list("night", "held")),
        "room_nights": list(RoomNight.objects.filter(order_id=o.pk).order_by("night").values_list("room_id", "night")),
        "items": list(o.items.order_by("service_date").values_list("service_date", "total_price")),
    }


def test_the_table_is_exactly_the_spec_diagram():
    declared = {(a, b) for a, targets in Order.TRANSITIONS.items() for b in targets}
    assert declared == ALLOWED
    assert set(Order.TRANSITIONS) == set(ALL)
    # nothing ever goes back to pending
    assert all(S.PENDING_CONFIRMATION not in targets for targets in Order.TRANSITIONS.values())


REFUSED = [
    (a, b) for a in ALL for b in ALL
    if b != S.PENDING_CONFIRMATION and (a, b) not in ALLOWED and (a, b) != (S.EXTENDED, S.EXTENDED)
]


@pytest.mark.parametrize("from_status,to_status", REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_refused_transition_changes_nothing(store, rt, today, from_status, to_status, world):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=today, status=from_status)
    before = snapshot(order)
    housekeeping = Room.objects.get(pk=room.pk).housekeeping
    with pytest.raises(DomainError) as err:
        _do(order, to_status, actor=world.alpha.users["clerk_a1"])
    assert err.value.code == "illegal_transition"
    assert err.value.extra == {"from": from_status, "to": to_status, "allowed": sorted(Order.TRANSITIONS[from_status])}
    assert snapshot(order) == before
    assert Room.objects.get(pk=room.pk).housekeeping == housekeeping


def test_pending_to_confirmed_holds_the_nights(store, rt, today, world):
    clerk = world.alpha.users["clerk_a1"]
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=today, nights=2, status=S.PENDING_CONFIRMATION)
    assert snapshot(order)["counters"] == [] and snapshot(order)["room_nights"] == []
    order = services.order_confirm(order=order, actor=clerk)
    after = snapshot(order)
    assert after["order"][0] == S.CONFIRMED and order.confirmed_at is not None
    assert after["counters"] == [(today, 1), (today + timedelta(days=1), 1)]
    assert after["room_nights"] == [(room.pk, today), (room.pk, today + timedelta(days=1))]
    event = order.events.order_by("id").last()
    assert (event.kind, event.from_status, event.to_status, event.actor) == ("confirmed", S.PENDING_CONFIRMATION, S.CONFIRMED, clerk)
    assert event.data == {"held": [today.isoformat(), (today + timedelta(days=1)).isoformat()], "released": []}


def test_pending_to_cancelled_needs_a_reason_and_holds_nothing(store, rt, today, world):
    order = make_order(store, room_type=rt, arrival=today, status=S.PENDING_CONFIRMATION)
    before = snapshot(order)
    with pytest.raises(DomainError) as err:
        services.order_cancel(order=order, actor=None, reason="  ")
    assert err.value.code == "cancellation_reason_required"
    assert snapshot(order) == before
    order = services.order_cancel(order=order, actor=world.alpha.users["clerk_a1"], reason="duplicate")
    assert (order.status, order.cancellation_reason) == (S.CANCELLED, "duplicate")
    assert order.cancelled_at is not None
    assert snapshot(order)["counters"] == []
    event = order.events.order_by("id").last()
    assert (event.kind, event.from_status, event.to_status, event.data) == ("cancelled", S.PENDING_CONFIRMATION, S.CANCELLED, {"reason": "duplicate"})


def test_confirmed_to_checked_in_today(store, rt, today, world):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=today, status=S.CONFIRMED)
    order = services.order_check_in(order=order, actor=world.alpha.users["clerk_a1"])
    assert order.status == S.CHECKED_IN and order.checked_in_at is not None
    event = order.events.order_by("id").last()
    assert (event.kind, event.from_status, event.to_status, event.data) == ("checked_in", S.CONFIRMED, S.CHECKED_IN, {"room_id": room.pk})
    assert snapshot(order)["room_nights"] == [(room.pk, today), (room.pk, today + timedelta(days=1))]


def test_check_in_before_arrival_is_refused(store, rt, tomorrow):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, status=S.CONFIRMED)
    before = snapshot(order)
    with pytest.raises(DomainError) as err:
        services.order_check_in(order=order, actor=None)
    assert err.value.code == "too_early_to_check_in"
    assert snapshot(order) == before


def test_check_in_without_a_room_is_refused_then_given_one(store, rt, today):
    order = make_order(store, room_type=rt, arrival=today, status=S.CONFIRMED)
    before = snapshot(order)
    with pytest.raises(DomainError) as err:
        services.order_check_in(order=order, actor=None)
    assert err.value.code == "room_required"
    assert snapshot(order) == before
    room = rt.rooms_list[1]
    order = services.order_check_in(order=order, actor=None, room=room)
    assert (order.status, order.room_id) == (S.CHECKED_IN, room.pk)
    assert snapshot(order)["room_nights"] == [(room.pk, today), (room.pk, today + timedelta(days=1))]
    assert snapshot(order)["counters"] == [(today, 1), (today + timedelta(days=1), 1)]


def test_confirmed_to_cancelled_releases(store, rt, tomorrow):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, status=S.CONFIRMED)
    order = services.order_cancel(order=order, actor=None, reason="plans changed")
    after = snapshot(order)
    assert after["order"][0] == S.CANCELLED
    assert after["counters"] == [(tomorrow, 0), (tomorrow + timedelta(days=1), 0)]
    assert after["room_nights"] == []
    event = order.events.order_by("id").last()
    assert event.data == {"reason": "plans changed", "held": [], "released": [tomorrow.isoformat(), (tomorrow + timedelta(days=1)).isoformat()]}


def test_confirmed_to_no_show_releases(store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, status=S.CONFIRMED)
    order = services.order_mark_no_show(order=order, actor=None)
    after = snapshot(order)
    assert after["order"][0] == S.NO_SHOW and order.no_show_at is not None
    assert after["counters"] == [(today, 0), (today + timedelta(days=1), 0)]
    assert after["room_nights"] == []


def test_no_show_before_arrival_is_refused(store, rt, tomorrow):
    order = make_order(store, room_type=rt, arrival=tomorrow, status=S.CONFIRMED)
    before = snapshot(order)
    with pytest.raises(DomainError) as err:
        services.order_mark_no_show(order=order, actor=None)
    assert err.value.code == "too_early_for_no_show"
    assert snapshot(order) == before


def test_checked_in_to_extended_holds_the_extra_night_priced_now(store, rt, today):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=today, nights=1, status=S.CHECKED_IN)
    order = services.order_extend(order=order, actor=None, departure=today + timedelta(days=3))
    after = snapshot(order)
    assert (order.status, order.departure) == (S.EXTENDED, today + timedelta(days=3))
    assert after["room_nights"] == [(room.pk, today + timedelta(days=i)) for i in range(3)]
    assert after["counters"] == [(today + timedelta(days=i), 1) for i in range(3)]
    assert after["items"] == [(today + timedelta(days=i), rt.default_price) for i in range(3)]
    assert order.total_amount == 3 * rt.default_price == order.due_amount
    # extended again: a modification, still extended
    order = services.order_extend(order=order, actor=None, departure=today + timedelta(days=4))
    assert (order.status, order.departure) == (S.EXTENDED, today + timedelta(days=4))
    kinds = list(order.events.values_list("kind", "from_status", "to_status"))
    assert kinds[-2:] == [("extended", S.CHECKED_IN, S.EXTENDED), ("extended", S.EXTENDED, S.EXTENDED)]


def test_extend_onto_a_taken_night_is_refused_and_changes_nothing(store, rt, today):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=today, nights=1, status=S.CHECKED_IN)
    make_order(store, room_type=rt, room=room, arrival=today + timedelta(days=1), nights=1, status=S.CONFIRMED)
    before = snapshot(order)
    with pytest.raises(DomainError) as err:
        services.order_extend(order=order, actor=None, departure=today + timedelta(days=2))
    assert err.value.code == "room_unavailable"
    assert snapshot(order) == before


def test_extend_must_lengthen(store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=2, status=S.CHECKED_IN)
    before = snapshot(order)
    with pytest.raises(DomainError) as err:
        services.order_extend(order=order, actor=None, departure=order.departure)
    assert err.value.code == "extend_must_lengthen"
    assert snapshot(order) == before
