"""Creating an order: what it writes, what it costs whatever the stay (the booking path is
the hot path of the front desk and the channels: its speed is bench/booking_soak.py's),
a refusal that writes nothing, and tenants kept apart on one connection."""
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contacts.models import Contact
from apps.orders import services
from apps.orders.models import Order, OrderEvent, OrderGuest, OrderItem
from apps.orders.services import ExtraIn, PersonIn
from apps.orders.tests.factories import booking
from apps.rooms.inventory import RoomTypeSoldOut, RoomUnavailable
from apps.rooms.models import RoomNight, RoomTypeNight
from apps.rooms.services import room_lock_create

S = Order.Status


def test_a_confirmed_booking_writes_the_order_its_lines_guests_and_events_as_the_orm_would(store, rt, tomorrow, direct):
    room = rt.rooms_list[0]
    # when
    order = services.order_create(**booking(
        store=store, actor=None, room_type=rt, room=room, arrival=tomorrow, departure=tomorrow + timedelta(days=2),
        guests=[PersonIn(full_name="王小明", phone="13812345678"), PersonIn(full_name="李雷")],
        extras=[ExtraIn(description="早餐", unit_price=Decimal("38"), quantity=2)], confirm=True,
    ))
    # then
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.code, stored.total_amount, stored.due_amount, stored.channel_id, stored.room_id) == (
        S.CONFIRMED, order.code, Decimal("676.00"), Decimal("676.00"), direct.pk, room.pk,
    )
    assert stored.created_at == order.created_at and stored.updated_at == order.updated_at
    assert list(OrderItem.objects.filter(order=order).order_by("id").values_list("kind", "service_date", "unit_price", "total_price")) == [
        ("room_night", tomorrow, Decimal("300.00"), Decimal("300.00")),
        ("room_night", tomorrow + timedelta(days=1), Decimal("300.00"), Decimal("300.00")),
        ("extra", None, Decimal("38.00"), Decimal("76.00")),
    ]
    assert list(OrderGuest.objects.filter(order=order).order_by("id").values_list("contact__full_name", "is_primary")) == [
        ("王小明", True), ("李雷", False),
    ]
    events = list(OrderEvent.objects.filter(order=order).order_by("id"))
    assert [e.kind for e in events] == ["created", "confirmed"] and events[1].data == {
        "held": [tomorrow.isoformat(), (tomorrow + timedelta(days=1)).isoformat()]
    }
    assert RoomNight.objects.filter(order_id=order.pk).count() == 2
    assert list(RoomTypeNight.objects.filter(room_type=rt).values_list("held", flat=True)) == [1, 1]


def _booking_statements(**kwargs) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.order_create(**booking(actor=None, confirm=True, **kwargs))
    return len(ctx.captured_queries)


def test_a_booking_costs_the_same_whatever_its_nights_and_guests(store, rt, tomorrow, direct):
    services.order_create(**booking(store=store, actor=None, room_type=rt, arrival=tomorrow, departure=tomorrow + timedelta(days=1)))
    one = _booking_statements(store=store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow,
                              departure=tomorrow + timedelta(days=1), guests=[PersonIn(full_name="王小明", phone="13812345678")])
    many = _booking_statements(store=store, room_type=rt, room=rt.rooms_list[1], arrival=tomorrow,
                               departure=tomorrow + timedelta(days=20),
                               guests=[PersonIn(full_name=f"王{n}", phone=f"1381234567{n}") for n in range(2)])
    # each guest is found or created (one statement each), whatever the nights (two: the room sleeps two)
    assert many - one == 1


def test_two_tenants_book_on_one_connection_each_in_its_own_tables(store, rt, tomorrow, direct, world):
    """On the same connection another tenant's booking writes that tenant's tables, even
    where both tenants' store ids are the same."""
    from django_tenants.utils import tenant_context

    from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms

    def book(store, room_type, room, guest):
        return services.order_create(**booking(
            store=store, actor=None, room_type=room_type, room=room, arrival=tomorrow, departure=tomorrow + timedelta(days=2),
            guests=[PersonIn(full_name=guest, phone="13812345678")], confirm=True,
        ))

    book(store, rt, rt.rooms_list[0], "王小明")
    alpha = book(store, rt, rt.rooms_list[1], "王小明")
    with tenant_context(world.beta.tenant):
        beta_store = world.beta.stores["B1"]
        ChannelFactory(store=beta_store, code="direct", name="Direct", channel_type="direct")
        beta_type, beta_rooms = room_type_with_rooms(beta_store, 2, price="500.00")
        assert beta_store.pk == store.pk  # the same store id in the other schema
        beta = book(beta_store, beta_type, beta_rooms[0], "李雷")
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


