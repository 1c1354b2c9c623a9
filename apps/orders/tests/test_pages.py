"""Back-office pages of orders: today, list, create, detail, edit, actions, check-in with
documents, and the grid's move endpoint. Every write goes through the services; a refusal
changes nothing and says why; bad input is shown again with what was typed."""
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.contacts.tests.factories import resident_id
from apps.orders.models import Order, OrderEvent
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.orders.views import PAGE_SIZE
from apps.rooms.models import RoomNight

S = Order.Status
HX = {"HTTP_HX_REQUEST": "true"}
JSON = {"HTTP_ACCEPT": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ID_NUMBER = resident_id("110105", "19900101", "123")


@pytest.fixture
def clerk(browser_login):
    return browser_login("alpha", "clerk_a1")


@pytest.fixture
def base(store):
    return f"/t/alpha/s/{store.pk}"


def _guest(name="张三", **kwargs):
    return PersonIn(full_name=name, is_primary=True, **kwargs)


# --- create ----------------------------------------------------------------------------------


def test_create_a_reservation_with_its_guest(store, rt, direct, today, clerk, base):
    room = rt.rooms_list[0]
    response = clerk.post(f"{base}/orders/new/", {
        "kind": "reservation", "room_type": rt.pk, "room": room.pk, "arrival": today + timedelta(days=1),
        "departure": today + timedelta(days=3), "adults": 2, "children": 0, "guest_name": "王五",
        "guest_phone": "13812345678", "id_type": "resident_id", "id_number": ID_NUMBER, "confirm": "on",
    })
    order = Order.objects.get(store=store)
    assert response.status_code == 302 and response["Location"] == f"{base}/orders/{order.pk}/"
    assert (order.status, order.room_id, order.adults, order.primary_contact_name) == (S.CONFIRMED, room.pk, 2, "王五")
    assert order.total_amount == Decimal("600.00")
    [guest] = order.guests.select_related("contact")
    assert guest.contact.id_number_masked == "**************1232" and guest.contact.phone_masked == "138****5678"
    assert RoomNight.objects.filter(order_id=order.pk).count() == 2


def test_create_with_bad_input_keeps_what_was_typed(store, rt, today, clerk, base):
    response = clerk.post(f"{base}/orders/new/", {
        "kind": "reservation", "room_type": rt.pk, "arrival": today + timedelta(days=3), "departure": today + timedelta(days=1),
        "adults": 1, "children": 0, "guest_name": "", "guest_phone": "13812345678", "notes": "要安静的房间",
    }, **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Departure must be after arrival." in html and "This field is required." in html
    assert 'value="13812345678"' in html and "要安静的房间" in html
    assert not Order.objects.filter(store=store).exists()


def test_create_refused_by_the_service_says_why_in_chinese(store, rt, today, clerk, base):
    room = rt.rooms_list[0]
    make_order(store, room_type=rt, room=room, arrival=today + timedelta(days=1), nights=2)
    response = clerk.post(f"{base}/orders/new/", {
        "kind": "reservation", "room_type": rt.pk, "room": room.pk, "arrival": today + timedelta(days=2),
        "departure": today + timedelta(days=4), "adults": 1, "children": 0, "guest_name": "赵六", "confirm": "on",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in html and "已被占用" in html
    assert 'value="赵六"' in html
    assert Order.objects.filter(store=store).count() == 1


def test_walk_in_needs_a_room_and_a_document_and_checks_in_at_once(store, rt, today, clerk, base):
    room = rt.rooms_list[1]
    data = {"kind": "walk_in", "room_type": "", "room": "", "departure": today + timedelta(days=1), "adults": 1,
            "children": 0, "guest_name": "孙七"}
    html = clerk.post(f"{base}/orders/new/", data, **EN).content.decode()
    assert "A walk-in checks in now: choose the room." in html and "Register the guest&#x27;s document" in html
    assert not Order.objects.filter(store=store).exists()

    response = clerk.post(f"{base}/orders/new/", {**data, "room": room.pk, "id_number": ID_NUMBER})

    order = Order.objects.get(store=store)
    assert response.status_code == 302
    assert (order.status, order.room_id, order.arrival, order.source) == (S.CHECKED_IN, room.pk, today, "walk_in")


def test_booking_form_from_the_grid_opens_in_the_panel_prefilled(store, rt, today, clerk, base):
    room = rt.rooms_list[1]
    arrival = today + timedelta(days=2)
    html = clerk.get(f"{base}/orders/new/?room={room.pk}&arrival={arrival}&departure={arrival + timedelta(days=1)}", **HX).content.decode()
    assert "<html" not in html and 'data-testid="booking-panel"' in html
    assert f'<option value="{room.pk}" selected>' in html and f'<option value="{rt.pk}" selected>' in html
    assert f'value="{arrival.isoformat()}"' in html


def test_booking_from_the_panel_answers_with_events(store, rt, today, clerk, base):
    room = rt.rooms_list[0]
    response = clerk.post(f"{base}/orders/new/", {
        "kind": "reservation", "room": room.pk, "arrival": today, "departure": today + timedelta(days=1),
        "adults": 1, "children": 0, "guest_name": "周八", "confirm": "on",
    }, **HX)
    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert events["desk-changed"] and events["drawer-close"] and "周八" in events["toast"]["message"]
    assert Order.objects.get(store=store).room_type_id == rt.pk  # the room implies its type


# --- the grid's move ---------------------------------------------------------------------------


def test_move_to_another_room_and_other_dates_is_persisted_and_repriced(store, rt, today, clerk, base):
    r1, r2 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, arrival=today + timedelta(days=1), nights=2)
    new_arrival = today + timedelta(days=5)

    response = clerk.post(f"{base}/orders/{order.pk}/move/", {"room": r2.pk, "arrival": new_arrival}, **JSON)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True and body["order"]["room_id"] == r2.pk
    order.refresh_from_db()
    assert (order.room_id, order.arrival, order.departure) == (r2.pk, new_arrival, new_arrival + timedelta(days=2))
    assert sorted(RoomNight.objects.filter(order_id=order.pk).values_list("room_id", "night")) == [
        (r2.pk, new_arrival), (r2.pk, new_arrival + timedelta(days=1))]
    assert OrderEvent.objects.filter(order=order, kind="modified").exists()


def test_move_onto_an_occupied_room_is_refused_and_changes_nothing(store, rt, today, clerk, base):
    r1, r2 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, arrival=today + timedelta(days=1), nights=2)
    make_order(store, room_type=rt, room=r2, arrival=today + timedelta(days=2), nights=1)
    events = OrderEvent.objects.filter(order=order).count()

    response = clerk.post(f"{base}/orders/{order.pk}/move/", {"room": r2.pk}, **JSON)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "room_unavailable" and "已被占用" in body["detail"]
    order.refresh_from_db()
    assert order.room_id == r1.pk
    assert set(RoomNight.objects.filter(order_id=order.pk).values_list("room_id", flat=True)) == {r1.pk}
    assert OrderEvent.objects.filter(order=order).count() == events


def test_move_in_house_changes_the_room_only(store, rt, today, clerk, base):
    r1, r2 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, status=S.CHECKED_IN, nights=2)
    refused = clerk.post(f"{base}/orders/{order.pk}/move/", {"room": r1.pk, "arrival": today + timedelta(days=1)}, **JSON, **EN)
    assert refused.status_code == 409 and refused.json()["code"] == "in_house_change_not_allowed"
    assert clerk.post(f"{base}/orders/{order.pk}/move/", {"room": r2.pk}, **JSON).status_code == 200
    order.refresh_from_db()
    assert (order.room_id, order.arrival) == (r2.pk, today)


def test_move_to_another_stores_room_is_refused(store, rt, world, clerk, base):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0])
    _other_type, [foreign] = room_type_with_rooms(world.alpha.stores["A2"], 1)
    response = clerk.post(f"{base}/orders/{order.pk}/move/", {"room": foreign.pk}, **JSON)
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.room_id == rt.rooms_list[0].pk


