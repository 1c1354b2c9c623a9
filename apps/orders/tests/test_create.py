"""Creating an order: what it writes, and how few statements a booking costs (the booking
path is the hot path of the front desk and the channels: bench/booking_soak.py)."""
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.orders import services
from apps.orders.models import Order, OrderEvent, OrderGuest, OrderItem
from apps.orders.services import ExtraIn, PersonIn
from apps.rooms.models import RoomNight, RoomTypeNight

S = Order.Status


def test_a_confirmed_booking_writes_the_order_its_lines_guests_and_events_as_the_orm_would(store, rt, tomorrow, direct):
    room = rt.rooms_list[0]
    # when
    order = services.order_create(
        store=store, actor=None, room_type=rt, room=room, arrival=tomorrow, departure=tomorrow + timedelta(days=2),
        guests=[PersonIn(full_name="王小明", phone="13812345678"), PersonIn(full_name="李雷")],
        extras=[ExtraIn(description="早餐", unit_price=Decimal("38"), quantity=2)], confirm=True,
    )
    # then: the instances handed back are the rows, ids included
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.code, stored.total_amount, stored.due_amount, stored.channel_id, stored.room_id) == (
        S.CONFIRMED, order.code, Decimal("676.00"), Decimal("676.00"), direct.pk, room.pk,
    )
    assert stored.created_at == order.created_at and stored.updated_at == order.updated_at
    items = order._prefetched_objects_cache["items"]
    assert [(i.pk, i.kind, i.service_date, i.unit_price, i.total_price) for i in items] == list(
        OrderItem.objects.filter(order=order).order_by("id").values_list("id", "kind", "service_date", "unit_price", "total_price")
    )
    assert [i.kind for i in items] == ["room_night", "room_night", "extra"]
    guests = order._prefetched_objects_cache["guests"]
    assert [(g.pk, g.contact_id, g.is_primary) for g in guests] == list(
        OrderGuest.objects.filter(order=order).order_by("id").values_list("id", "contact_id", "is_primary")
    )
    events = order._prefetched_objects_cache["events"]
    assert [(e.pk, e.kind, e.data) for e in events] == list(
        OrderEvent.objects.filter(order=order).order_by("id").values_list("id", "kind", "data")
    )
    assert [e.kind for e in events] == ["created", "confirmed"] and events[1].data == {
        "held": [tomorrow.isoformat(), (tomorrow + timedelta(days=1)).isoformat()]
    }
    assert all(not obj._state.adding for obj in [order, *items, *guests, *events])
    assert RoomNight.objects.filter(order_id=order.pk).count() == 2
    assert list(RoomTypeNight.objects.filter(room_type=rt).values_list("held", flat=True)) == [1, 1]


def test_a_confirmed_booking_of_a_room_for_a_new_guest_is_ten_statements(store, rt, tomorrow, direct):
    services.order_create(store=store, actor=None, room_type=rt, arrival=tomorrow, departure=tomorrow + timedelta(days=1))
    # when
    with CaptureQueriesContext(connection) as ctx:
        services.order_create(
            store=store, actor=None, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow,
            departure=tomorrow + timedelta(days=4), guests=[PersonIn(full_name="王小明", phone="13812345678")], confirm=True,
        )
    # then: business date, default channel, what a hold would refuse, contact (found or
    # created), prices, order id, order + lines + guests + events, the type's row,
    # counters, room nights (were 18, and 4 savepoints)
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) == 10, statements


def test_booking_statements_run_prepared_and_follow_the_tenant(store, rt, tomorrow, direct, world):
    """The booking's hand-written statements run as prepared statements, their values
    bound on the server (apps/common/prepared.py): the second booking on a connection
    prepares nothing new and runs the same statements again, and on the same connection
    another tenant's booking writes that tenant's tables (PostgreSQL re-analyses a
    prepared statement when the search_path changed), even where both tenants' store ids
    are the same."""
    from django_tenants.utils import tenant_context

    from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
    from tests.sql import prepared_runs, prepared_statements

    def book(store, room_type, room, guest):
        return services.order_create(
            store=store, actor=None, room_type=room_type, room=room, arrival=tomorrow, departure=tomorrow + timedelta(days=2),
            guests=[PersonIn(full_name=guest, phone="13812345678")], confirm=True,
        )

    book(store, rt, rt.rooms_list[0], "王小明")
    before = prepared_statements()
    with CaptureQueriesContext(connection) as ctx:
        alpha = book(store, rt, rt.rooms_list[1], "王小明")
    after = prepared_statements()
    # business date, channel, refusal check, contact, prices, order + lines + guests +
    # events, type row, counters, room nights: each run once more, nothing prepared anew
    assert set(after) == set(before) and list(prepared_runs(before, after).values()) == [1] * 9
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) == 10  # the other one: the order id
    # the values travel apart from the text ($1, $2...), none is quoted into it
    assert not [text for text, _runs in after.values() if "王小明" in text or "13812345678" in text]

    with tenant_context(world.beta.tenant):
        beta_store = world.beta.stores["B1"]
        ChannelFactory(store=beta_store, code="direct", name="Direct", channel_type="direct")
        beta_type, beta_rooms = room_type_with_rooms(beta_store, 2, price="500.00")
        assert beta_store.pk == store.pk  # the same store id in the other schema
        beta = book(beta_store, beta_type, beta_rooms[0], "李雷")
        assert set(prepared_statements()) == set(before)  # the same statements, nothing prepared anew
        stored = Order.objects.get(pk=beta.pk)
        assert (stored.total_amount, stored.items.count(), stored.guests.get().contact.full_name) == (
            Decimal("1000.00"), 2, "李雷"
        )
        assert RoomNight.objects.filter(order_id=beta.pk).count() == 2
        assert list(RoomTypeNight.objects.filter(room_type=beta_type).values_list("held", flat=True)) == [1, 1]
    # alpha's rows are alpha's: the same ids, other schema
    stored = Order.objects.get(pk=alpha.pk)
    assert (stored.total_amount, stored.guests.get().contact.full_name) == (Decimal("600.00"), "王小明")
    assert list(RoomTypeNight.objects.filter(room_type=rt).values_list("held", flat=True)) == [2, 2]


