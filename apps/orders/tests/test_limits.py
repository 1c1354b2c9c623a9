"""Limits before overflow (``apps.common.money``): a booking, an extra or an extension that
would take the order's total past ``MAX_ORDER_TOTAL`` is 400 ``order_limit_exceeded``, one
line above ``MAX_POSTING`` is 400 ``amount_too_large``, and nothing changes (before, the
DECIMAL(10,2) columns overflowed: a 500). Money is rounded half up, at the API too."""
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.orders import services
from apps.orders.models import Order, OrderItem
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.rooms.models import RoomNight
from tests.errors import error_json

D = Decimal
MAX_LINE = "99999999.99"


@pytest.fixture
def clerk(api):
    return api("alpha", "clerk_a1", language="en")


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def _booking(rt, arrival, extras):
    return {"room_type": rt.pk, "arrival": arrival.isoformat(), "departure": (arrival + timedelta(days=2)).isoformat(),
            "extras": extras}


def test_a_booking_past_the_order_limit_is_400_and_creates_nothing(clerk, store, rt, tomorrow):
    extras = [{"description": f"Suite {i}", "unit_price": MAX_LINE, "quantity": 1} for i in range(10)]

    response = clerk.post(url(store, "orders/"), _booking(rt, tomorrow, extras), format="json")

    assert response.status_code == 400
    assert error_json(response) == {
        "detail": "An order's total and what it is paid are each at most 999999999.99; this would come to 1000000599.90.",
        "code": "order_limit_exceeded", "extra": {"limit": "999999999.99", "total_amount": "1000000599.90"},
    }
    assert not Order.objects.filter(store=store).exists()


def test_a_booking_line_above_one_posting_is_400_amount_too_large(clerk, store, rt, tomorrow):
    extras = [{"description": "Gold", "unit_price": "50000000.00", "quantity": 2}]

    response = clerk.post(url(store, "orders/"), _booking(rt, tomorrow, extras), format="json")

    assert (response.status_code, response.json()["code"], response.json()["extra"]["limit"]) == (400, "amount_too_large", MAX_LINE)
    assert list(response.json()["extra"]["fields"]) == ["extras"]
    assert not Order.objects.filter(store=store).exists()


def test_the_largest_booking_fits_and_reads_back(clerk, store, rt, tomorrow):
    # 600.00 of nights, nine extras of one posting's maximum and 99,999,400.08: 999,999,999.99, the limit exactly
    extras = [{"description": "Hall", "unit_price": MAX_LINE, "quantity": 1}] * 9 + [
        {"description": "Hall", "unit_price": "99999400.08", "quantity": 1}]

    response = clerk.post(url(store, "orders/"), _booking(rt, tomorrow, extras), format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["total_amount"], response.json()["due_amount"]) == ("999999999.99", "999999999.99")
    detail = clerk.get(url(store, f"orders/{response.json()['id']}/"))
    assert (detail.status_code, detail.json()["total_amount"]) == (200, "999999999.99")


def test_an_extra_past_the_order_limit_is_400_and_adds_nothing(clerk, store, rt, tomorrow):
    order = make_order(store, room_type=rt, arrival=tomorrow)  # 600.00
    for _ in range(9):
        services.order_extra_add(order=order, actor=None, extra=services.ExtraIn(description="Hall", unit_price=D(MAX_LINE)))
    order.refresh_from_db()
    before = (order.total_amount, order.version, OrderItem.objects.filter(order=order).count())
    assert before[0] == D("900000599.91")

    response = clerk.post(url(store, f"orders/{order.pk}/extras/"), {"description": "Hall", "unit_price": MAX_LINE}, format="json")

    assert (response.status_code, response.json()["code"], response.json()["extra"]["total_amount"]) == (
        400, "order_limit_exceeded", "1000000599.90")
    order.refresh_from_db()
    assert (order.total_amount, order.version, OrderItem.objects.filter(order=order).count()) == before
    response = clerk.post(url(store, f"orders/{order.pk}/extras/"),
                          {"description": "Gold", "unit_price": "50000000.00", "quantity": 2}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "amount_too_large")


def test_an_extension_past_the_order_limit_is_400_and_holds_nothing(clerk, store, today):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    rt, rooms = room_type_with_rooms(store, 1, price=MAX_LINE)
    order = make_order(store, room_type=rt, room=rooms[0], status=Order.Status.CHECKED_IN, nights=1)
    base = url(store, f"orders/{order.pk}/extend/")

    response = clerk.post(base, {"departure": (today + timedelta(days=11)).isoformat()}, format="json")

    assert (response.status_code, response.json()["code"], response.json()["extra"]["total_amount"]) == (
        400, "order_limit_exceeded", "1099999999.89")
    order.refresh_from_db()
    assert (order.status, order.departure, order.total_amount) == ("checked_in", today + timedelta(days=1), D(MAX_LINE))
    assert RoomNight.objects.filter(order_id=order.pk).count() == 1
    # ten nights: 999,999,999.90, within the limit (past DECIMAL(10,2): a 500 before the columns widened)
    response = clerk.post(base, {"departure": (today + timedelta(days=10)).isoformat()}, format="json")
    assert (response.status_code, response.json()["total_amount"]) == (200, "999999999.90")


def test_an_external_amount_is_spread_over_the_nights_rounded_half_up(clerk, store, rt, tomorrow):
    ChannelFactory(store=store, code="mall", name="商城", channel_type="mall")
    body = {
        "channel": "mall", "external_ref": "M-5", "room_type": str(rt.pk), "arrival": tomorrow.isoformat(),
        "departure": (tomorrow + timedelta(days=2)).isoformat(), "guest": {"full_name": "陈晨"}, "amount": "100.05",
    }

    response = clerk.post(url(store, "external-orders/"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-half-up")

    assert response.status_code == 201, response.json()
    # 100.05 / 2 = 50.025: half up gives 50.03 (half to even, Python's and format()'s default, 50.02)
    assert [i["unit_price"] for i in response.json()["items"]] == ["50.03", "50.02"]
    assert response.json()["total_amount"] == "100.05"
