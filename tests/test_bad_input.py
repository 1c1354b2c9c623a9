"""Bad input answers a clear 4xx in the one error shape, never a 5xx (issue 17, "Bad input").

Each test here answered 500 (or HTML, or English by default) before: a price, a pricing rule
or a length of stay past what the columns hold, dates near 9999-12-31, a non-ASCII digit as
a store id, a settings path past its column, a notification template that includes another
template, a 3 MB body, an unknown API path, DRF's untranslated messages, unbounded notes and
guest lists, and orders dated past the booking horizon.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from apps.common.money import MAX_POSTING
from apps.folios.tests.factories import methods_for, pay, primary_folio
from apps.notifications.models import NotificationTemplate
from apps.orders.models import Order
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.rooms.models import PricingRule
from apps.tenancy.models import Setting
from tests.errors import error_json

D = Decimal
MAX = str(MAX_POSTING)  # 99999999.99
FAR = date(9999, 12, 30)


@pytest.fixture
def rt(store, direct):
    room_type, _rooms = room_type_with_rooms(store, 2)
    return room_type


@pytest.fixture
def clerk(api, direct):
    return api("alpha", "clerk_a1", language="en")


@pytest.fixture
def manager_api(api, direct):
    return api("alpha", "manager_a1", language="en")


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = error_json(response)
    assert set(body) == {"detail", "code", "extra"} and body["code"] == code, body
    return body


# --- money past the limits ------------------------------------------------------------------------


def test_an_extra_of_the_maximum_times_two_is_amount_too_large(clerk, store, today):
    rt, rooms = room_type_with_rooms(store, 1)
    order = make_order(store, room_type=rt, room=rooms[0], status=Order.Status.CHECKED_IN)
    folio = primary_folio(order)

    response = clerk.post(url(store, f"orders/{order.pk}/extras/"), {"description": "Hall", "unit_price": MAX, "quantity": 2},
                          format="json")
    _error(response, 400, "amount_too_large")
    response = clerk.post(url(store, f"folios/{folio.pk}/charges/"), {"description": "Hall", "unit_price": MAX, "quantity": 2},
                          format="json")
    _error(response, 400, "amount_too_large")


def test_a_payment_of_the_maximum_on_a_folio_that_has_one_is_taken(clerk, store):
    rt, rooms = room_type_with_rooms(store, 1)
    order = make_order(store, room_type=rt, room=rooms[0], status=Order.Status.CHECKED_IN)
    folio = primary_folio(order)
    pay(folio, MAX)
    cash = methods_for(store)["cash"]

    response = clerk.post(url(store, f"folios/{folio.pk}/payments/"), {"amount": MAX, "payment_method": cash.pk}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["folio"]["total_payments"] == "199999999.98"


def test_a_room_type_priced_at_the_maximum_books_or_is_refused_with_a_code(clerk, manager_api, store, tomorrow):
    response = manager_api.post(url(store, "room-types/"), {"name": "Palace", "code": "PAL", "default_price": MAX}, format="json")
    assert response.status_code == 201, response.json()
    rt_id = response.json()["id"]
    manager_api.post(url(store, "rooms/"), {"room_type": rt_id, "number": "P1"}, format="json")
    body = {"room_type": rt_id, "arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=2)).isoformat()}

    response = clerk.post(url(store, "orders/"), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["total_amount"] == "199999999.98"

    body["departure"] = (tomorrow + timedelta(days=11)).isoformat()  # 11 x the maximum: past an order's total
    _error(clerk.post(url(store, "orders/"), body, format="json"), 400, "order_limit_exceeded")


def test_a_percent_rule_of_the_maximum_is_refused(manager_api, store):
    rt, _rooms = room_type_with_rooms(store, 1)
    body = {"room_type": rt.pk, "name": "Gold rush", "adjustment_type": "percent", "adjustment_value": MAX}

    response = manager_api.post(url(store, "pricing-rules/"), body, format="json")

    out = _error(response, 400, "pricing_rule_invalid")
    assert out["extra"]["fields"] == {"adjustment_value": ["A percentage is at most +1000 %."]}
    assert not PricingRule.objects.filter(room_type=rt).exists()


def test_a_price_past_one_posting_is_refused_at_quote_and_booking(clerk, store, tomorrow):
    """A rule that is allowed (+1,000 %) on a room type at the maximum price: the night's price
    would pass one posting's maximum, refused with ``amount_too_large``."""
    rt, _rooms = room_type_with_rooms(store, 1, price=MAX)
    PricingRule.objects.create(store=store, room_type=rt, name="Gala", adjustment_type="percent", adjustment_value=D("1000.00"))
    stay = {"arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=1)).isoformat()}

    _error(clerk.get(url(store, f"room-types/{rt.pk}/price-quote/"), stay), 400, "amount_too_large")
    _error(clerk.post(url(store, "orders/"), {"room_type": rt.pk, **stay}, format="json"), 400, "amount_too_large")
    assert not Order.objects.filter(store=store).exists()


def test_min_los_above_a_small_integer_is_refused(manager_api, store):
    rt, _rooms = room_type_with_rooms(store, 1)
    body = {"room_type": rt.pk, "name": "Long stay", "adjustment_type": "amount", "adjustment_value": "-10.00", "min_los": 32768}

    out = _error(manager_api.post(url(store, "pricing-rules/"), body, format="json"), 400, "invalid")

    assert list(out["extra"]["fields"]) == ["min_los"]


# --- dates near the end of the calendar ---------------------------------------------------------------


def test_the_grid_room_status_and_overview_near_9999_12_31_are_400(clerk, store):
    for path, query in [
        (url(store, "grid/"), {"start": "9999-12-25", "days": 14}),
        (url(store, "m/room-status/"), {"start": "9999-12-29", "days": 7}),
        ("/t/alpha/api/v1/m/overview/", {"date": "9999-12-31"}),
        (url(store, "availability/"), {"arrival": "9999-12-30", "departure": "9999-12-31"}),
    ]:
        response = clerk.get(path, query)
        assert response.status_code == 400, (path, response.status_code, response.content[:300])
        assert response.json()["code"] in ("invalid", "date_out_of_range", "beyond_booking_horizon"), response.json()


# --- non-ASCII digits, long paths ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["m/reminders/", "m/overview/"])
def test_a_superscript_digit_as_store_is_400(api, store, path):
    client = api("alpha", "manager_a1")

    out = _error(client.get(f"/t/alpha/api/v1/{path}", {"store": "³"}), 400, "invalid")

    assert list(out["extra"]["fields"]) == ["store"]
    assert out["detail"] == "部分字段填写有误。"


def test_a_settings_path_past_100_characters_is_400(manager_api, store):
    key = "k" * 101

    out = _error(manager_api.put(url(store, f"settings/policy/{key}/"), {"value": "x"}, format="json"), 400, "invalid")

    assert list(out["extra"]["fields"]) == ["key"]
    assert not Setting.objects.filter(key=key).exists()


# --- notification templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    '{% include "base.html" %}', "{% extends 'base.html' %}", "{% load static %}{% static 'x' %}", "{% debug %}",
    "{% url 'home' %}", "{% ssi '/etc/passwd' %}",
])
def test_a_template_tag_that_reads_other_templates_or_files_is_refused(manager_api, store, text):
    body = {"event": "order_confirmed", "channel": "sms", "language": "zh-hans", "body": f"您好 {text}"}

    out = _error(manager_api.put(url(store, "notification-templates/"), body, format="json"), 400, "template_invalid")

    assert list(out["extra"]["fields"]) == ["body"]
    assert not NotificationTemplate.objects.filter(store=store).exists()


