"""Reads for the grid and the front desk: exact content and constant query counts."""
from datetime import timedelta

from apps.orders import selectors
from apps.orders.models import Order
from apps.orders.tests.factories import make_order, room_type_with_rooms
from tests.sql import queries

S = Order.Status


def test_stay_blocks_content(store, rt, today, tomorrow, direct):
    r1, r2 = rt.rooms_list
    a = make_order(store, room_type=rt, room=r1, arrival=today, nights=2, status=S.CHECKED_IN,
                   guests=[selectors_person("Zhao")])
    b = make_order(store, room_type=rt, room=r2, arrival=tomorrow, nights=3, status=S.CONFIRMED)
    make_order(store, room_type=rt, arrival=today + timedelta(days=3), nights=1, status=S.CONFIRMED)  # no room: not on the grid
    make_order(store, room_type=rt, room=r1, arrival=today + timedelta(days=5), nights=1, status=S.PENDING_CONFIRMATION)
    make_order(store, room_type=rt, room=r2, arrival=today + timedelta(days=6), nights=1, status=S.CANCELLED)
    make_order(store, room_type=rt, room=r2, arrival=today + timedelta(days=30), nights=1)  # outside the window
    blocks = selectors.stay_blocks(store=store, start=today, end=today + timedelta(days=14))
    assert blocks == [
        {"order_id": a.pk, "room_id": r1.pk, "room_type_id": rt.pk, "arrival": today, "departure": today + timedelta(days=2),
         "status": "checked_in", "guest_name": "Zhao", "channel": "Direct"},
        {"order_id": b.pk, "room_id": r2.pk, "room_type_id": rt.pk, "arrival": tomorrow, "departure": tomorrow + timedelta(days=3),
         "status": "confirmed", "guest_name": "", "channel": "Direct"},
    ]
    # a window that only touches a's last night
    assert [blk["order_id"] for blk in selectors.stay_blocks(store=store, start=tomorrow, end=tomorrow + timedelta(days=1))] == [a.pk, b.pk]
    assert selectors.stay_blocks(store=store, start=today + timedelta(days=2), end=today + timedelta(days=3)) == [blocks[1]]


def selectors_person(name):
    from apps.orders.services import PersonIn

    return PersonIn(full_name=name)


def test_stay_blocks_constant_queries(store, today, direct):
    room_type, rooms = room_type_with_rooms(store, 6)
    make_order(store, room_type=room_type, room=rooms[0], arrival=today, nights=2)
    one = queries(lambda: selectors.stay_blocks(store=store, start=today, end=today + timedelta(days=30)))
    for i, room in enumerate(rooms[1:]):
        make_order(store, room_type=room_type, room=room, arrival=today + timedelta(days=i), nights=3)
    blocks = []
    six = queries(lambda: blocks.extend(selectors.stay_blocks(store=store, start=today, end=today + timedelta(days=30))))
    assert len(blocks) == 6 and six == one
    assert {b["channel"] for b in blocks} == {"Direct"}


def test_today_lists_content(store, rt, today, direct):
    r1, r2 = rt.rooms_list
    other, (r3, r4) = room_type_with_rooms(store, 2)
    due = make_order(store, room_type=rt, arrival=today, nights=2, status=S.CONFIRMED)
    pending = make_order(store, room_type=other, arrival=today, nights=1, status=S.PENDING_CONFIRMATION)
    staying = make_order(store, room_type=rt, room=r1, arrival=today, nights=1, status=S.CHECKED_IN)
    leaving_later = make_order(store, room_type=other, room=r3, arrival=today, nights=3, status=S.CHECKED_IN)
    make_order(store, room_type=rt, arrival=today + timedelta(days=1), nights=1, status=S.CONFIRMED)  # tomorrow
    make_order(store, room_type=rt, arrival=today, nights=1, status=S.CANCELLED)
    lists = selectors.today_lists(store=store, day=today)
    assert [r["id"] for r in lists["arrivals"]] == [due.pk, pending.pk]
    assert [r["id"] for r in lists["in_house"]] == [staying.pk, leaving_later.pk]
    assert lists["departures"] == []
    assert lists["counts"] == {"arrivals": 2, "in_house": 2, "departures": 0}
    assert lists["arrivals"][0] == {
        "id": due.pk, "code": due.code, "status": "confirmed", "guest_name": "", "guest_phone": "", "room_id": None,
        "room_number": None, "room_type_id": rt.pk, "room_type_name": rt.name, "arrival": today,
        "departure": today + timedelta(days=2), "adults": 1, "children": 0, "estimated_arrival_time": None,
        "channel": "Direct", "due_amount": due.due_amount, "is_conflict": False, "overdue": False,
    }
    # tomorrow: the guest who arrived today is due out; yesterday's unarrived guest is overdue
    tomorrow = selectors.today_lists(store=store, day=today + timedelta(days=1))
    assert [(r["id"], r["overdue"]) for r in tomorrow["departures"]] == [(staying.pk, False)]
    assert (due.pk, True) in [(r["id"], r["overdue"]) for r in tomorrow["arrivals"]]


def test_today_lists_constant_queries(store, rt, today, direct, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.today_lists(store=store, day=today)
    for i in range(4):
        make_order(store, room_type=rt, arrival=today, nights=1 + i % 2, status=S.PENDING_CONFIRMATION)
    make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=1, status=S.CHECKED_IN)
    with django_assert_num_queries(1):
        lists = selectors.today_lists(store=store, day=today)
    assert lists["counts"] == {"arrivals": 4, "in_house": 1, "departures": 0}


def test_today_api_query_count_does_not_grow_with_its_rows(api, store, rt, today, direct):
    from tests.sql import queries

    clerk = api("alpha", "clerk_a1")
    path = f"/t/alpha/api/v1/stores/{store.pk}/today/"
    clerk.get(path)
    few = queries(lambda: clerk.get(path))
    for i in range(3):
        make_order(store, room_type=rt, arrival=today, nights=1, status=S.PENDING_CONFIRMATION)
    assert queries(lambda: clerk.get(path)) == few


def test_availability_query_count_does_not_grow_with_the_room_types(store, rt, tomorrow, direct):
    def search():
        return selectors.availability_search(store=store, arrival=tomorrow, departure=tomorrow + timedelta(days=3))

    room_type_with_rooms(store, 2)
    make_order(store, room_type=rt, arrival=tomorrow, nights=2)
    assert [r["free"] for r in search()] == [1, 2]
    two_types = queries(search)
    for _ in range(3):
        room_type_with_rooms(store, 1)
    assert len(search()) == 5 and queries(search) == two_types
