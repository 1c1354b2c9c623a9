"""Desk actions of the owner's app: check-in, check-out, housekeeping. Scope, exact bodies,
and that a refusal changes nothing."""
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.folios.models import FolioEvent
from apps.folios.tests.factories import pay, primary_folio
from apps.mobile.tests.conftest import m
from apps.orders.models import Order, OrderEvent
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.rooms.models import HousekeepingEvent, Room
from tests.errors import error_json

S = Order.Status


def _order_body(order, room, **changes):
    order.refresh_from_db()
    body = {
        "id": order.pk, "code": order.code, "status": order.status, "guest_name": order.primary_contact_name,
        "room_id": room.pk if room else None, "room_number": room.number if room else None,
        "room_type_id": order.room_type_id, "room_type_name": order.room_type.name, "arrival": order.arrival.isoformat(),
        "departure": order.departure.isoformat(), "nights": order.nights, "currency": "CNY",
        "total_amount": str(order.total_amount), "paid_amount": str(order.paid_amount), "due_amount": str(order.due_amount),
        "version": order.version,
        "checked_in_at": _iso(order.checked_in_at),
        "checked_out_at": _iso(order.checked_out_at),
    }
    body.update(changes)
    return body


def _iso(value):
    from rest_framework.fields import DateTimeField

    return DateTimeField().to_representation(value) if value else None


def test_check_in_in_the_assigned_room(login, store, rt, today):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=today, nights=2)
    c, _body = login("alpha", "clerk_a1")

    response = c.post(m(store, f"orders/{order.pk}/check-in/"), {}, format="json")

    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert order.status == S.CHECKED_IN
    assert response.json() == _order_body(order, room)
    assert response.json()["status"] == "checked_in" and response.json()["total_amount"] == "600.00"
    assert OrderEvent.objects.filter(order=order, kind="checked_in").count() == 1


def test_check_in_in_another_room_assigns_it(login, store, rt, today):
    order = make_order(store, room_type=rt, arrival=today, nights=1)  # booked by type
    room = rt.rooms_list[2]
    c, _body = login("alpha", "clerk_a1")
    response = c.post(m(store, f"orders/{order.pk}/check-in/"), {"room": room.pk}, format="json")
    assert response.status_code == 200
    assert (response.json()["room_id"], response.json()["room_number"], response.json()["status"]) == (room.pk, room.number, "checked_in")


def test_check_in_refusals_change_nothing(login, store, rt, today, tomorrow):
    early = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, nights=1)
    typed = make_order(store, room_type=rt, arrival=today, nights=1)
    c, _body = login("alpha", "clerk_a1")

    response = c.post(m(store, f"orders/{early.pk}/check-in/"), {}, format="json")
    assert response.status_code == 409
    assert error_json(response) == {
        "detail": f"This stay starts on {tomorrow.isoformat()}.", "code": "too_early_to_check_in",
        "extra": {"arrival": tomorrow.isoformat(), "business_date": today.isoformat()},
    }
    no_room = c.post(m(store, f"orders/{typed.pk}/check-in/"), {}, format="json")
    assert no_room.status_code == 409
    assert error_json(no_room) == {"detail": "Assign a room before checking in.", "code": "room_required", "extra": {}}
    zh, _ = login("alpha", "clerk_a1", language=None)
    assert zh.post(m(store, f"orders/{typed.pk}/check-in/"), {}, format="json").json()["code"] == "room_required"
    for order in (early, typed):
        before = order.version
        order.refresh_from_db()
        assert (order.status, order.version) == (S.CONFIRMED, before)
        assert not OrderEvent.objects.filter(order=order, kind="checked_in").exists()