def test_move_from_the_panel_form_answers_htmx_events(store, rt, today, clerk, base):
    r1, r2 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, arrival=today + timedelta(days=1))
    response = clerk.post(f"{base}/orders/{order.pk}/move/", {"room": r2.pk, "arrival": order.arrival}, **HX)
    assert response.status_code == 204 and json.loads(response["HX-Trigger"])["desk-changed"] is True
    order.refresh_from_db()
    assert order.room_id == r2.pk


# --- check-in, check-out ---------------------------------------------------------------------------


def test_an_action_that_is_not_allowed_says_so(store, rt, clerk, base):
    order = make_order(store, room_type=rt, status=S.PENDING_CONFIRMATION)
    response = clerk.post(f"{base}/orders/{order.pk}/check-out/", **HX, **EN)
    assert response.status_code == 204
    assert "cannot go from Pending confirmation to Checked out" in json.loads(response["HX-Trigger"])["toast"]["message"]
    response = clerk.post(f"{base}/orders/{order.pk}/check-out/", **JSON)
    assert response.status_code == 409 and response.json()["code"] == "illegal_transition"


def test_confirm_cancel_and_no_show(store, rt, today, clerk, base):
    pending = make_order(store, room_type=rt, status=S.PENDING_CONFIRMATION)
    clerk.post(f"{base}/orders/{pending.pk}/confirm/")
    pending.refresh_from_db()
    assert pending.status == S.CONFIRMED
    clerk.post(f"{base}/orders/{pending.pk}/cancel/", {"reason": ""})
    pending.refresh_from_db()
    assert pending.status == S.CONFIRMED  # a reason is required
    clerk.post(f"{base}/orders/{pending.pk}/cancel/", {"reason": "客人改期"})
    pending.refresh_from_db()
    assert (pending.status, pending.cancellation_reason) == (S.CANCELLED, "客人改期")
    due = make_order(store, room_type=rt, arrival=today)
    clerk.post(f"{base}/orders/{due.pk}/no-show/")
    due.refresh_from_db()
    assert due.status == S.NO_SHOW