def test_after_a_refused_booking_the_next_booking_on_the_connection_succeeds(store, rt, tomorrow, direct):
    import pytest
    from django.db import transaction

    def book(room):
        return services.order_create(**booking(
            store=store, actor=None, room_type=rt, room=room, arrival=tomorrow, departure=tomorrow + timedelta(days=2),
            guests=[PersonIn(full_name="王小明", phone="13812345678")], confirm=True,
        ))

    book(rt.rooms_list[0])
    with pytest.raises(RoomUnavailable), transaction.atomic():
        book(rt.rooms_list[0])  # the same room, the same nights
    again = book(rt.rooms_list[1])
    assert Order.objects.get(pk=again.pk).status == S.CONFIRMED


def test_a_booking_refused_before_the_hold_leaves_the_connections_prepared_statements(store, rt, tomorrow, direct):
    """A refusal read before the writes ends no transaction or savepoint with a ROLLBACK,
    after which psycopg would deallocate every statement the connection had prepared
    (PostgreSQL's own view, pg_prepared_statements, counts them)."""
    import pytest

    def book(room):
        return services.order_create(**booking(
            store=store, actor=None, room_type=rt, room=room, arrival=tomorrow, departure=tomorrow + timedelta(days=2),
            confirm=True,
        ))

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    for room in rt.rooms_list:  # statements run twice are prepared (prepare_threshold 2)
        book(room)
    before = prepared()
    assert before > 0
    with pytest.raises((RoomUnavailable, RoomTypeSoldOut)):
        book(rt.rooms_list[0])
    assert prepared() >= before


def test_a_booking_of_nights_already_gone_is_refused_before_anything_is_written(store, rt, tomorrow, direct):
    """The refusal check (apps.rooms.inventory.stay_refusal) answers with the refusal the
    hold would give, before the contact, the order or its lines are written."""
    import pytest

    assert len(rt.rooms_list) == 2
    room, other = rt.rooms_list
    day = [tomorrow + timedelta(days=i) for i in range(6)]
    services.order_create(**booking(store=store, actor=None, room_type=rt, room=room, arrival=day[0], departure=day[3], confirm=True))
    contacts, orders = Contact.objects.count(), Order.objects.count()

    def refused(target, exc_type, arrival, departure):
        with CaptureQueriesContext(connection) as ctx, pytest.raises(exc_type) as caught:
            services.order_create(**booking(store=store, actor=None, room_type=rt, room=target, arrival=arrival, departure=departure,
                                  guests=[PersonIn(full_name="王小明", phone="13812345678")], confirm=True))
        statements = [q["sql"] for q in ctx.captured_queries
                      if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "SET search_path"))]
        return caught.value, statements

    taken, statements = refused(room, RoomUnavailable, day[1], day[4])
    assert (taken.code, taken.extra) == ("room_unavailable", {"nights": [day[1].isoformat(), day[2].isoformat()], "room_id": room.pk})
    assert not [sql for sql in statements if not sql.lstrip().startswith("SELECT")]  # nothing written, not even tried
    room_lock_create(store=store, room=other, lock_type="maintenance", start_date=day[2], end_date=day[5], reason="刷墙")
    locked, _statements = refused(other, RoomUnavailable, day[3], day[5])
    assert locked.extra == {"nights": [day[3].isoformat(), day[4].isoformat()], "room_id": other.pk}
    # both rooms gone on day 2 (one held, one locked): the type is sold out then, which the
    # hold says before looking at the room
    for target in (None, room, other):
        sold_out, _statements = refused(target, RoomTypeSoldOut, day[0], day[4])
        assert (sold_out.code, sold_out.extra) == ("room_type_sold_out", {"nights": [day[2].isoformat()], "room_type_id": rt.pk})
    assert (Contact.objects.count(), Order.objects.count()) == (contacts, orders)
