"""Room status (房态) of the owner's app: the compact grid, its scope and its query count."""
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.mobile.tests.conftest import m
from apps.orders.models import Order
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.rooms.services import room_lock_create
from tests.errors import error_json

S = Order.Status


def _stay(order, status):
    return {"order_id": order.pk, "status": status, "guest_name": order.primary_contact_name,
            "arrival": order.arrival.isoformat(), "departure": order.departure.isoformat()}


def test_room_status_exact_body(login, store, rt, today, direct, world):
    r1, r2, r3 = rt.rooms_list
    in_house = make_order(store, room_type=rt, room=r1, status=S.CHECKED_IN, nights=2)
    coming = make_order(store, room_type=rt, room=r2, arrival=today + timedelta(days=1), nights=1)
    lock = room_lock_create(store=store, room=r3, lock_type="maintenance", start_date=today + timedelta(days=2),
                            end_date=today + timedelta(days=3), reason="AC")
    c, _body = login("alpha", "clerk_a1")

    response = c.get(m(store, f"room-status/?start={today.isoformat()}&days=4"))

    assert response.status_code == 200
    d = lambda n: (today + timedelta(days=n)).isoformat()  # noqa: E731
    assert response.json() == {
        "start": d(0), "end": d(4), "dates": [d(0), d(1), d(2), d(3)],
        "room_types": [{"id": rt.pk, "name": "Garden", "free": [2, 1, 2, 3]}],
        "rooms": [
            {"id": r1.pk, "number": r1.number, "floor": "", "room_type_id": rt.pk, "housekeeping": "clean", "states": "OOVV",
             "stays": [_stay(in_house, "checked_in")], "locks": []},
            {"id": r2.pk, "number": r2.number, "floor": "", "room_type_id": rt.pk, "housekeeping": "clean", "states": "VRVV",
             "stays": [_stay(coming, "confirmed")], "locks": []},
            {"id": r3.pk, "number": r3.number, "floor": "", "room_type_id": rt.pk, "housekeeping": "clean", "states": "VVXV",
             "stays": [], "locks": [{"lock_id": lock.pk, "lock_type": "maintenance", "start": d(2), "end": d(3)}]},
        ],
        "first_night": {"V": 2, "R": 0, "O": 1, "X": 0},
        "housekeeping": {"clean": 3},
    }


def test_room_status_defaults_to_seven_nights_from_the_business_date(login, store, rt, today):
    c, _body = login("alpha", "manager_a1")
    body = c.get(m(store, "room-status/")).json()
    assert body["start"] == today.isoformat()
    assert len(body["dates"]) == 7 and all(len(r["states"]) == 7 for r in body["rooms"])


def test_room_status_refuses_more_than_31_days(login, store, rt):
    c, _body = login("alpha", "clerk_a1")
    response = c.get(m(store, "room-status/?days=32"))
    assert response.status_code == 400
    assert error_json(response) == {
        "detail": "Some fields are not valid.", "code": "invalid",
        "extra": {"fields": {"days": ["Ensure this value is less than or equal to 31."]}},
    }
    zh, _ = login("alpha", "clerk_a1", language=None)
    assert zh.get(m(store, "room-status/?days=0")).json()["detail"] == "部分字段填写有误。"


def test_room_status_of_another_store_or_tenant_is_not_found(login, store, store2, world):
    c, body = login("alpha", "clerk_a1")  # works in A1 only
    assert error_json(c.get(m(store2, "room-status/"))) == {"detail": "Not found.", "code": "not_found", "extra": {}}
    assert c.get(m(store2, "room-status/")).status_code == 404
    assert c.get("/t/alpha/api/v1/stores/999999/m/room-status/").status_code == 404
    # alpha's token does not exist in beta; beta's own store ids are beta's
    beta = world.beta.stores["B1"]
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    response = c.get(f"/t/beta/api/v1/stores/{beta.pk}/m/room-status/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
    # a beta user asking for an id that is alpha's second store: no such store in beta
    b, _ = login("beta", "clerk_b1")
    assert store2.pk != beta.pk
    assert b.get(f"/t/beta/api/v1/stores/{store2.pk}/m/room-status/").status_code == 404


def test_room_status_after_logout_answers_401(login, store, rt):
    c, _body = login("alpha", "clerk_a1")
    assert c.get(m(store, "room-status/")).status_code == 200
    assert c.post(c.prefix + "/auth/logout/").status_code == 204
    response = c.get(m(store, "room-status/"))
    assert response.status_code == 401
    assert error_json(response) == {"detail": "The token is not valid or was revoked.", "code": "authentication_failed", "extra": {}}


def test_room_status_without_credentials_answers_401(api, store):
    response = api("alpha", language="en").get(m(store, "room-status/"))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def _count(client, url) -> int:
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_room_status_query_count_does_not_grow_with_rooms_or_days(login, store, rt, today, direct):
    c, _body = login("alpha", "clerk_a1")
    # what any store-scoped request costs here: SET search_path, the token, the store and its grants
    scoped = _count(c, f"/t/alpha/api/v1/stores/{store.pk}/")
    small = _count(c, m(store, f"room-status/?start={today.isoformat()}&days=3"))
    rt2, rooms = room_type_with_rooms(store, 12, name="Suite")
    for i, room in enumerate(rooms[:6]):
        make_order(store, room_type=rt2, room=room, arrival=today + timedelta(days=i % 3), nights=2)
    make_order(store, room_type=rt2, room=rooms[7], status=S.CHECKED_IN, nights=3)
    big = _count(c, m(store, f"room-status/?start={today.isoformat()}&days=31"))
    assert small == big  # the grid's constant count (apps/frontdesk/tests/test_grid.py)
    assert big > scoped
