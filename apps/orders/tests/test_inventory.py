"""An order holds exactly its nights while in a holding state, whatever happens to it;
PostgreSQL refuses double bookings whatever Python does."""
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from apps.common.errors import DomainError
from apps.orders import selectors, services
from apps.orders.models import Order, OrderItem
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.rooms.models import RoomNight, RoomTypeNight
from tests.fixtures import set_business_date

S = Order.Status


def assert_inventory_consistent(store):
    """Counters and room nights are exactly what the holding orders' night lines say."""
    lines = OrderItem.objects.filter(
        order__store=store, order__status__in=list(Order.HOLDING), kind=OrderItem.Kind.ROOM_NIGHT
    ).values_list("order_id", "room_type_id", "room_id", "service_date")
    expected_counters = Counter((type_id, night) for _o, type_id, _r, night in lines)
    actual_counters = {
        (t, n): held for t, n, held in RoomTypeNight.objects.filter(store=store).values_list("room_type_id", "night", "held") if held
    }
    assert actual_counters == dict(expected_counters)
    expected_rooms = sorted((o, r, n) for o, _t, r, n in lines if r is not None)
    actual_rooms = sorted(RoomNight.objects.filter(store=store, kind="stay").values_list("order_id", "room_id", "night"))
    assert actual_rooms == expected_rooms


def state(order):
    o = Order.objects.get(pk=order.pk)
    return {
        "order": (o.status, o.version, o.arrival, o.departure, o.room_type_id, o.room_id, o.total_amount),
        "events": o.events.count(),
        "items": list(o.items.values_list("service_date", "room_type_id", "room_id", "unit_price")),
        "counters": sorted(RoomTypeNight.objects.filter(store_id=o.store_id).values_list("room_type_id", "night", "held")),
        "room_nights": sorted(RoomNight.objects.filter(store_id=o.store_id).values_list("room_id", "night", "order_id")),
    }


def d(base, n):
    return base + timedelta(days=n)


def test_cancel_releases_type_and_room_and_the_room_sells_again(store, rt, tomorrow):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=tomorrow, nights=3)
    assert_inventory_consistent(store)
    services.order_cancel(order=order, actor=None, reason="changed plans")
    assert RoomNight.objects.filter(order_id=order.pk).count() == 0
    assert set(RoomTypeNight.objects.filter(room_type=rt).values_list("held", flat=True)) == {0}
    again = make_order(store, room_type=rt, room=room, arrival=tomorrow, nights=3)
    assert again.status == S.CONFIRMED
    assert_inventory_consistent(store)


def test_no_show_releases(store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=2)
    services.order_mark_no_show(order=order, actor=None)
    assert RoomNight.objects.filter(order_id=order.pk).count() == 0
    assert set(RoomTypeNight.objects.filter(room_type=rt).values_list("held", flat=True)) == {0}
    assert_inventory_consistent(store)


def test_early_check_out_returns_unused_nights_and_their_lines(store, rt, today):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=today, nights=3, status=S.CHECKED_IN)
    assert order.total_amount == Decimal("900.00")
    order = services.order_check_out(order=order, actor=None)
    assert (order.departure, order.total_amount, order.due_amount) == (d(today, 1), Decimal("300.00"), Decimal("300.00"))
    assert list(order.items.values_list("service_date", flat=True)) == [today]
    # the night used stays held (on record); the two unused ones are for sale again
    assert list(RoomNight.objects.filter(order_id=order.pk).values_list("night", flat=True)) == [today]
    assert dict(RoomTypeNight.objects.filter(room_type=rt).values_list("night", "held")) == {today: 1, d(today, 1): 0, d(today, 2): 0}
    event = order.events.order_by("id").last()
    assert event.data == {
        "room_id": room.pk, "early": True, "departure": [d(today, 3).isoformat(), d(today, 1).isoformat()],
        "removed_amount": "600.00", "held": [], "released": [d(today, 1).isoformat(), d(today, 2).isoformat()],
    }
    make_order(store, room_type=rt, room=room, arrival=d(today, 1), nights=2)
    assert_inventory_consistent(store)


