"""Today (日程) of the owner's app: counts and short lists, scope, limits."""
from datetime import timedelta

from apps.mobile.tests.conftest import m
from apps.orders.models import Order
from apps.orders.tests.factories import make_order

S = Order.Status


def _row(order, room, **extra):
    return {
        "id": order.pk, "code": order.code, "status": order.status, "guest_name": order.primary_contact_name,
        "room_id": room.pk if room else None, "room_number": room.number if room else None, "room_type_name": "Garden",
        "arrival": order.arrival.isoformat(), "departure": order.departure.isoformat(), "adults": 1, "children": 0,
        "estimated_arrival_time": None, "channel": "Direct", "due_amount": str(order.due_amount), **extra,
    }


def test_today_exact_body(login, store, rt, today, direct):
    r1, r2, r3 = rt.rooms_list
    arriving = make_order(store, room_type=rt, room=r1, arrival=today, nights=2)
    typed = make_order(store, room_type=rt, arrival=today, nights=1)  # booked by type: no room yet
    staying = make_order(store, room_type=rt, room=r2, status=S.CHECKED_IN, nights=1)  # due out tomorrow
    make_order(store, room_type=rt, room=r3, arrival=today + timedelta(days=1))  # not today
    c, _body = login("alpha", "clerk_a1")

    response = c.get(m(store, f"today/?date={(today + timedelta(days=1)).isoformat()}"))

    assert response.status_code == 200
    staying.refresh_from_db()
    # tomorrow: r3 arrives, and the one due today is overdue (still not over)
    assert response.json()["counts"] == {"arrivals": 2, "in_house": 1, "departures": 1}
    body = c.get(m(store, "today/")).json()
    assert body == {
        "date": today.isoformat(),
        "counts": {"arrivals": 2, "in_house": 1, "departures": 0},
        "arrivals": [_row(arriving, r1, overdue=False), _row(typed, None, overdue=False)],
        "in_house": [_row(staying, r2)],
        "departures": [],
    }


def test_today_limits_the_lists_not_the_counts(login, store, rt, today, direct):
    for room in rt.rooms_list:
        make_order(store, room_type=rt, room=room, arrival=today, nights=1)
    c, _body = login("alpha", "manager_a1")
    body = c.get(m(store, "today/?limit=2")).json()
    assert body["counts"]["arrivals"] == 3
    assert len(body["arrivals"]) == 2
    assert c.get(m(store, "today/?limit=0")).json()["extra"]["fields"] == {"limit": ["Ensure this value is greater than or equal to 1."]}
    assert c.get(m(store, "today/?date=tomorrow")).status_code == 400


def test_today_of_another_store_is_not_found(login, store, store2):
    c, _body = login("alpha", "clerk_a2")
    assert c.get(m(store2, "today/")).status_code == 200
    response = c.get(m(store, "today/"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