def test_a_refused_booking_keeps_the_prepared_statements_and_the_next_booking_succeeds(store, rt, tomorrow, direct):
    """psycopg on its own would deallocate every prepared statement when a transaction or a
    savepoint rolls back; apps.common.prepared keeps them (they stay valid on the server).
    A refusal rolls back: the next booking on the connection runs the same statements."""
    import pytest
    from django.db import transaction

    from apps.rooms.inventory import RoomUnavailable

    def book(room):
        return services.order_create(
            store=store, actor=None, room_type=rt, room=room, arrival=tomorrow, departure=tomorrow + timedelta(days=2),
            guests=[PersonIn(full_name="王小明", phone="13812345678")], confirm=True,
        )

    def pg_prepared_names() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM pg_prepared_statements WHERE NOT from_sql")
            return {name for (name,) in cursor.fetchall()}

    book(rt.rooms_list[0])
    before_names = pg_prepared_names()
    assert before_names
    with pytest.raises(RoomUnavailable), transaction.atomic():
        book(rt.rooms_list[0])  # the same room, the same nights
    again = book(rt.rooms_list[1])
    assert Order.objects.get(pk=again.pk).status == S.CONFIRMED
    # the rollback kept them (apps.common.prepared): none was prepared again (the refusal
    # may have prepared the statement that gives the room type's nights back)
    again_prepared = pg_prepared_names()
    assert before_names <= again_prepared


def test_a_booking_of_nights_already_gone_is_refused_before_anything_is_written(store, rt, tomorrow, direct):
    """The refusal check (apps.rooms.inventory.stay_refusal) answers with the refusal the
    hold would give, before the contact, the order or its lines are written: three
    statements, not the booking's ten."""
    import pytest

    from apps.contacts.models import Contact
    from apps.rooms.inventory import RoomTypeSoldOut, RoomUnavailable
    from apps.rooms.services import room_lock_create

    assert len(rt.rooms_list) == 2
    room, other = rt.rooms_list
    day = [tomorrow + timedelta(days=i) for i in range(6)]
    services.order_create(store=store, actor=None, room_type=rt, room=room, arrival=day[0], departure=day[3], confirm=True)
    contacts, orders = Contact.objects.count(), Order.objects.count()

    def refused(target, exc_type, arrival, departure):
        with CaptureQueriesContext(connection) as ctx, pytest.raises(exc_type) as caught:
            services.order_create(store=store, actor=None, room_type=rt, room=target, arrival=arrival, departure=departure,
                                  guests=[PersonIn(full_name="王小明", phone="13812345678")], confirm=True)
        statements = [q["sql"] for q in ctx.captured_queries
                      if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SET search_path"))]
        return caught.value, statements

    taken, statements = refused(room, RoomUnavailable, day[1], day[4])
    assert (taken.code, taken.extra) == ("room_unavailable", {"nights": [day[1].isoformat(), day[2].isoformat()], "room_id": room.pk})
    # the business date, the default channel, the check
    assert [("storebusinessday" in sql, "orders_channel" in sql, "rooms_roomnight" in sql) for sql in statements] == [
        (True, False, False), (False, True, False), (False, False, True)]
    room_lock_create(store=store, room=other, lock_type="maintenance", start_date=day[2], end_date=day[5], reason="刷墙")
    locked, _statements = refused(other, RoomUnavailable, day[3], day[5])
    assert locked.extra == {"nights": [day[3].isoformat(), day[4].isoformat()], "room_id": other.pk}
    # both rooms gone on day 2 (one held, one locked): the type is sold out then, which the
    # hold says before looking at the room
    for target in (None, room, other):
        sold_out, _statements = refused(target, RoomTypeSoldOut, day[0], day[4])
        assert (sold_out.code, sold_out.extra) == ("room_type_sold_out", {"nights": [day[2].isoformat()], "room_type_id": rt.pk})
    assert (Contact.objects.count(), Order.objects.count()) == (contacts, orders)