def test_date_change_moves_the_held_nights_and_reprices_the_whole_stay(store, rt, tomorrow):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=tomorrow, nights=2)
    rt.default_price = Decimal("350.00")
    rt.save(update_fields=["default_price"])
    order = services.order_modify(order=order, actor=None, arrival=d(tomorrow, 1), departure=d(tomorrow, 3))
    # new dates re-price the whole stay at the rules of now (docs/orders.md, "Re-pricing")
    assert list(order.items.values_list("service_date", "unit_price")) == [
        (d(tomorrow, 1), Decimal("350.00")),  # kept night: re-priced
        (d(tomorrow, 2), Decimal("350.00")),  # new night
    ]
    assert order.total_amount == Decimal("700.00")
    assert list(RoomNight.objects.filter(order_id=order.pk).order_by("night").values_list("room_id", "night")) == [
        (room.pk, d(tomorrow, 1)), (room.pk, d(tomorrow, 2))]
    assert dict(RoomTypeNight.objects.filter(room_type=rt).values_list("night", "held")) == {
        tomorrow: 0, d(tomorrow, 1): 1, d(tomorrow, 2): 1}
    event = order.events.order_by("id").last()
    assert event.kind == "modified"
    assert event.data["changes"] == {"arrival": [tomorrow.isoformat(), d(tomorrow, 1).isoformat()],
                                     "departure": [d(tomorrow, 2).isoformat(), d(tomorrow, 3).isoformat()]}
    assert_inventory_consistent(store)


def test_room_move_within_the_type(store, rt, tomorrow):
    r1, r2 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, arrival=tomorrow, nights=2)
    order = services.order_assign_room(order=order, actor=None, room=r2)
    assert set(RoomNight.objects.filter(order_id=order.pk).values_list("room_id", flat=True)) == {r2.pk}
    assert dict(RoomTypeNight.objects.filter(room_type=rt).values_list("night", "held")) == {tomorrow: 1, d(tomorrow, 1): 1}
    assert order.events.order_by("id").last().kind == "room_assigned"
    assert_inventory_consistent(store)


def test_move_to_a_room_of_another_type_changes_the_type_and_reprices(store, rt, tomorrow):
    suite, (s1,) = room_type_with_rooms(store, 1, price="800.00")
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, nights=2)
    order = services.order_modify(order=order, actor=None, room=s1)
    assert (order.room_type_id, order.room_id, order.total_amount) == (suite.pk, s1.pk, Decimal("1600.00"))
    assert set(RoomTypeNight.objects.filter(room_type=rt).values_list("held", flat=True)) == {0}
    assert set(RoomTypeNight.objects.filter(room_type=suite).values_list("held", flat=True)) == {1}
    assert_inventory_consistent(store)


def test_type_change_without_a_room_goes_back_to_type_level(store, rt, tomorrow):
    other, _rooms = room_type_with_rooms(store, 1)
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, nights=1)
    order = services.order_modify(order=order, actor=None, room_type=other)
    assert (order.room_type_id, order.room_id) == (other.pk, None)
    assert RoomNight.objects.filter(order_id=order.pk).count() == 0
    assert_inventory_consistent(store)


def test_move_onto_an_occupied_room_is_refused_and_changes_nothing(store, rt, tomorrow):
    r1, r2 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, arrival=tomorrow, nights=3)
    make_order(store, room_type=rt, room=r2, arrival=d(tomorrow, 2), nights=1)
    before = state(order)
    with pytest.raises(DomainError) as err:
        services.order_modify(order=order, actor=None, room=r2)
    assert err.value.code == "room_unavailable"
    assert err.value.extra["nights"] == [d(tomorrow, 2).isoformat()]
    assert state(order) == before


def test_date_change_onto_a_sold_out_night_is_refused_and_changes_nothing(store, tomorrow, direct):
    single, (room,) = room_type_with_rooms(store, 1)
    order = make_order(store, room_type=single, arrival=tomorrow, nights=1)
    make_order(store, room_type=single, arrival=d(tomorrow, 1), nights=1)
    before = state(order)
    with pytest.raises(DomainError) as err:
        services.order_modify(order=order, actor=None, departure=d(tomorrow, 2))
    assert err.value.code == "room_type_sold_out"
    assert state(order) == before


def test_confirm_refused_when_sold_out_leaves_the_order_pending(store, tomorrow, direct):
    single, _rooms = room_type_with_rooms(store, 1)
    make_order(store, room_type=single, arrival=tomorrow, nights=1)
    pending = make_order(store, room_type=single, arrival=tomorrow, nights=1, status=S.PENDING_CONFIRMATION)
    before = state(pending)
    with pytest.raises(DomainError) as err:
        services.order_confirm(order=pending, actor=None)
    assert err.value.code == "room_type_sold_out"
    assert state(pending) == before


def test_pending_orders_hold_nothing_even_when_changed(store, rt, tomorrow):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, status=S.PENDING_CONFIRMATION)
    services.order_modify(order=order, actor=None, room=rt.rooms_list[1], departure=d(tomorrow, 4))
    assert RoomNight.objects.count() == 0
    assert set(RoomTypeNight.objects.values_list("held", flat=True)) <= {0}


