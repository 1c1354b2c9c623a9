"""The orders REST API: scope, exact shapes, actions, errors, pinned query counts."""
import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.orders import services
from apps.orders.models import Channel, Order
from apps.orders.services import DEFAULT_CHANNELS, PersonIn
from apps.orders.tests.factories import make_order, room_type_with_rooms
from tests.errors import error_json

S = Order.Status


@pytest.fixture
def clerk(api):
    return api("alpha", "clerk_a1", language="en")


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def test_create_reservation_exact_shape(clerk, store, rt, tomorrow, direct, world):
    room = rt.rooms_list[0]
    body = {
        "room_type": rt.pk, "room": room.pk, "arrival": tomorrow.isoformat(),
        "departure": (tomorrow + timedelta(days=2)).isoformat(), "adults": 2,
        "booker": {"full_name": "王小明", "phone": "13812345678"},
        "guests": [{"full_name": "王小明", "phone": "13812345678"}],
        "notes": "late arrival", "estimated_arrival_time": "21:30",
        "extras": [{"description": "Breakfast", "unit_price": "38.00", "quantity": 2}],
    }
    response = clerk.post(url(store, "orders/"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    order = Order.objects.get(pk=data["id"])
    assert list(data) == [
        "id", "code", "status", "source", "channel_id", "channel_name", "external_ref", "room_type_id",
        "room_type_name", "room_id", "room_number", "arrival", "departure", "nights", "adults", "children",
        "guest_name", "guest_phone", "currency", "total_amount", "paid_amount", "due_amount", "is_completed", "is_conflict",
        "conflict_reason", "version", "created_at", "updated_at", "booker", "estimated_arrival_time", "notes",
        "cancellation_reason", "confirmed_at", "checked_in_at", "checked_out_at", "cancelled_at", "no_show_at",
        "items", "guests", "events",
    ]
    assert {k: data[k] for k in ["code", "status", "source", "channel_id", "channel_name", "room_type_id", "room_id",
                                  "room_number", "arrival", "departure", "nights", "adults", "children", "guest_name",
                                  "guest_phone", "currency", "total_amount", "paid_amount", "due_amount", "is_completed", "is_conflict",
                                  "estimated_arrival_time", "notes"]} == {
        "code": order.code, "status": "pending_confirmation", "source": "manual", "channel_id": direct.pk,
        "channel_name": "Direct", "room_type_id": rt.pk, "room_id": room.pk, "room_number": room.number,
        "arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=2)).isoformat(), "nights": 2,
        "adults": 2, "children": 0, "guest_name": "王小明", "guest_phone": "138****5678", "currency": "CNY",
        "total_amount": "676.00", "paid_amount": "0.00", "due_amount": "676.00", "is_completed": False, "is_conflict": False,
        "estimated_arrival_time": "21:30", "notes": "late arrival",
    }
    assert data["booker"] == {"id": order.booker_id, "full_name": "王小明", "phone": "138****5678"}
    assert [(i["kind"], i["service_date"], i["quantity"], i["unit_price"], i["total_price"]) for i in data["items"]] == [
        ("room_night", tomorrow.isoformat(), 1, "300.00", "300.00"),
        ("room_night", (tomorrow + timedelta(days=1)).isoformat(), 1, "300.00", "300.00"),
        ("extra", None, 2, "38.00", "76.00"),
    ]
    # the booker stays too: one contact, primary guest
    assert data["guests"] == [{"contact_id": order.booker_id, "full_name": "王小明", "phone": "138****5678",
                               "id_type": "", "id_number": "", "is_primary": True}]
    assert [(e["kind"], e["to_status"], e["actor"]) for e in data["events"]] == [
        ("created", "pending_confirmation", {"id": world.alpha.users["clerk_a1"].pk, "username": "clerk_a1"})
    ]
    # what create answers is what retrieve answers
    again = clerk.get(url(store, f"orders/{order.pk}/")).json()
    assert again == data


def test_create_answers_the_rows_it_wrote_as_retrieve_reads_them(clerk, store, rt, tomorrow):
    # the 201 is rendered from what the booking wrote, not read back: same lines in the
    # same order (nights by date, then extras by date, undated last), guests primary
    # first, events in order
    body = {
        "room_type": rt.pk, "arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=3)).isoformat(),
        "confirm": True, "adults": 2,
        "guests": [{"full_name": "李雷", "phone": "13900000001"}, {"full_name": "韩梅梅", "phone": "13900000002", "is_primary": True}],
        "extras": [
            {"description": "Late", "unit_price": "10.00", "service_date": (tomorrow + timedelta(days=2)).isoformat()},
            {"description": "Any time", "unit_price": "5.00"},
            {"description": "Early", "unit_price": "20.00", "service_date": tomorrow.isoformat()},
        ],
    }
    response = clerk.post(url(store, "orders/"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert [i["description"] for i in data["items"] if i["kind"] == "extra"] == ["Early", "Late", "Any time"]
    assert [g["full_name"] for g in data["guests"]] == ["韩梅梅", "李雷"]
    assert [e["kind"] for e in data["events"]] == ["created", "confirmed"]
    with CaptureQueriesContext(connection) as ctx:
        assert clerk.get(url(store, f"orders/{data['id']}/")).json() == data
    assert len(ctx.captured_queries) > 0


def test_create_confirmed_on_a_taken_room_is_409_and_creates_nothing(clerk, store, rt, tomorrow):
    room = rt.rooms_list[0]
    make_order(store, room_type=rt, room=room, arrival=tomorrow, status=S.CONFIRMED)
    before = Order.objects.count()
    body = {"room": room.pk, "arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=1)).isoformat(), "confirm": True}
    response = clerk.post(url(store, "orders/"), body, format="json")
    assert response.status_code == 409
    assert error_json(response) == {
        "detail": f"The room is already taken on {tomorrow.isoformat()}.", "code": "room_unavailable",
        "extra": {"nights": [tomorrow.isoformat()], "room_id": room.pk},
    }
    assert Order.objects.count() == before


def test_walk_in_creates_confirms_and_checks_in(clerk, store, rt, today):
    room = rt.rooms_list[1]
    body = {"walk_in": True, "room": room.pk, "departure": (today + timedelta(days=1)).isoformat(),
            "guests": [{"full_name": "Li Lei", "id_type": "passport", "id_number": "E12345678"}]}
    response = clerk.post(url(store, "orders/"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["source"], data["arrival"], data["room_id"]) == ("checked_in", "walk_in", today.isoformat(), room.pk)
    assert data["channel_name"] == "散客"  # default channels were created for the store
    assert [e["kind"] for e in data["events"]] == ["created", "confirmed", "checked_in"]


def test_transition_actions_and_refusal_shape(clerk, store, rt, today):
    order = make_order(store, room_type=rt, arrival=today, status=S.PENDING_CONFIRMATION)
    base = url(store, f"orders/{order.pk}/")
    assert clerk.post(base + "confirm/").json()["status"] == "confirmed"
    response = clerk.post(base + "confirm/")
    assert response.status_code == 409
    assert error_json(response) == {
        "detail": "An order cannot go from Confirmed to Confirmed.", "code": "illegal_transition",
        "extra": {"from": "confirmed", "to": "confirmed", "allowed": ["cancelled", "checked_in", "no_show"]},
    }
    response = clerk.post(base + "check-in/", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "room_required")
    data = clerk.post(base + "check-in/", {"room": rt.rooms_list[0].pk}, format="json").json()
    assert (data["status"], data["room_id"]) == ("checked_in", rt.rooms_list[0].pk)
    data = clerk.post(base + "extend/", {"departure": (today + timedelta(days=4)).isoformat()}, format="json").json()
    assert (data["status"], data["departure"], data["total_amount"]) == ("extended", (today + timedelta(days=4)).isoformat(), "1200.00")
    # Leaving the first day keeps (and charges) one night, unpaid: refused, nothing changed.
    response = clerk.post(base + "check-out/")
    assert (response.status_code, response.json()["code"], response.json()["extra"]["balance"]) == (
        409, "folio_balance_not_zero", "300.00")
    data = clerk.get(base).json()
    assert (data["status"], data["departure"], data["total_amount"], data["due_amount"]) == (
        "extended", (today + timedelta(days=4)).isoformat(), "1200.00", "1200.00")
    assert [e["kind"] for e in data["events"]] == ["created", "confirmed", "checked_in", "extended"]


def test_cancel_no_show_and_modify_actions(clerk, store, rt, today, tomorrow):
    a = make_order(store, room_type=rt, arrival=tomorrow, status=S.CONFIRMED)
    response = clerk.post(url(store, f"orders/{a.pk}/cancel/"), {}, format="json")
    assert response.status_code == 400 and response.json()["extra"]["fields"] == {"reason": ["This field is required."]}
    data = clerk.post(url(store, f"orders/{a.pk}/cancel/"), {"reason": "guest called"}, format="json").json()
    assert (data["status"], data["cancellation_reason"]) == ("cancelled", "guest called")
    b = make_order(store, room_type=rt, arrival=today, status=S.CONFIRMED)
    assert clerk.post(url(store, f"orders/{b.pk}/no-show/")).json()["status"] == "no_show"
    c = make_order(store, room_type=rt, arrival=tomorrow, status=S.CONFIRMED)
    data = clerk.post(url(store, f"orders/{c.pk}/modify/"), {"arrival": (tomorrow + timedelta(days=1)).isoformat(),
                                                             "departure": (tomorrow + timedelta(days=4)).isoformat()}, format="json").json()
    assert (data["arrival"], data["nights"], data["total_amount"]) == ((tomorrow + timedelta(days=1)).isoformat(), 3, "900.00")
    data = clerk.post(url(store, f"orders/{c.pk}/assign-room/"), {"room": rt.rooms_list[0].pk}, format="json").json()
    assert data["room_id"] == rt.rooms_list[0].pk
    assert data["events"][-1]["kind"] == "room_assigned"


def test_patch_edits_details_and_records_an_event(clerk, store, rt, tomorrow):
    order = make_order(store, room_type=rt, arrival=tomorrow, status=S.CONFIRMED)
    response = clerk.patch(url(store, f"orders/{order.pk}/"), {"notes": "VIP", "children": 1, "status": "cancelled"}, format="json")
    data = response.json()
    assert (data["notes"], data["children"], data["status"]) == ("VIP", 1, "confirmed")
    assert data["events"][-1]["kind"] == "updated"
    assert data["events"][-1]["data"] == {"changes": {"notes": ["", "VIP"], "children": [0, 1]}}
    response = clerk.patch(url(store, f"orders/{order.pk}/"), {"adults": 3}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "too_many_guests")


def test_extras_add_and_remove(clerk, store, rt, tomorrow):
    order = make_order(store, room_type=rt, arrival=tomorrow, nights=1, status=S.CONFIRMED)
    response = clerk.post(url(store, f"orders/{order.pk}/extras/"), {"description": "Breakfast", "unit_price": "25.50", "quantity": 2}, format="json")
    assert response.status_code == 201
    item = response.json()
    assert (item["kind"], item["total_price"]) == ("extra", "51.00")
    order.refresh_from_db()
    assert (order.total_amount, order.due_amount) == (Decimal("351.00"), Decimal("351.00"))
    room_night = order.items.get(kind="room_night")
    response = clerk.delete(url(store, f"orders/{order.pk}/extras/{room_night.pk}/"))
    assert (response.status_code, response.json()["code"]) == (409, "item_not_extra")
    data = clerk.delete(url(store, f"orders/{order.pk}/extras/{item['id']}/")).json()
    assert (data["total_amount"], [e["kind"] for e in data["events"]][-2:]) == ("300.00", ["item_added", "item_removed"])


# --- scope ----------------------------------------------------------------------------------


def test_other_store_and_other_tenant_answer_404(api, store, rt, tomorrow, world):
    order = make_order(store, room_type=rt, arrival=tomorrow, status=S.CONFIRMED)
    a2 = world.alpha.stores["A2"]
    clerk_a2 = api("alpha", "clerk_a2", language="en")
    # A2's clerk: A1 is not theirs; A1's order through A2's URL does not exist
    assert clerk_a2.get(url(store, f"orders/{order.pk}/")).status_code == 404
    assert clerk_a2.get(url(a2, f"orders/{order.pk}/")).status_code == 404
    assert clerk_a2.post(url(a2, f"orders/{order.pk}/cancel/"), {"reason": "x"}, format="json").status_code == 404
    assert clerk_a2.get(url(a2, "orders/")).json()["results"] == []
    order.refresh_from_db()
    assert order.status == S.CONFIRMED
    # beta's staff: alpha's store and order do not exist for them
    beta = api("beta", "clerk_b1", language="en")
    assert beta.get(f"/t/beta/api/v1/stores/{store.pk}/orders/{order.pk}/").status_code == 404
    b1 = world.beta.stores["B1"]
    assert beta.get(f"/t/beta/api/v1/stores/{b1.pk}/orders/{order.pk}/").status_code == 404


def test_a_room_of_another_store_is_refused(clerk, store, tomorrow, world, rt):
    other_type, (other_room, _r) = room_type_with_rooms(world.alpha.stores["A2"], 2)
    body = {"room": other_room.pk, "arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=1)).isoformat()}
    response = clerk.post(url(store, "orders/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["extra"]["fields"] == {"room": ["Unknown room."]}


def test_channel_writes_are_for_managers(api, store):
    clerk = api("alpha", "clerk_a1", language="en")
    manager = api("alpha", "manager_a1", language="en")
    body = {"code": "qunar", "name": "去哪儿", "channel_type": "ota"}
    response = clerk.post(url(store, "channels/"), body, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "manager_only")
    response = manager.post(url(store, "channels/"), body, format="json")
    assert response.status_code == 201
    channel = Channel.objects.get(store=store, code="qunar")
    assert response.json() == {"id": channel.pk, "code": "qunar", "name": "去哪儿", "channel_type": "ota",
                               "description": "", "is_active": True, "sort_order": 0}
    response = manager.post(url(store, "channels/"), body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "channel_code_taken")
    assert manager.patch(url(store, f"channels/{channel.pk}/"), {"is_active": False}, format="json").json()["is_active"] is False
    # the store's default channels (made with the store) and the new one
    codes = [c["code"] for c in clerk.get(url(store, "channels/")).json()]
    assert sorted(codes) == sorted(["qunar", *(code for code, _name, _kind in DEFAULT_CHANNELS)])


# --- lists and pinned query counts ---------------------------------------------------------------


def test_list_filters(clerk, store, rt, today, tomorrow):
    a = make_order(store, room_type=rt, arrival=tomorrow, status=S.CONFIRMED, booker=None)
    b = make_order(store, room_type=rt, arrival=tomorrow + timedelta(days=3), status=S.PENDING_CONFIRMATION)
    Order.objects.filter(pk=b.pk).update(is_conflict=True, primary_contact_name="Zhang San")
    ids = lambda r: [o["id"] for o in r.json()["results"]]  # noqa: E731
    assert ids(clerk.get(url(store, "orders/"))) == [b.pk, a.pk]
    assert ids(clerk.get(url(store, "orders/?status=confirmed"))) == [a.pk]
    assert ids(clerk.get(url(store, "orders/?status=confirmed,pending_confirmation"))) == [b.pk, a.pk]
    assert ids(clerk.get(url(store, f"orders/?arrival_from={(tomorrow + timedelta(days=1)).isoformat()}"))) == [b.pk]
    assert ids(clerk.get(url(store, "orders/?is_conflict=true"))) == [b.pk]
    assert ids(clerk.get(url(store, "orders/?q=zhang"))) == [b.pk]
    assert ids(clerk.get(url(store, f"orders/?q={a.code}"))) == [a.pk]
    response = clerk.get(url(store, "orders/?status=nope"))
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def _queries(client, path):
    client.get(path)  # warm the per-process caches (tenant, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_its_rows(clerk, store, tomorrow, direct):
    rt2, rooms = room_type_with_rooms(store, 3)
    make_order(store, room_type=rt2, room=rooms[0], arrival=tomorrow, status=S.CONFIRMED)
    few = _queries(clerk, url(store, "orders/"))
    for i in range(1, 3):
        make_order(store, room_type=rt2, room=rooms[i], arrival=tomorrow, status=S.CONFIRMED)
        make_order(store, room_type=rt2, arrival=tomorrow + timedelta(days=5), status=S.PENDING_CONFIRMATION)
    assert _queries(clerk, url(store, "orders/")) == few


def test_detail_query_count_does_not_grow_with_nights_guests_and_events(clerk, store, rt, tomorrow):
    short = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, status=S.CONFIRMED, nights=1)
    long = make_order(store, room_type=rt, room=rt.rooms_list[1], arrival=tomorrow, status=S.CONFIRMED,
                      nights=9, guests=[PersonIn(full_name=f"王{n}") for n in range(2)])
    services.order_update(order=long, actor=None, notes="晚到")
    _queries(clerk, url(store, f"orders/{short.pk}/"))  # warm the per-process caches
    assert _queries(clerk, url(store, f"orders/{short.pk}/")) == _queries(clerk, url(store, f"orders/{long.pk}/"))


# --- availability and today --------------------------------------------------------------------------


def test_availability_shape_and_counts(clerk, store, rt, tomorrow):
    make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow, nights=1, status=S.CONFIRMED)
    big, _rooms = room_type_with_rooms(store, 1, price="500.00", capacity=4, name="Family")
    d = lambda n: (tomorrow + timedelta(days=n)).isoformat()  # noqa: E731
    response = clerk.get(url(store, f"availability/?arrival={d(0)}&departure={d(2)}&adults=2"))
    assert response.status_code == 200
    assert response.json() == {
        "arrival": d(0), "departure": d(2), "nights": 2, "currency": "CNY",
        "room_types": [
            {"room_type_id": rt.pk, "name": rt.name, "capacity": 2, "free": 1, "total": "600.00",
             "nights": [{"date": d(0), "free": 1, "price": "300.00"}, {"date": d(1), "free": 2, "price": "300.00"}],
             "bookable": True, "violations": []},
            {"room_type_id": big.pk, "name": "Family", "capacity": 4, "free": 1, "total": "1000.00",
             "nights": [{"date": d(0), "free": 1, "price": "500.00"}, {"date": d(1), "free": 1, "price": "500.00"}],
             "bookable": True, "violations": []},
        ],
    }
    three = clerk.get(url(store, f"availability/?arrival={d(0)}&departure={d(2)}&adults=3")).json()
    assert [r["room_type_id"] for r in three["room_types"]] == [big.pk]
    response = clerk.get(url(store, f"availability/?arrival={d(2)}&departure={d(0)}"))
    assert (response.status_code, response.json()["code"]) == (400, "invalid_stay_dates")


def test_today_endpoint(clerk, store, rt, today):
    arriving = make_order(store, room_type=rt, arrival=today, status=S.CONFIRMED)
    staying = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, nights=1, status=S.CHECKED_IN)
    data = clerk.get(url(store, "today/")).json()
    assert data["date"] == today.isoformat()
    assert data["counts"] == {"arrivals": 1, "in_house": 1, "departures": 0}
    assert [r["id"] for r in data["arrivals"]] == [arriving.pk]
    assert [r["id"] for r in data["in_house"]] == [staying.pk]
    tomorrow = (today + timedelta(days=1)).isoformat()
    data = clerk.get(url(store, f"today/?date={tomorrow}")).json()
    assert data["counts"] == {"arrivals": 1, "in_house": 1, "departures": 1}
    assert data["departures"][0]["id"] == staying.pk and data["departures"][0]["overdue"] is False


def test_today_renders_the_arrival_time_as_the_schema_documents_it(clerk, store, rt, today):
    # was "15:00:00" against `format: time` (RFC 3339 full-time, with an offset): a schema violation
    make_order(store, room_type=rt, arrival=today, status=S.CONFIRMED, estimated_arrival_time=time(15, 0))
    make_order(store, room_type=rt, arrival=today, status=S.CONFIRMED)
    rows = clerk.get(url(store, "today/")).json()["arrivals"]
    assert [r["estimated_arrival_time"] for r in rows] == ["15:00", None]
    schema = clerk.get("/t/alpha/api/schema/?format=json").json()["components"]["schemas"]
    for component in ["TodayRow", "OrderDetail", "IntakeOut", "OrderCreateInRequest", "PatchedOrderUpdateInRequest",
                      "ExternalOrderInRequest"]:
        field = schema[component]["properties"]["estimated_arrival_time"]
        assert (field["type"], field["pattern"], field["example"]) == ("string", "^([01][0-9]|2[0-3]):[0-5][0-9]$", "15:00"), component
        assert "format" not in field
        assert re.fullmatch(field["pattern"], rows[0]["estimated_arrival_time"])


def test_arrival_time_with_seconds_is_accepted_and_kept_to_the_minute(clerk, store, rt, tomorrow):
    order = make_order(store, room_type=rt, arrival=tomorrow)
    response = clerk.patch(url(store, f"orders/{order.pk}/"), {"estimated_arrival_time": "21:30:45"}, format="json")
    assert (response.status_code, response.json()["estimated_arrival_time"]) == (200, "21:30")
    order.refresh_from_db()
    assert order.estimated_arrival_time == time(21, 30)


def test_errors_speak_chinese_by_default(api, store, rt, tomorrow):
    clerk = api("alpha", "clerk_a1")  # no Accept-Language: zh-Hans
    order = make_order(store, room_type=rt, arrival=tomorrow, status=S.CANCELLED)
    response = clerk.post(url(store, f"orders/{order.pk}/confirm/"))
    assert response.json()["detail"] == "订单不能从“已取消”变为“已确认”。"
    response = clerk.post(url(store, "external-orders/"), {}, format="json")
    assert response.json()["detail"] == "每次推送订单都须带上唯一的 Idempotency-Key 请求头（最多 255 个字符）。"


def test_the_schema_describes_the_orders_api(api):
    client = api("alpha", "clerk_a1", language="en")
    schema = client.get("/t/alpha/api/schema/?format=json").json()
    base = "/api/v1/stores/{store_id}/"
    paths = schema["paths"]
    for action in ["confirm", "check-in", "check-out", "cancel", "no-show", "extend", "modify", "assign-room"]:
        assert "post" in paths[f"{base}orders/{{id}}/{action}/"], action
    assert {"get", "post"} <= set(paths[f"{base}orders/"])
    assert "get" in paths[f"{base}availability/"] and "get" in paths[f"{base}today/"]
    intake = paths[f"{base}external-orders/"]["post"]
    header = next(p for p in intake["parameters"] if p["in"] == "header")
    assert (header["name"], header["required"]) == ("Idempotency-Key", True)
    assert {"200", "201", "202", "409", "422"} <= set(intake["responses"])