# --- detail, edit, extras ------------------------------------------------------------------------------


def test_detail_shows_items_guests_masked_and_the_timeline(store, rt, today, clerk, base):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today,
                       guests=[_guest("陈晨", id_type="resident_id", id_number=ID_NUMBER, phone="13812345678")])
    html = clerk.get(f"{base}/orders/{order.pk}/").content.decode()
    assert order.code in html and "陈晨" in html
    assert "**************1232" in html and ID_NUMBER not in html and "13812345678" not in html
    assert html.count('data-testid="order-timeline"') == 1 and html.count("<li>") >= 2
    assert 'data-testid="check-in"' in html and f'/orders/{order.pk}/folio/' in html


def test_edit_details_and_change_the_stay(store, rt, today, clerk, base):
    r1, r2 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, arrival=today + timedelta(days=1), nights=2)
    url = f"{base}/orders/{order.pk}/edit/"
    assert clerk.get(url).status_code == 200
    clerk.post(url, {"form": "details", "adults": 2, "children": 0, "notes": "高楼层"})
    order.refresh_from_db()
    assert (order.adults, order.notes) == (2, "高楼层")
    too_many = clerk.post(url, {"form": "details", "adults": 3, "children": 0, "notes": "x"}, **EN)
    assert "sleeps at most 2 guests" in too_many.content.decode()
    clerk.post(url, {"form": "stay", "arrival": today + timedelta(days=2), "departure": today + timedelta(days=5),
                     "room_type": rt.pk, "room": r2.pk})
    order.refresh_from_db()
    assert (order.arrival, order.departure, order.room_id, order.total_amount) == (
        today + timedelta(days=2), today + timedelta(days=5), r2.pk, Decimal("900.00"))