def test_in_house_room_move_keeps_the_nights_already_spent(store, rt, today):
    r1, r2 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, arrival=today, nights=3, status=S.CHECKED_IN)
    later = d(today, 1)
    set_business_date(store, later)
    with pytest.raises(DomainError) as err:
        services.order_modify(order=order, actor=None, departure=d(today, 5))
    assert err.value.code == "in_house_change_not_allowed"
    order = services.order_modify(order=order, actor=None, room=r2)
    assert list(RoomNight.objects.filter(order_id=order.pk).order_by("night").values_list("night", "room_id")) == [
        (today, r1.pk), (d(today, 1), r2.pk), (d(today, 2), r2.pk)]
    assert order.moved_in_house is True
    assert_inventory_consistent(store)
    # the grid draws one block per room
    blocks = selectors.stay_blocks(store=store, start=today, end=d(today, 7))
    assert [(b["room_id"], b["arrival"], b["departure"]) for b in blocks] == [(r1.pk, today, later), (r2.pk, later, d(today, 3))]
    # r1 is free again from tonight
    make_order(store, room_type=rt, room=r1, arrival=later, nights=2)
    # and the early check-out still keeps the spent night in r1
    order = services.order_check_out(order=order, actor=None)
    assert list(RoomNight.objects.filter(order_id=order.pk).values_list("night", "room_id")) == [(today, r1.pk)]
    assert_inventory_consistent(store)


def test_in_house_upgrade_to_another_type_from_tonight(store, rt, today):
    suite, (s1,) = room_type_with_rooms(store, 1, price="800.00")
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=2, status=S.CHECKED_IN)
    set_business_date(store, d(today, 1))
    order = services.order_modify(order=order, actor=None, room=s1)
    assert list(order.items.values_list("service_date", "room_type_id", "unit_price")) == [
        (today, rt.pk, Decimal("300.00")), (d(today, 1), suite.pk, Decimal("800.00"))]
    assert order.total_amount == Decimal("1100.00")
    assert dict(RoomTypeNight.objects.filter(room_type=rt).values_list("night", "held")) == {today: 1, d(today, 1): 0}
    assert dict(RoomTypeNight.objects.filter(room_type=suite).values_list("night", "held")) == {d(today, 1): 1}
    assert_inventory_consistent(store)


def test_extend_and_check_out_keep_inventory_consistent(store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=1, status=S.CHECKED_IN)
    order = services.order_extend(order=order, actor=None, departure=d(today, 3))
    assert_inventory_consistent(store)
    services.order_check_out(order=order, actor=None)
    assert_inventory_consistent(store)


# --- the database refuses, whatever Python does ---------------------------------------------------


def test_direct_sql_double_booking_of_a_room_is_refused(store, rt, tomorrow):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=tomorrow, nights=1)
    other = make_order(store, room_type=rt, arrival=tomorrow, nights=1, status=S.PENDING_CONFIRMATION)
    with pytest.raises(IntegrityError, match="roomnight_one_holder_per_room_night"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rooms_roomnight (store_id, room_id, night, kind, order_id) VALUES (%s, %s, %s, 'stay', %s)",
                [store.pk, room.pk, tomorrow, other.pk],
            )
    assert list(RoomNight.objects.filter(room=room).values_list("order_id", flat=True)) == [order.pk]


def test_direct_sql_overselling_of_a_type_is_refused(store, rt, tomorrow):
    make_order(store, room_type=rt, arrival=tomorrow, nights=1)
    make_order(store, room_type=rt, arrival=tomorrow, nights=1)
    with pytest.raises(IntegrityError, match="roomtypenight_not_oversold"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE rooms_roomtypenight SET held = held + 1 WHERE room_type_id = %s", [rt.pk])


def test_order_amounts_must_agree(store, rt, tomorrow):
    order = make_order(store, room_type=rt, arrival=tomorrow, nights=1)
    with pytest.raises(IntegrityError, match="order_due_is_total_minus_paid"):
        with transaction.atomic():
            Order.objects.filter(pk=order.pk).update(paid_amount=Decimal("100.00"))


def test_an_order_room_of_another_store_is_refused_by_the_database(store, rt, tomorrow, world):
    _t, (foreign,) = room_type_with_rooms(world.alpha.stores["A2"], 1)
    order = make_order(store, room_type=rt, arrival=tomorrow, nights=1, status=S.PENDING_CONFIRMATION)
    with pytest.raises(IntegrityError, match="order_room_same_store"):
        with transaction.atomic():
            Order.objects.filter(pk=order.pk).update(room=foreign)
