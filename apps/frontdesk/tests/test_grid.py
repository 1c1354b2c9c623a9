"""The room status grid: blocks, derived occupancy, free counts, and a constant query count.

Stays come from the orders app (``stay_blocks``), so they are made here through the
orders services, as the desk would.
"""
from datetime import timedelta

import pytest

from apps.common.errors import DomainValidationError
from apps.frontdesk.selectors import room_grid
from apps.orders import services as order_services
from apps.orders.services import PersonIn
from apps.orders.tests.factories import booking
from apps.rooms import services
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory
from apps.tenancy.business_day import store_local_date
from tests.sql import queries

# rooms, room types, free counts (1), lock blocks (1), the orders app's stay_blocks (1)


def _stay(store, room, arrival, nights, *, check_in=False, guest="张三"):
    order = order_services.order_create(**booking(
        store=store, actor=None, room_type=room.room_type, room=room, arrival=arrival,
        departure=arrival + timedelta(days=nights), booker=PersonIn(full_name=guest), confirm=True,
    ))
    return order_services.order_check_in(order=order, actor=None) if check_in else order


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def today(store):
    return store_local_date(store=store)


def _populate(store, today, n_rooms: int, days: int) -> None:
    """Rooms in 2 types; on every room a stay, a later stay on every other room, a lock on every third."""
    types = [RoomTypeFactory(store=store, name=f"T{n_rooms}-{i}") for i in range(2)]
    rooms = [RoomFactory(room_type=types[i % 2], number=f"{n_rooms}-{i:03d}") for i in range(n_rooms)]
    for i, room in enumerate(rooms):
        _stay(store, room, today, 1 + i % 3, check_in=i % 4 == 0)
        if i % 2:
            _stay(store, room, today + timedelta(days=days - 2), 3)  # runs past the window's end
        if i % 3 == 0:
            services.room_lock_create(
                store=store, room=room, lock_type="maintenance", start_date=today + timedelta(days=3),
                end_date=today + timedelta(days=5),
            )


def test_grid_query_count_does_not_grow_with_rooms_or_days(store, today):
    _populate(store, today, n_rooms=5, days=7)
    room_grid(store=store, start=today, days=1)  # reference data into the cache, as for any request after the first
    grids = []
    small_count = queries(lambda: grids.append(room_grid(store=store, start=today, days=7)))
    small = grids[-1]
    assert len(small["rooms"]) == 5
    _populate(store, today, n_rooms=40, days=60)
    room_grid(store=store, start=today, days=1)
    big_count = queries(lambda: grids.append(room_grid(store=store, start=today, days=60)))
    big = grids[-1]
    assert big_count == small_count
    assert len(big["rooms"]) == 45
    assert sum(len(r["blocks"]) for r in big["rooms"]) == (5 + 2 + 2) + (40 + 20 + 14)