def test_order_of_another_store_is_404(store, rt, world, clerk):
    order = make_order(store, room_type=rt)
    a2 = world.alpha.stores["A2"].pk
    assert clerk.get(f"/t/alpha/s/{store.pk}/orders/{order.pk}/").status_code == 200
    assert clerk.get(f"/t/alpha/s/{a2}/orders/{order.pk}/").status_code == 404
    other_client = clerk
    other_client.logout()
    assert other_client.get(f"/t/alpha/s/{store.pk}/orders/{order.pk}/").status_code == 302


def test_order_panel(store, rt, today, clerk, base):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today)
    html = clerk.get(f"{base}/orders/{order.pk}/panel/", **HX).content.decode()
    assert 'data-testid="order-panel"' in html and 'data-testid="panel-check-in"' in html and 'data-testid="move-form"' in html


# --- list and today -----------------------------------------------------------------------------------


def test_list_searches_and_filters(store, rt, today, clerk, base):
    a = make_order(store, room_type=rt, guests=[_guest("欧阳")])
    b = make_order(store, room_type=rt, status=S.CANCELLED, guests=[_guest("司马")])
    html = clerk.get(f"{base}/orders/").content.decode()
    assert f'order-row-{a.pk}' in html and f'order-row-{b.pk}' in html
    found = clerk.get(f"{base}/orders/?q=欧阳").content.decode()
    assert f'order-row-{a.pk}' in found and f'order-row-{b.pk}' not in found
    cancelled = clerk.get(f"{base}/orders/?status=cancelled", **HX).content.decode()
    assert "<html" not in cancelled and f'order-row-{b.pk}' in cancelled and f'order-row-{a.pk}' not in cancelled
    active = clerk.get(f"{base}/orders/?status=active").content.decode()
    assert f'order-row-{a.pk}' in active and f'order-row-{b.pk}' not in active


def test_the_search_form_posts_so_a_phone_never_enters_a_url(store, rt, clerk, base):
    """The desk's order search is a POST: a whole phone typed there finds the guest's order
    and appears in no URL of the answer (no pushed address, no pager link carrying it)."""
    phone = "13912345678"
    found_order = make_order(store, room_type=rt, guests=[PersonIn(full_name="刘洋", phone=phone, is_primary=True)])
    for _ in range(PAGE_SIZE):
        make_order(store, room_type=rt, status=S.PENDING_CONFIRMATION)
    page = clerk.get(f"{base}/orders/").content.decode()
    form = re.search(r'<form method="post"[^>]*id="order-filter"[^>]*>', page).group(0)
    assert "hx-post=" in form and "hx-push-url" not in form and "csrfmiddlewaretoken" in page

    found = clerk.post(f"{base}/orders/", {"q": phone}, **HX)
    html = found.content.decode()
    assert found.status_code == 200 and f"order-row-{found_order.pk}" in html
    assert phone not in html and "HX-Push-Url" not in found  # the number is neither echoed nor pushed

    # paging the whole list posts the form with the page's number
    second = clerk.post(f"{base}/orders/", {"page": "2"}, **HX).content.decode()
    assert 'form="order-filter" name="page" value="1"' in second and "2 / 2" in second
    assert 'href="?' not in second


def test_list_query_count_is_constant(store, rt, clerk, base):
    for _ in range(3):
        make_order(store, room_type=rt, status=S.PENDING_CONFIRMATION)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clerk.get(f"{base}/orders/")
    with CaptureQueriesContext(connection) as few:
        clerk.get(f"{base}/orders/")
    for _ in range(20):
        make_order(store, room_type=rt, status=S.PENDING_CONFIRMATION)
    with CaptureQueriesContext(connection) as many:
        clerk.get(f"{base}/orders/")
    assert len(few) == len(many)


