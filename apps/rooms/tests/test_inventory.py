"""The two inventory guarantees, enforced by PostgreSQL, and the services around them."""
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import tenant_context

from apps.rooms import inventory
from apps.rooms.inventory import RoomTypeSoldOut, RoomUnavailable, nights_between
from apps.rooms.models import RoomNight, RoomTypeNight
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory
from tests.fixtures import run_concurrently

D1, D2, D3, D4 = date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 3), date(2027, 3, 4)


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


def counters(type_id):
    return list(RoomTypeNight.objects.filter(room_type_id=type_id).order_by("night").values_list("night", "capacity", "locked", "held"))


def test_nights_between_excludes_departure():
    assert nights_between(D1, D3) == [D1, D2]
    assert nights_between(D1, D1) == []


def test_same_room_same_night_refused_and_nothing_written(store):
    rt = RoomTypeFactory(store=store)
    room = RoomFactory(room_type=rt)
    RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1, D2], room_id=room.pk)
    with pytest.raises(RoomUnavailable) as err:
        with transaction.atomic():
            inventory.hold_stay(store_id=store.pk, order_id=2, room_type_id=rt.pk, nights=[D2, D3], room_id=room.pk)
    assert err.value.code == "room_unavailable"
    assert err.value.extra == {"nights": ["2027-03-02"], "room_id": room.pk}
    assert counters(rt.pk) == [(D1, 2, 0, 1), (D2, 2, 0, 1)]
    assert list(RoomNight.objects.filter(room=room).values_list("night", "order_id")) == [(D1, 1), (D2, 1)]


def test_type_cannot_be_held_beyond_its_rooms(store):
    rt = RoomTypeFactory(store=store)
    RoomFactory(room_type=rt)
    RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1])
    inventory.hold_stay(store_id=store.pk, order_id=2, room_type_id=rt.pk, nights=[D1, D2])
    with pytest.raises(RoomTypeSoldOut) as err:
        inventory.hold_stay(store_id=store.pk, order_id=3, room_type_id=rt.pk, nights=[D1, D2])
    assert err.value.extra["nights"] == ["2027-03-01"]
    assert counters(rt.pk) == [(D1, 2, 0, 2), (D2, 2, 0, 1)]


def test_release_returns_the_nights(store):
    rt = RoomTypeFactory(store=store)
    room = RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1, D2], room_id=room.pk)
    inventory.release_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D2])
    assert counters(rt.pk) == [(D1, 1, 0, 1), (D2, 1, 0, 0)]
    inventory.hold_stay(store_id=store.pk, order_id=2, room_type_id=rt.pk, nights=[D2], room_id=room.pk)
    assert RoomNight.objects.get(room=room, night=D2).order_id == 2


def test_lock_refused_over_a_stay_and_blocks_sale(store):
    rt = RoomTypeFactory(store=store)
    r1, r2 = RoomFactory(room_type=rt), RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1], room_id=r1.pk)
    with pytest.raises(RoomUnavailable):
        with transaction.atomic():
            inventory.hold_lock(store_id=store.pk, lock_id=_lock(store, r1).pk, room=r1, nights=[D1])
    lock = _lock(store, r2)
    inventory.hold_lock(store_id=store.pk, lock_id=lock.pk, room=r2, nights=[D1, D2])
    assert counters(rt.pk) == [(D1, 2, 1, 1), (D2, 2, 1, 0)]
    with pytest.raises(RoomTypeSoldOut):
        inventory.hold_stay(store_id=store.pk, order_id=2, room_type_id=rt.pk, nights=[D1])
    inventory.release_lock(store_id=store.pk, lock_id=lock.pk, room=r2, nights=[D1, D2])
    inventory.hold_stay(store_id=store.pk, order_id=2, room_type_id=rt.pk, nights=[D1], room_id=r2.pk)
    assert counters(rt.pk) == [(D1, 2, 0, 2), (D2, 2, 0, 0)]


def test_lock_refused_when_type_level_stays_need_the_room(store):
    rt = RoomTypeFactory(store=store)
    r1 = RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1])  # no room yet
    with pytest.raises(RoomTypeSoldOut):
        inventory.hold_lock(store_id=store.pk, lock_id=_lock(store, r1).pk, room=r1, nights=[D1])


def test_capacity_decrease_refused_when_sold(store):
    rt = RoomTypeFactory(store=store)
    RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1])
    with pytest.raises(RoomTypeSoldOut):
        inventory.capacity_change(room_type_id=rt.pk, delta=-1, from_night=D1)
    inventory.capacity_change(room_type_id=rt.pk, delta=+1, from_night=D1)
    assert counters(rt.pk) == [(D1, 2, 0, 1)]


