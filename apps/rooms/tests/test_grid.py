"""The room status grid: blocks, derived occupancy, free counts, and a constant query count."""
from datetime import timedelta

import pytest

from apps.common.errors import DomainValidationError
from apps.rooms import inventory, services
from apps.rooms.models import RoomNight
from apps.rooms.selectors import room_grid, store_today
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory

# rooms + room types + free counts (2) + blocks (1) + the orders app's stay_blocks (1)
GRID_QUERIES = 6


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def today(store):
    return store_today(store=store)


def _populate(store, today, n_rooms: int, days: int) -> None:
    """Rooms in 2 types, a stay (room nights held through inventory) and a lock on most rooms."""
    types = [RoomTypeFactory(store=store, name=f"T{n_rooms}-{i}") for i in range(2)]
    rooms = [RoomFactory(room_type=types[i % 2], number=f"{n_rooms}-{i:03d}") for i in range(n_rooms)]
    order_id = 1000
    for i, room in enumerate(rooms):
        # stays of 2 nights every 3 nights, shifted per room; a 1-night lock in the gap on even rooms
        for first in range(i % 3, days - 2, 3):
            order_id += 1
            nights = [today + timedelta(days=first), today + timedelta(days=first + 1)]
            inventory.hold_stay(store_id=store.pk, order_id=order_id, room_type_id=room.room_type_id, nights=nights, room_id=room.pk)
        if i % 2 == 0 and days > 3:
            gap = (i % 3) + 2
            if RoomNight.objects.filter(room=room, night=today + timedelta(days=gap)).exists():
                continue
            services.room_lock_create(
                store=store, room=room, lock_type="maintenance", start_date=today + timedelta(days=gap),
                end_date=today + timedelta(days=gap + 1),
            )


def test_grid_query_count_does_not_grow_with_rooms_or_days(store, today, django_assert_num_queries):
    _populate(store, today, n_rooms=5, days=7)
    with django_assert_num_queries(GRID_QUERIES):
        small = room_grid(store=store, start=today, days=7)
    assert len(small["rooms"]) == 5
    _populate(store, today, n_rooms=40, days=60)
    with django_assert_num_queries(GRID_QUERIES):
        big = room_grid(store=store, start=today, days=60)
    assert len(big["rooms"]) == 45
    assert sum(len(r["blocks"]) for r in big["rooms"]) > 40 * 19


def test_grid_shows_blocks_occupancy_and_free_counts(store, today):
    rt = RoomTypeFactory(store=store, name="山景大床房", sort_order=1)
    other = RoomTypeFactory(store=store, name="家庭套房", sort_order=2)
    r101 = RoomFactory(room_type=rt, number="101", housekeeping="dirty")
    r102 = RoomFactory(room_type=rt, number="102")
    r301 = RoomFactory(room_type=other, number="301")
    RoomFactory(room_type=rt, number="199", is_active=False)  # out of service: not on the grid
    d = [today + timedelta(days=i) for i in range(6)]
    # a stay from yesterday to d2 (clipped at the window's start), and one over d4..d5
    inventory.hold_stay(store_id=store.pk, order_id=77, room_type_id=rt.pk, nights=[d[0] - timedelta(days=1), d[0], d[1]], room_id=r101.pk)
    inventory.hold_stay(store_id=store.pk, order_id=78, room_type_id=rt.pk, nights=[d[4], d[5]], room_id=r101.pk)
    # a stay held at type level only (no room yet): counts against free rooms, not on a room row
    inventory.hold_stay(store_id=store.pk, order_id=79, room_type_id=rt.pk, nights=[d[3]])
    lock = services.room_lock_create(store=store, room=r102, lock_type="out_of_order", start_date=d[1], end_date=d[3], reason="漏水")

    grid = room_grid(store=store, start=d[0], days=5)

    assert grid["dates"] == d[:5]
    assert (grid["start"], grid["end"]) == (d[0], d[5])
    assert [(t["name"], t["free"]) for t in grid["room_types"]] == [("山景大床房", [1, 0, 1, 1, 1]), ("家庭套房", [1, 1, 1, 1, 1])]
    rows = {r["number"]: r for r in grid["rooms"]}
    assert list(rows) == ["101", "102", "301"]
    assert rows["101"]["housekeeping"] == "dirty"
    assert rows["101"]["occupancy"] == ["reserved", "reserved", "vacant", "vacant", "reserved"]
    assert [(b["kind"], b["start"], b["end"], b["order_id"]) for b in rows["101"]["blocks"]] == [
        ("stay", d[0], d[2], 77), ("stay", d[4], d[5], 78),
    ]
    assert rows["102"]["occupancy"] == ["vacant", "out_of_order", "out_of_order", "vacant", "vacant"]
    assert rows["102"]["blocks"] == [{
        "kind": "lock", "start": d[1], "end": d[3], "lock_id": lock.pk, "lock_type": "out_of_order", "reason": "漏水",
        "lock_start": d[1], "lock_end": d[3],
    }]
    assert rows["301"] == {
        "id": r301.pk, "number": "301", "floor": "", "room_type_id": other.pk, "room_type_name": "家庭套房",
        "housekeeping": "clean", "housekeeping_at": None, "occupancy": ["vacant"] * 5, "blocks": [],
    }


def test_stays_without_an_order_are_reserved_with_empty_labels(store, today):
    rt = RoomTypeFactory(store=store)
    room = RoomFactory(room_type=rt)
    inventory.hold_stay(store_id=store.pk, order_id=987654, room_type_id=rt.pk, nights=[today], room_id=room.pk)
    [row] = room_grid(store=store, start=today, days=1)["rooms"]
    assert row["occupancy"] == ["reserved"]
    assert row["blocks"] == [{
        "kind": "stay", "start": today, "end": today + timedelta(days=1), "order_id": 987654,
        "arrival": None, "departure": None, "status": None, "guest_name": "", "channel": "",
    }]


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
    inventory.hold_stay(store_id=other.pk, order_id=5, room_type_id=foreign.room_type_id, nights=[today], room_id=foreign.pk)
    grid = room_grid(store=store, start=today, days=2)
    assert [r["number"] for r in grid["rooms"]] == ["A1-1"]
    assert len(grid["room_types"]) == 1


@pytest.mark.parametrize("days", [0, 91])
def test_grid_window_is_1_to_90_days(store, today, days):
    with pytest.raises(DomainValidationError) as err:
        room_grid(store=store, start=today, days=days)
    assert err.value.code == "date_span_too_long"
    assert err.value.extra["max_days"] == 90