def test_a_stored_template_that_includes_another_renders_safely(store):
    """A row saved before the check (or written around it) never reads another template."""
    from django.template import TemplateSyntaxError

    from apps.notifications.services import render

    with pytest.raises(TemplateSyntaxError):
        render('您好 {{ guest_name }}{% include "base.html" %}', {"guest_name": "王芳"})
    assert render("您好 {{ guest_name }}{% if nights %}，{{ nights }} 晚{% endif %}", {"guest_name": "王芳", "nights": "2"}) == "您好 王芳，2 晚"


# --- the door: unknown paths, large bodies, parse errors -------------------------------------------------------


@override_settings(DEBUG=False)
@pytest.mark.parametrize("path", ["/robots.txt", "/favicon.ico", "/no/such/page"])
def test_an_unknown_path_outside_a_tenant_is_404_not_500(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


@pytest.mark.parametrize("path", ["/t/alpha/api/v1/no-such-thing/", "/t/alpha/api/v2/orders/", "/api/v1/orders/", "/t/alpha/api/nope"])
def test_an_unknown_api_path_is_json_not_found(api, path):
    client = api("alpha", "clerk_a1")

    out = _error(client.get(path), 404, "not_found")

    assert out["detail"] == "未找到。"


@override_settings(DEBUG=True)
def test_an_unknown_api_path_is_json_under_debug_too(api):
    client = api("alpha", "clerk_a1")

    _error(client.get("/t/alpha/api/v1/no-such-thing/"), 404, "not_found")


def test_a_body_past_the_limit_is_413_payload_too_large(clerk, store):
    body = '{"notes": "' + "x" * (3 * 1024 * 1024) + '"}'

    out = _error(clerk.generic("POST", url(store, "orders/"), body, content_type="application/json"), 413, "payload_too_large")

    assert out["extra"]["limit_bytes"] > 0


def test_a_body_past_the_limit_speaks_chinese_by_default(api, store):
    client = api("alpha", "clerk_a1")
    body = "x" * (3 * 1024 * 1024)

    out = _error(client.generic("POST", url(store, "orders/"), body, content_type="application/json"), 413, "payload_too_large")

    assert "请求" in out["detail"]


def test_the_four_english_messages_speak_chinese_by_default(api, store):
    client = api("alpha", "clerk_a1")
    rt, rooms = room_type_with_rooms(store, 1)
    order = make_order(store, room_type=rt, room=rooms[0], status=Order.Status.CHECKED_IN)
    folio = primary_folio(order)

    parse = _error(client.generic("POST", url(store, "orders/"), "{not json", content_type="application/json"), 400, "parse_error")
    method = _error(client.post(url(store, f"folios/{folio.pk}/payments/"), {"amount": "1.00", "payment_method": 999999},
                                format="json"), 400, "payment_method_unknown")
    item = _error(client.post(url(store, f"folios/{folio.pk}/charges/"), {"description": "x", "unit_price": "1.00",
                                                                          "extra_item": 999999}, format="json"),
                  400, "extra_item_unknown")
    empty = _error(client.generic("POST", url(store, "orders/"), "null", content_type="application/json"), 400, "invalid")

    assert "JSON" in parse["detail"] and "parse error" not in parse["detail"]
    assert method["detail"] == "未知的收款方式。" == method["extra"]["fields"]["payment_method"][0]
    assert item["detail"] == "未知的附加消费项目。" == item["extra"]["fields"]["extra_item"][0]
    assert empty["extra"]["fields"]["non_field_errors"] == ["未提供数据。"]


# --- order limits: notes, guests, the booking horizon ---------------------------------------------------------


def _stay(rt, arrival, **more):
    return {"room_type": rt.pk, "arrival": arrival.isoformat(), "departure": (arrival + timedelta(days=1)).isoformat(), **more}


def test_notes_past_2000_characters_are_refused(clerk, store, rt, tomorrow):
    out = _error(clerk.post(url(store, "orders/"), _stay(rt, tomorrow, notes="x" * 2001), format="json"), 400, "invalid")
    assert list(out["extra"]["fields"]) == ["notes"]
    assert clerk.post(url(store, "orders/"), _stay(rt, tomorrow, notes="x" * 2000), format="json").status_code == 201
    order = Order.objects.get(store=store)
    out = _error(clerk.patch(url(store, f"orders/{order.pk}/"), {"notes": "x" * 2001}, format="json"), 400, "invalid")
    assert list(out["extra"]["fields"]) == ["notes"]


def test_more_guests_than_people_on_the_order_are_refused(clerk, store, rt, tomorrow):
    guests = [{"full_name": f"客人{i}"} for i in range(500)]

    out = _error(clerk.post(url(store, "orders/"), _stay(rt, tomorrow, guests=guests), format="json"), 400, "too_many_guests")

    assert list(out["extra"]["fields"]) == ["guests"]
    assert not Order.objects.filter(store=store).exists()
    two = _stay(rt, tomorrow, adults=1, children=1, guests=[{"full_name": "王芳"}, {"full_name": "王小明"}])
    assert clerk.post(url(store, "orders/"), two, format="json").status_code == 201


def test_an_order_past_the_booking_horizon_is_refused_at_booking_intake_and_desk(clerk, store, rt, today):
    far = today + timedelta(days=731)

    out = _error(clerk.post(url(store, "orders/"), _stay(rt, far), format="json"), 400, "beyond_booking_horizon")
    assert out["extra"]["horizon_days"] == 730
    _error(clerk.post(url(store, "orders/"), _stay(rt, FAR), format="json"), 400, "beyond_booking_horizon")
    intake = {"channel": "direct", "external_ref": "H-1", "room_type": str(rt.pk), "arrival": far.isoformat(),
              "departure": (far + timedelta(days=1)).isoformat(), "guest": {"full_name": "陈晨"}}
    _error(clerk.post(url(store, "external-orders/"), intake, format="json", HTTP_IDEMPOTENCY_KEY="h-1"), 400,
           "beyond_booking_horizon")
    assert not Order.objects.filter(store=store).exists()
    # the last night within the horizon books
    assert clerk.post(url(store, "orders/"), _stay(rt, today + timedelta(days=729)), format="json").status_code == 201


def test_the_booking_horizon_is_a_store_setting(clerk, store, rt, today):
    from apps.tenancy.services import setting_set

    setting_set(store=store, group="orders", key="booking_horizon_days", value="30", value_type="int")

    out = _error(clerk.post(url(store, "orders/"), _stay(rt, today + timedelta(days=31)), format="json"), 400,
                 "beyond_booking_horizon")

    assert out["extra"]["horizon_days"] == 30
    assert clerk.post(url(store, "orders/"), _stay(rt, today + timedelta(days=29)), format="json").status_code == 201


@pytest.mark.parametrize("page_size", ["abc", "0", "201", "³", ""])
def test_a_page_size_that_is_not_1_to_200_is_400(api, store, page_size):
    client = api("alpha", "clerk_a1")

    out = _error(client.get(url(store, "orders/"), {"page_size": page_size}), 400, "invalid")

    assert out["extra"]["fields"] == {"page_size": ["请填写 1 至 200 之间的整数。"]}


@pytest.mark.parametrize("path", ["orders/", "pricing-rules/"])
def test_an_empty_page_number_is_400_not_the_first_page(api, store, path):
    client = api("alpha", "clerk_a1")

    out = _error(client.get(url(store, path), {"page": ""}), 400, "invalid")

    assert out["extra"]["fields"] == {"page": ["该字段不能为空。"]}
    assert client.get(url(store, path), {"page": "1"}).status_code == 200


def test_a_query_value_given_twice_is_400_not_the_last_one(api, store):
    client = api("alpha", "clerk_a1")

    out = _error(client.get(url(store, "room-types/") + "?is_active=true&is_active="), 400, "invalid")

    assert out["extra"]["fields"] == {"is_active": ["此参数只能提供一次。"]}
    assert client.get(url(store, "room-types/"), {"is_active": "true"}).status_code == 200


def test_the_desk_form_refuses_an_arrival_past_the_horizon_and_long_notes(browser_login, store, rt, today):
    desk = browser_login("alpha", "clerk_a1")
    form = {"kind": "reservation", "room_type": rt.pk, "adults": 1, "children": 0, "guest_name": "赵六"}

    far = desk.post(f"/t/alpha/s/{store.pk}/orders/new/", {
        **form, "arrival": today + timedelta(days=800), "departure": today + timedelta(days=801)})
    long_notes = desk.post(f"/t/alpha/s/{store.pk}/orders/new/", {
        **form, "arrival": today + timedelta(days=1), "departure": today + timedelta(days=2), "notes": "x" * 2001})

    assert far.status_code == 200 and "最多可提前 730 天预订" in far.content.decode()
    assert long_notes.status_code == 200 and 'value="赵六"' in long_notes.content.decode()
    assert not Order.objects.filter(store=store).exists()


@override_settings(DEBUG=True)
def test_an_unexpected_error_on_an_api_path_is_json_500_under_debug_too(api, monkeypatch):
    from apps.tenancy import api as tenancy_api

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(tenancy_api.MeApi, "get", boom)
    client = api("alpha", "clerk_a1")
    client.raise_request_exception = False

    out = _error(client.get("/t/alpha/api/v1/me/"), 500, "server_error")

    assert out["detail"] == "服务器出错了，请稍后重试。" and "a bug" not in json.dumps(out)


def test_a_transient_fault_outside_drf_on_an_api_path_is_503_not_500(api, monkeypatch):
    """A database or Redis fault that DRF's handler never sees (raised by the view's
    dispatch itself, as a commit at the end of a request would be) answers 503 with
    Retry-After, not the middleware's 500."""
    from django.db import OperationalError

    from apps.tenancy import api as tenancy_api

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tenancy_api.MeApi, "dispatch", down)
    client = api("alpha", "clerk_a1")
    client.raise_request_exception = False

    response = client.get("/t/alpha/api/v1/me/")
    out = _error(response, 503, "service_unavailable")

    assert response["Retry-After"] == "5" and "closed" not in json.dumps(out)


def test_a_form_post_to_the_api_is_415(api, store, rt, tomorrow):
    client = api("alpha", "clerk_a1")

    out = _error(client.post(url(store, "orders/"), {"room_type": rt.pk, "arrival": tomorrow.isoformat(),
                                                     "departure": (tomorrow + timedelta(days=1)).isoformat()},
                             format="multipart"), 415, "unsupported_media_type")

    assert out["detail"].startswith("不支持")
    assert not Order.objects.filter(store=store).exists()


@pytest.mark.parametrize("path,query", [("grid/", "start="), ("orders/", "status="), ("m/today/", "date=")])
def test_an_empty_query_value_is_400_not_the_default(api, store, path, query):
    client = api("alpha", "clerk_a1")
    name = query.split("=")[0]

    out = _error(client.get(url(store, path) + "?" + query), 400, "invalid")

    assert list(out["extra"]["fields"]) == [name]