def test_free_counts(store):
    rt = RoomTypeFactory(store=store)
    r1 = RoomFactory(room_type=rt)
    RoomFactory(room_type=rt)
    RoomFactory(room_type=rt, is_active=False)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D2], room_id=r1.pk)
    assert inventory.free_counts(store_id=store.pk, start=D1, end=D4)[rt.pk] == {D1: 2, D2: 1, D3: 2}


def test_a_refused_hold_leaves_nothing_held_even_without_a_rollback(store):
    rt = RoomTypeFactory(store=store)
    room, other = RoomFactory(room_type=rt), RoomFactory(room_type=rt)
    off = RoomFactory(room_type=rt, is_active=False)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D2], room_id=room.pk)
    # the room is taken on D2 only: D1 and D3 were inserted, then taken back
    with pytest.raises(RoomUnavailable) as err:
        inventory.hold_stay(store_id=store.pk, order_id=2, room_type_id=rt.pk, nights=[D3, D1, D2], room_id=room.pk)
    assert err.value.extra == {"nights": ["2027-03-02"], "room_id": room.pk}
    with pytest.raises(inventory.RoomInactive):
        inventory.hold_stay(store_id=store.pk, order_id=3, room_type_id=rt.pk, nights=[D1], room_id=off.pk)
    inventory.hold_stay(store_id=store.pk, order_id=4, room_type_id=rt.pk, nights=[D2], room_id=other.pk)
    # the type is full on D2 (2 active rooms): D1 was taken, then given back
    with pytest.raises(RoomTypeSoldOut) as sold_out:
        inventory.hold_stay(store_id=store.pk, order_id=5, room_type_id=rt.pk, nights=[D1, D2])
    assert sold_out.value.extra == {"nights": ["2027-03-02"], "room_type_id": rt.pk}
    assert counters(rt.pk) == [(D1, 2, 0, 0), (D2, 2, 0, 2), (D3, 2, 0, 0)]
    assert sorted(RoomNight.objects.values_list("room_id", "night", "order_id")) == sorted(
        [(room.pk, D2, 1), (other.pk, D2, 4)]
    )


def test_a_type_without_active_rooms_is_sold_out(store):
    rt = RoomTypeFactory(store=store)
    RoomFactory(room_type=rt, is_active=False)
    with pytest.raises(RoomTypeSoldOut) as err:
        inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1, D2])
    assert err.value.extra["nights"] == ["2027-03-01", "2027-03-02"]
    assert counters(rt.pk) == [(D1, 0, 0, 0), (D2, 0, 0, 0)]


def test_hold_and_release_of_a_stay_in_a_room_are_three_statements_each(store, django_assert_num_queries):
    rt = RoomTypeFactory(store=store)
    room = RoomFactory(room_type=rt)
    nights = nights_between(D1, D4)
    # the type's row (FOR SHARE), the counters (created or bumped), the room nights (with the room FOR SHARE)
    with django_assert_num_queries(3):
        inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=nights, room_id=room.pk)
    # the type's row, the counters (locked in order, then bumped), the room nights
    with django_assert_num_queries(3):
        inventory.release_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=nights)
    assert counters(rt.pk) == [(D1, 1, 0, 0), (D2, 1, 0, 0), (D3, 1, 0, 0)]
    assert not RoomNight.objects.exists()


# --- the database itself refuses, whatever Python does -------------------------------


def test_database_refuses_a_second_holder_of_a_room_night(store):
    rt = RoomTypeFactory(store=store)
    room = RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1], room_id=room.pk)
    with pytest.raises(IntegrityError, match="roomnight_one_holder_per_room_night"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rooms_roomnight (store_id, room_id, night, kind, order_id) VALUES (%s, %s, %s, 'stay', 2)",
                [store.pk, room.pk, D1],
            )