def test_grid_shows_blocks_occupancy_and_free_counts(store, today):
    rt = RoomTypeFactory(store=store, name="山景大床房", sort_order=1)
    other = RoomTypeFactory(store=store, name="家庭套房", sort_order=2)
    r101 = RoomFactory(room_type=rt, number="101", housekeeping="dirty")
    r102 = RoomFactory(room_type=rt, number="102")
    r301 = RoomFactory(room_type=other, number="301")
    RoomFactory(room_type=rt, number="199", is_active=False)  # out of service: not on the grid
    d = [today + timedelta(days=i) for i in range(7)]
    in_house = _stay(store, r101, d[0], 3, check_in=True, guest="李四")  # d0..d2, seen from d1: clipped
    booked = _stay(store, r101, d[4], 3, guest="王五")  # d4..d6, runs past the window's end
    # a stay held at type level only (no room yet): counts against free rooms, not on a room row
    order_services.order_create(**booking(store=store, actor=None, room_type=rt, arrival=d[3], departure=d[4], confirm=True))
    lock = services.room_lock_create(store=store, room=r102, lock_type="out_of_order", start_date=d[2], end_date=d[4], reason="漏水")

    grid = room_grid(store=store, start=d[1], days=5)

    assert grid["dates"] == d[1:6]
    assert (grid["start"], grid["end"]) == (d[1], d[6])
    assert [(t["name"], t["free"]) for t in grid["room_types"]] == [("山景大床房", [1, 0, 0, 1, 1]), ("家庭套房", [1, 1, 1, 1, 1])]
    rows = {r["number"]: r for r in grid["rooms"]}
    assert list(rows) == ["101", "102", "301"]
    assert rows["101"]["housekeeping"] == "dirty"
    assert rows["101"]["occupancy"] == ["occupied", "occupied", "vacant", "reserved", "reserved"]
    assert rows["101"]["blocks"] == [
        {
            "kind": "stay", "start": d[1], "end": d[3], "order_id": in_house.pk, "arrival": d[0], "departure": d[3],
            "status": "checked_in", "guest_name": in_house.primary_contact_name, "channel": in_house.channel.name,
        },
        {
            "kind": "stay", "start": d[4], "end": d[6], "order_id": booked.pk, "arrival": d[4], "departure": d[4] + timedelta(days=3),
            "status": "confirmed", "guest_name": booked.primary_contact_name, "channel": booked.channel.name,
        },
    ]
    assert (in_house.primary_contact_name, booked.primary_contact_name) == ("李四", "王五")
    assert rows["102"]["occupancy"] == ["vacant", "out_of_order", "out_of_order", "vacant", "vacant"]
    assert rows["102"]["blocks"] == [{
        "kind": "lock", "start": d[2], "end": d[4], "lock_id": lock.pk, "lock_type": "out_of_order", "reason": "漏水",
        "lock_start": d[2], "lock_end": d[4],
    }]
    assert rows["301"] == {
        "id": r301.pk, "number": "301", "floor": "", "room_type_id": other.pk, "room_type_name": "家庭套房",
        "housekeeping": "clean", "housekeeping_at": None, "occupancy": ["vacant"] * 5, "blocks": [],
    }


def test_blocks_of_a_room_are_in_date_order(store, today):
    room = RoomFactory(room_type=RoomTypeFactory(store=store))
    RoomFactory(room_type=room.room_type)
    services.room_lock_create(store=store, room=room, lock_type="hold", start_date=today, end_date=today + timedelta(days=1))
    _stay(store, room, today + timedelta(days=2), 1)
    services.room_lock_create(store=store, room=room, lock_type="hold", start_date=today + timedelta(days=4), end_date=today + timedelta(days=5))
    row = room_grid(store=store, start=today, days=6)["rooms"][0]
    assert [(b["kind"], (b["start"] - today).days) for b in row["blocks"]] == [("lock", 0), ("stay", 2), ("lock", 4)]
    assert row["occupancy"] == ["out_of_order", "vacant", "reserved", "vacant", "out_of_order", "vacant"]


def test_a_released_lock_leaves_the_grid_from_today(store, today):
    room = RoomFactory(room_type=RoomTypeFactory(store=store))
    lock = services.room_lock_create(store=store, room=room, lock_type="hold", start_date=today, end_date=today + timedelta(days=2))
    services.room_lock_release(lock=lock)
    [row] = room_grid(store=store, start=today, days=3)["rooms"]
    assert (row["occupancy"], row["blocks"]) == (["vacant"] * 3, [])


def test_grid_shows_only_its_stores_rooms(store, world, today):
    RoomFactory(room_type=RoomTypeFactory(store=store), number="A1-1")
    other = world.alpha.stores["A2"]
    foreign = RoomFactory(room_type=RoomTypeFactory(store=other), number="A2-1")
    foreign_2 = RoomFactory(room_type=foreign.room_type, number="A2-2")
    _stay(other, foreign, today, 1)
    services.room_lock_create(store=other, room=foreign_2, lock_type="hold", start_date=today, end_date=today + timedelta(days=1))
    grid = room_grid(store=store, start=today, days=2)
    assert [(r["number"], r["blocks"]) for r in grid["rooms"]] == [("A1-1", [])]
    assert len(grid["room_types"]) == 1


@pytest.mark.parametrize("days", [0, 91])
def test_grid_window_is_1_to_90_days(store, today, days):
    with pytest.raises(DomainValidationError) as err:
        room_grid(store=store, start=today, days=days)
    assert err.value.code == "date_span_too_long"
    assert err.value.extra["max_days"] == 90