def test_check_in_scope(login, store, store2, rt, today, world):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=1)
    other_type, other_rooms = room_type_with_rooms(store2, 1)
    other = make_order(store2, room_type=other_type, room=other_rooms[0], arrival=today, nights=1)
    c, _body = login("alpha", "clerk_a1")
    # an order of A2 through A1's URL, and A2's URL: 404 like a missing one
    assert error_json(c.post(m(store, f"orders/{other.pk}/check-in/"), {}, format="json")) == {
        "detail": "Not found.", "code": "not_found", "extra": {}}
    assert c.post(m(store2, f"orders/{other.pk}/check-in/"), {}, format="json").status_code == 404
    assert c.post(m(store, "orders/99999999/check-in/"), {}, format="json").status_code == 404
    # a room of A2 in the body is a field error
    response = c.post(m(store, f"orders/{order.pk}/check-in/"), {"room": other_rooms[0].pk}, format="json")
    assert response.status_code == 400
    assert error_json(response) == {"detail": "Unknown room.", "code": "invalid", "extra": {"fields": {"room": ["Unknown room."]}}}
    other.refresh_from_db()
    order.refresh_from_db()
    assert other.status == order.status == S.CONFIRMED


def test_check_out_marks_the_room_dirty(login, store, rt, today):
    room = rt.rooms_list[1]
    order = make_order(store, room_type=rt, room=room, status=S.CHECKED_IN, nights=2)
    pay(primary_folio(order), "300.00")  # tonight's night, the one an early check-out keeps
    c, _body = login("alpha", "clerk_a1")

    response = c.post(m(store, f"orders/{order.pk}/check-out/"))

    assert response.status_code == 200, response.json()
    order.refresh_from_db()
    assert response.json() == _order_body(order, room)
    # an early check-out keeps tonight (at least one night) and releases the rest
    assert (order.status, order.departure) == (S.CHECKED_OUT, today + timedelta(days=1))
    room.refresh_from_db()
    assert room.housekeeping == Room.Housekeeping.DIRTY


def test_check_out_of_an_order_not_in_the_house_is_refused(login, store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=1)
    c, _body = login("alpha", "clerk_a1")
    response = c.post(m(store, f"orders/{order.pk}/check-out/"))
    assert response.status_code == 409
    assert error_json(response) == {
        "detail": "An order cannot go from Confirmed to Checked out.", "code": "illegal_transition",
        "extra": {"from": "confirmed", "to": "checked_out", "allowed": ["cancelled", "checked_in", "no_show"]},
    }
    order.refresh_from_db()
    assert order.status == S.CONFIRMED


def test_check_out_of_another_stores_order_is_not_found(login, store, store2, today):
    other_type, other_rooms = room_type_with_rooms(store2, 1)
    other = make_order(store2, room_type=other_type, room=other_rooms[0], status=S.CHECKED_IN, nights=1)
    c, _body = login("alpha", "manager_a1")
    assert c.post(m(store, f"orders/{other.pk}/check-out/")).status_code == 404
    assert c.post(m(store2, f"orders/{other.pk}/check-out/")).status_code == 404
    other.refresh_from_db()
    assert other.status == S.CHECKED_IN


def test_housekeeping_change(login, store, rt, world):
    room = rt.rooms_list[0]
    Room.objects.filter(pk=room.pk).update(housekeeping="dirty")
    c, _body = login("alpha", "clerk_a1")

    response = c.post(m(store, f"rooms/{room.pk}/housekeeping/"), {"status": "clean"}, format="json")

    assert response.status_code == 200
    room.refresh_from_db()
    assert response.json() == {
        "id": room.pk, "number": room.number, "room_type_id": rt.pk, "housekeeping": "clean",
        "housekeeping_at": _iso(room.housekeeping_at), "allowed_next": ["dirty", "inspected"],
    }
    assert room.housekeeping_by == world.alpha.users["clerk_a1"]
    assert HousekeepingEvent.objects.filter(room=room, from_status="dirty", to_status="clean", source="manual").count() == 1


def test_housekeeping_refusals(login, store, store2, rt):
    room = rt.rooms_list[0]
    Room.objects.filter(pk=room.pk).update(housekeeping="inspected")
    c, _body = login("alpha", "clerk_a1")
    response = c.post(m(store, f"rooms/{room.pk}/housekeeping/"), {"status": "cleaning"}, format="json")
    assert response.status_code == 409
    assert error_json(response) == {
        "detail": "A room cannot go from Inspected to Cleaning.", "code": "housekeeping_transition_not_allowed",
        "extra": {"from": "inspected", "to": "cleaning", "allowed": ["dirty"]},
    }
    bad = c.post(m(store, f"rooms/{room.pk}/housekeeping/"), {"status": "shiny"}, format="json")
    assert bad.status_code == 400
    assert error_json(bad) == {"detail": "Some fields are not valid.", "code": "invalid",
                          "extra": {"fields": {"status": ['"shiny" is not a valid choice.']}}}
    other_type, other_rooms = room_type_with_rooms(store2, 1)
    assert c.post(m(store, f"rooms/{other_rooms[0].pk}/housekeeping/"), {"status": "dirty"}, format="json").status_code == 404
    assert c.post(m(store2, f"rooms/{other_rooms[0].pk}/housekeeping/"), {"status": "dirty"}, format="json").status_code == 404
    room.refresh_from_db()
    assert room.housekeeping == "inspected"
    assert not HousekeepingEvent.objects.filter(room__in=[room, other_rooms[0]]).exists()


