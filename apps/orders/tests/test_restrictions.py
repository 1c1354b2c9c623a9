"""Restrictions that bookings obey (closed, closed to arrival, minimum stay): set over a
span, enforced by the table's constraints, quoted by the one stay quote, refused by a
booking with a stable code (nothing written), kept as a conflict by the intake, set by
managers through the API."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from apps.common.errors import DomainError, DomainValidationError
from apps.orders import services
from apps.orders.models import Order, OrderEvent
from apps.orders.tests.factories import ChannelFactory, booking
from apps.rooms.models import RoomTypeNight, StayRestriction
from apps.rooms.quote import stay_quote
from apps.rooms.services import stay_restrictions_set
from apps.rooms.tests.factories import PricingRuleFactory

D = Decimal


def _rows(rt):
    return list(StayRestriction.objects.filter(room_type=rt).order_by("night")
                .values_list("night", "closed", "closed_to_arrival", "min_stay"))


def test_setting_a_span_writes_one_row_a_night_and_clearing_the_last_restriction_deletes_it(store, rt, tomorrow, manager):
    day = [tomorrow + timedelta(days=i) for i in range(4)]
    # when: closed to arrival on 4 nights, then a minimum stay on the middle two
    assert stay_restrictions_set(store=store, room_type=rt, start=day[0], end=day[0] + timedelta(days=4), actor=manager,
                                 closed_to_arrival=True) == 4
    stay_restrictions_set(store=store, room_type=rt, start=day[1], end=day[3], actor=manager, min_stay=3)
    assert _rows(rt) == [(day[0], False, True, None), (day[1], False, True, 3), (day[2], False, True, 3), (day[3], False, True, None)]
    # when: arrival opened everywhere: only the nights with a minimum stay keep a row
    stay_restrictions_set(store=store, room_type=rt, start=day[0], end=day[0] + timedelta(days=4), actor=manager,
                          closed_to_arrival=False)
    assert _rows(rt) == [(day[1], False, False, 3), (day[2], False, False, 3)]
    stay_restrictions_set(store=store, room_type=rt, start=day[0], end=day[0] + timedelta(days=4), actor=manager, min_stay=None)
    assert _rows(rt) == []


def test_weekdays_limit_the_nights_set(store, rt, tomorrow, manager):
    start = tomorrow + timedelta(days=(4 - tomorrow.weekday()) % 7)  # a Friday
    stay_restrictions_set(store=store, room_type=rt, start=start, end=start + timedelta(days=14), actor=manager,
                          weekdays=[4, 5], closed=True)
    assert [n.weekday() for n, *_ in _rows(rt)] == [4, 5, 4, 5]


@pytest.mark.parametrize("kwargs, field", [
    ({"min_stay": 91}, "min_stay"),
    ({"closed": True, "weekdays": [7]}, "weekdays"),
    ({}, "closed"),
])
def test_invalid_restrictions_are_field_errors_and_write_nothing(store, rt, tomorrow, manager, kwargs, field):
    with pytest.raises(DomainValidationError) as exc:
        stay_restrictions_set(store=store, room_type=rt, start=tomorrow, end=tomorrow + timedelta(days=2), actor=manager, **kwargs)
    assert exc.value.code == "restriction_invalid" and field in exc.value.extra["fields"]
    assert _rows(rt) == []


def test_a_span_longer_than_a_year_is_refused(store, rt, tomorrow, manager):
    with pytest.raises(DomainValidationError) as exc, translation.override("zh-hans"):
        stay_restrictions_set(store=store, room_type=rt, start=tomorrow, end=tomorrow + timedelta(days=367), actor=manager, closed=True)
    assert exc.value.extra["fields"]["end"] == ["一次最多 366 晚。"]


@pytest.mark.parametrize("values, constraint", [
    ({}, "stayrestriction_not_empty"),
    ({"min_stay": 1}, "stayrestriction_not_empty"),
    ({"min_stay": 91}, "stayrestriction_min_stay_1_to_90"),
])
def test_the_table_refuses_empty_rows_and_min_stays_out_of_range(store, rt, tomorrow, values, constraint):
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        StayRestriction.objects.create(store=store, room_type=rt, night=tomorrow, **values)
    assert constraint in str(exc.value)


def test_the_table_refuses_a_second_row_for_a_night_and_another_stores_type(store, store2, rt, tomorrow):
    StayRestriction.objects.create(store=store, room_type=rt, night=tomorrow, closed=True)
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        StayRestriction.objects.create(store=store, room_type=rt, night=tomorrow, closed_to_arrival=True)
    assert "stayrestriction_one_per_type_night" in str(exc.value)
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        StayRestriction.objects.create(store=store2, room_type=rt, night=tomorrow + timedelta(days=1), closed=True)
    assert "stayrestriction_type_same_store" in str(exc.value)


def test_the_quote_prices_the_stay_and_names_every_restriction_it_breaks(store, rt, tomorrow, manager):
    PricingRuleFactory(room_type=rt, name="连住3晚", min_los=3, adjustment_type="percent", adjustment_value=D("-10"), priority=5)
    second, third = tomorrow + timedelta(days=1), tomorrow + timedelta(days=2)
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow, end=second, actor=manager, closed_to_arrival=True, min_stay=4)
    stay_restrictions_set(store=store, room_type=rt, start=third, end=third + timedelta(days=1), actor=manager, closed=True)
    # when
    quote = stay_quote(room_type=rt, arrival=tomorrow, departure=tomorrow + timedelta(days=3))
    # then
    assert [(n.night, n.price, n.rule_name) for n in quote.nights] == [
        (tomorrow, D("270.00"), "连住3晚"), (second, D("270.00"), "连住3晚"), (third, D("270.00"), "连住3晚")]
    assert (quote.los, quote.total, quote.bookable) == (3, D("810.00"), False)
    assert [(v.code, v.nights, v.min_stay) for v in quote.violations] == [
        ("stay_closed", (third,), None), ("stay_closed_to_arrival", (tomorrow,), None), ("stay_below_min_stay", (tomorrow,), 4)]
    # a stay arriving the next day meets none of the arrival night's restrictions, only the closed night
    assert [v.code for v in stay_quote(room_type=rt, arrival=second, departure=third).violations] == []
    assert stay_quote(room_type=rt, arrival=tomorrow + timedelta(days=3), departure=tomorrow + timedelta(days=4)).bookable


@pytest.mark.parametrize("restriction, code", [
    ({"closed": True}, "stay_closed"),
    ({"closed_to_arrival": True}, "stay_closed_to_arrival"),
    ({"min_stay": 3}, "stay_below_min_stay"),
])
def test_a_booking_breaking_a_restriction_is_refused_with_its_code_and_writes_nothing(
        store, rt, tomorrow, manager, restriction, code):
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow, end=tomorrow + timedelta(days=1), actor=manager, **restriction)
    with pytest.raises(DomainError) as exc:
        services.order_create(**booking(store=store, actor=None, room_type=rt, arrival=tomorrow,
                                        departure=tomorrow + timedelta(days=2), confirm=True))
    assert (exc.value.code, exc.value.status, exc.value.extra["nights"]) == (code, 409, [tomorrow.isoformat()])
    assert Order.objects.filter(store=store).count() == 0
    assert RoomTypeNight.objects.filter(room_type=rt, held__gt=0).count() == 0


def test_a_stay_meeting_the_minimum_or_arriving_after_a_closed_arrival_is_booked(store, rt, tomorrow, manager):
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow, end=tomorrow + timedelta(days=1), actor=manager,
                          closed_to_arrival=True)
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow + timedelta(days=1), end=tomorrow + timedelta(days=2),
                          actor=manager, min_stay=2)
    order = services.order_create(**booking(store=store, actor=None, room_type=rt, arrival=tomorrow + timedelta(days=1),
                                            departure=tomorrow + timedelta(days=3), confirm=True))
    assert order.status == "confirmed"


def test_an_external_order_on_a_closed_night_is_kept_pending_as_a_conflict_with_the_code(store, rt, tomorrow, manager):
    mall = ChannelFactory(store=store, code="mall", name="商城", channel_type="mall")
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow + timedelta(days=1), end=tomorrow + timedelta(days=2),
                          actor=manager, closed=True)
    stay = services.StayIn(room_type=rt, arrival=tomorrow, departure=tomorrow + timedelta(days=3))
    # when
    result = services.order_intake_external(store=store, actor=None, channel=mall, external_ref="M-9", stay=stay, amount=D("900"))
    # then
    order = Order.objects.get(pk=result.order.pk)
    assert (result.outcome, order.status, order.is_conflict, order.conflict_reason) == (
        "conflict", "pending_confirmation", True, "stay_closed")
    assert OrderEvent.objects.get(order=order, kind="conflict").data == {
        "reason": "stay_closed", "nights": [(tomorrow + timedelta(days=1)).isoformat()]}
    assert RoomTypeNight.objects.filter(room_type=rt, held__gt=0).count() == 0
    # the same push again is the same order
    again = services.order_intake_external(store=store, actor=None, channel=mall, external_ref="M-9", stay=stay, amount=D("900"))
    assert (again.outcome, again.order.pk) == ("duplicate", order.pk)


# --- API -----------------------------------------------------------------------------------


def _url(store, path):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def test_a_manager_sets_restrictions_through_the_api_and_staff_read_them(store, rt, tomorrow, api):
    manager, clerk = api("alpha", "manager_a1", language="en"), api("alpha", "clerk_a1", language="en")
    body = {"room_type": rt.pk, "start": tomorrow.isoformat(), "end": (tomorrow + timedelta(days=2)).isoformat(),
            "closed_to_arrival": True, "min_stay": 2}
    # a clerk may not
    refused = clerk.post(_url(store, "restrictions/"), body, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "manager_only")
    assert _rows(rt) == []
    # a manager may
    response = manager.post(_url(store, "restrictions/"), body, format="json")
    assert (response.status_code, response.json()) == (200, {"nights": 2})
    listed = clerk.get(_url(store, "restrictions/"), {"start": tomorrow.isoformat(), "end": (tomorrow + timedelta(days=7)).isoformat()})
    assert listed.status_code == 200
    assert listed.json() == [
        {"room_type_id": rt.pk, "night": (tomorrow + timedelta(days=i)).isoformat(), "closed": False,
         "closed_to_arrival": True, "min_stay": 2} for i in range(2)]
    bad = manager.post(_url(store, "restrictions/"), {**body, "min_stay": 0}, format="json")
    assert bad.status_code == 400 and "min_stay" in bad.json()["extra"]["fields"]


def test_another_stores_room_type_is_an_unknown_field(store, store2, rt, tomorrow, api):
    manager = api("alpha", "manager_a1", language="en")
    other = rt.__class__.objects.create(store=store2, name="别家", default_price=D("100"))
    response = manager.post(_url(store, "restrictions/"), {
        "room_type": other.pk, "start": tomorrow.isoformat(), "end": (tomorrow + timedelta(days=1)).isoformat(), "closed": True,
    }, format="json")
    assert response.status_code == 400 and "room_type" in response.json()["extra"]["fields"]
    assert StayRestriction.objects.count() == 0


def test_the_quote_endpoint_shows_price_and_restrictions(store, rt, tomorrow, manager, api):
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow, end=tomorrow + timedelta(days=1), actor=manager, min_stay=3)
    clerk = api("alpha", "clerk_a1", language="en")
    response = clerk.get(_url(store, f"room-types/{rt.pk}/price-quote/"),
                         {"arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=2)).isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert (body["los"], body["total"], body["bookable"]) == (2, "600.00", False)
    assert body["violations"] == [{"code": "stay_below_min_stay", "message": f"A stay arriving on {tomorrow.isoformat()} is at least 3 nights.",
                                   "nights": [tomorrow.isoformat()], "min_stay": 3}]


def test_a_booking_refusal_through_the_api_is_409_with_the_code_in_chinese_by_default(store, rt, tomorrow, manager, api):
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow, end=tomorrow + timedelta(days=1), actor=manager, closed=True)
    clerk = api("alpha", "clerk_a1")
    response = clerk.post(_url(store, "orders/"), {
        "room_type": rt.pk, "arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=1)).isoformat(),
        "guests": [{"full_name": "王小明"}], "confirm": True,
    }, format="json")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "stay_closed"
    assert "停售" in response.json()["detail"]