def test_database_refuses_overselling_a_type(store):
    rt = RoomTypeFactory(store=store)
    RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1])
    with pytest.raises(IntegrityError, match="roomtypenight_not_oversold"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE rooms_roomtypenight SET held = held + 1 WHERE room_type_id = %s", [rt.pk])


def test_database_refuses_a_room_whose_type_is_in_another_store(store, world):
    other = world.alpha.stores["A2"]
    rt_other = RoomTypeFactory(store=other)
    with pytest.raises(IntegrityError, match="room_room_type_same_store"):
        with transaction.atomic():
            RoomFactory(room_type=rt_other, store=store)


# --- concurrency: real connections, real commits ---------------------------------------


def _lock(store, room):
    from apps.rooms.models import RoomLock

    return RoomLock.objects.create(store=store, room=room, lock_type="maintenance", start_date=D1, end_date=D3)


def _attempt(store_id, order_id, type_id, room_id, nights):
    with transaction.atomic():
        inventory.hold_stay(store_id=store_id, order_id=order_id, room_type_id=type_id, nights=nights, room_id=room_id)
    return "ok"


def test_race_for_one_room_yields_one_holder(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        rt = RoomTypeFactory(store=store)
        room = RoomFactory(room_type=rt)
        for _ in range(3):
            RoomFactory(room_type=rt)
    args = [(store.pk, i, rt.pk, room.pk, [D1, D2, D3]) for i in range(1, 17)]
    results = run_concurrently(_attempt, args, tenant=committed_tenant.tenant)
    assert results.count("ok") == 1
    assert all(isinstance(r, RoomUnavailable) for r in results if r != "ok"), results
    with tenant_context(committed_tenant.tenant):
        assert RoomNight.objects.filter(room=room).count() == 3
        assert sorted(set(RoomNight.objects.values_list("order_id", flat=True))) == [results.index("ok") + 1]
        assert counters(rt.pk) == [(D1, 4, 0, 1), (D2, 4, 0, 1), (D3, 4, 0, 1)]


def test_race_for_a_type_never_oversells(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        rt = RoomTypeFactory(store=store)
        for _ in range(3):
            RoomFactory(room_type=rt)
    # overlapping but different spans, in both orders, to provoke deadlocks if lock order were wrong
    spans = [[D1, D2, D3], [D3, D2], [D2], [D1, D3]] * 4
    args = [(store.pk, i + 1, rt.pk, None, spans[i]) for i in range(16)]
    results = run_concurrently(_attempt, args, tenant=committed_tenant.tenant)
    assert all(r == "ok" or isinstance(r, RoomTypeSoldOut) for r in results), results
    with tenant_context(committed_tenant.tenant):
        rows = counters(rt.pk)
        assert all(held <= 3 for (_n, _c, _l, held) in rows)
        booked = [spans[i] for i, r in enumerate(results) if r == "ok"]
        # a night no committed booking held may have no counter row (its creator rolled back)
        held_by_night = {D1: 0, D2: 0, D3: 0} | {n: held for (n, _c, _l, held) in rows}
        assert held_by_night == {n: sum(n in s for s in booked) for n in (D1, D2, D3)}
        assert max(held for (*_x, held) in rows) == 3


def test_lock_counters_creates_missing_rows_and_locks_them(committed_tenant):
    import threading

    from django.db import OperationalError, connections

    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        rt = RoomTypeFactory(store=store)
        RoomFactory(room_type=rt)
        with transaction.atomic():  # creates the missing rows (committed, so visible to others)
            inventory.lock_counters(store_id=store.pk, wanted={rt.pk: [D2, D1, D2]})
        assert counters(rt.pk) == [(D1, 1, 0, 0), (D2, 1, 0, 0)]
    locked, finish = threading.Event(), threading.Event()

    def holder():
        try:
            connection.set_tenant(committed_tenant.tenant)
            with transaction.atomic():
                inventory.lock_counters(store_id=store.pk, wanted={rt.pk: [D2, D1, D2]})
                locked.set()
                finish.wait(10)
        finally:
            connections.close_all()

    def try_lock(type_id):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM rooms_roomtypenight WHERE room_type_id = %s FOR UPDATE NOWAIT", [type_id])
        return "locked"

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(10)
    try:
        [result] = run_concurrently(try_lock, [(rt.pk,)], tenant=committed_tenant.tenant)
    finally:
        finish.set()
        thread.join()
    assert isinstance(result, OperationalError) and "could not obtain lock" in str(result)


def test_assign_refuses_a_room_of_another_type_than_the_stay_holds(store):
    rt, other = RoomTypeFactory(store=store), RoomTypeFactory(store=store)
    RoomFactory(room_type=rt)
    foreign = RoomFactory(room_type=other)
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[D1])
    with pytest.raises(RoomUnavailable):
        with transaction.atomic():
            inventory.assign_room(store_id=store.pk, order_id=1, room_id=foreign.pk, nights=[D1], room_type_id=rt.pk)
    assert not RoomNight.objects.filter(order_id=1).exists()
    with pytest.raises(RoomUnavailable):
        with transaction.atomic():
            inventory.hold_stay(store_id=store.pk, order_id=2, room_type_id=rt.pk, nights=[D2], room_id=foreign.pk)
    assert counters(rt.pk) == [(D1, 1, 0, 1)]