def test_actions_with_a_revoked_token_answer_401(login, store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=1)
    c, _body = login("alpha", "clerk_a1")
    assert c.post(c.prefix + "/auth/logout/").status_code == 204
    for url, body in ((f"orders/{order.pk}/check-in/", {}), (f"orders/{order.pk}/check-out/", None),
                      (f"rooms/{rt.rooms_list[0].pk}/housekeeping/", {"status": "dirty"})):
        response = c.post(m(store, url), body, format="json")
        assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
    order.refresh_from_db()
    assert order.status == S.CONFIRMED


# --- cost: the same whatever the stay --------------------------------------------------------------


def _statements(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(path, {}, format="json")
    assert response.status_code == 200, response.json()
    return len(ctx.captured_queries)


def test_check_in_and_check_out_cost_the_same_whatever_the_stay(login, store, direct, today):
    """One night or five, one guest or three: the same number of statements per action."""

    three = [PersonIn(full_name=name) for name in ("王一", "王二", "王三")]
    rt, rt.rooms_list = room_type_with_rooms(store, 4, capacity=3)  # three guests named: three people
    arrive_one = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=1)
    arrive_five = make_order(store, room_type=rt, room=rt.rooms_list[1], arrival=today, nights=5, guests=three)
    c, _body = login("alpha", "clerk_a1")
    c.get(m(store, "today/"))  # warm the per-process caches
    assert _statements(c, m(store, f"orders/{arrive_one.pk}/check-in/")) == _statements(
        c, m(store, f"orders/{arrive_five.pk}/check-in/"))

    # leaving a night early (due out tomorrow), nothing owed: after one night, after four
    def leaving(room, nights, **kwargs):
        arrival = today - timedelta(days=nights - 1)
        free = {arrival + timedelta(days=n): 0 for n in range(nights)}
        return make_order(store, room_type=rt, room=room, arrival=arrival, nights=nights, status=S.CHECKED_IN,
                          allow_past_arrival=True, nightly_prices=free, **kwargs)

    leave_one, leave_five = leaving(rt.rooms_list[2], 2), leaving(rt.rooms_list[3], 5, guests=three)
    assert _statements(c, m(store, f"orders/{leave_one.pk}/check-out/")) == _statements(
        c, m(store, f"orders/{leave_five.pk}/check-out/"))


def test_check_out_closes_the_folios_and_marks_the_room_dirty(login, store, rt, today):
    leaving = make_order(store, room_type=rt, room=rt.rooms_list[0], status=S.CHECKED_IN, nights=1)
    folio = primary_folio(leaving)
    pay(folio, "300.00")  # the night: check-out charges it
    c, _body = login("alpha", "clerk_a1")
    assert c.post(m(store, f"orders/{leaving.pk}/check-out/"), {}, format="json").status_code == 200
    folio.refresh_from_db()
    assert (folio.closed_at is not None, folio.total_charges, folio.balance) == (True, Decimal("300.00"), Decimal("0.00"))
    assert FolioEvent.objects.filter(folio=folio, kind="closed").values_list("at", flat=True).get() == folio.closed_at
    assert list(HousekeepingEvent.objects.filter(room=rt.rooms_list[0]).values_list("from_status", "to_status", "source")) == [
        ("clean", "dirty", "check_out"),
    ]


def test_actions_on_an_order_id_out_of_range_answer_404(login, store):
    c, _body = login("alpha", "clerk_a1")
    for action in ("check-in", "check-out"):
        assert c.post(m(store, f"orders/{2**63}/{action}/"), {}, format="json").status_code == 404
