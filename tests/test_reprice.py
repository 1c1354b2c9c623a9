"""Re-pricing (docs/orders.md, "Re-pricing"): a change of the stay's length or type applies
the pricing rules to the whole new stay; nights already posted by the night audit keep their
ledger rows and get one adjustment on the folio; a channel's or a manager's rate is kept; the
quote says what the change then does. Across orders, folios, the desk and the night audit,
hence here rather than in one app's tests (the layers forbid frontdesk's tests the audit)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.common.errors import DomainError
from apps.folios import services as folio_services
from apps.folios.models import Folio, FolioTransaction
from apps.frontdesk.services import stay_extend
from apps.night_audit.models import NightAudit
from apps.night_audit.services import night_audit_run
from apps.orders import services
from apps.orders.models import Order, OrderEvent, OrderItem
from apps.orders.tests.factories import room_type_with_rooms, stay
from apps.rooms.models import PricingRule
from apps.rooms.tests.factories import PricingRuleFactory
from apps.tenancy.business_day import business_date, store_local_date
from tests.errors import error_json
from tests.fixtures import set_business_date

S = Order.Status
D = Decimal


@pytest.fixture
def rt(store, direct):
    """300.00 a night; 4 nights or more: 10 % off (连住4晚9折)."""
    room_type, rooms = room_type_with_rooms(store, 3, price="300.00")
    room_type.rooms_list = rooms
    PricingRuleFactory(room_type=room_type, name="连住4晚9折", min_los=4,
                       adjustment_type=PricingRule.AdjustmentType.PERCENT, adjustment_value=D("-10"))
    return room_type


def rates(order) -> list[tuple]:
    return list(OrderItem.objects.filter(order=order, kind="room_night").order_by("service_date")
                .values_list("unit_price", "rate_source", "posted"))


def ledger(order) -> list[tuple]:
    return list(FolioTransaction.objects.filter(folio__order=order).order_by("id")
                .values_list("transaction_type", "charge_type", "amount", "service_date"))


def assert_money_truth(order) -> None:
    """total = folio charges - discounts + the lines not posted; due = total - paid."""
    order.refresh_from_db()
    folios = Folio.objects.filter(order=order).aggregate(c=Sum("total_charges"), d=Sum("total_discounts"))
    unposted = OrderItem.objects.filter(order=order, posted=False).aggregate(s=Sum("total_price"))["s"] or D(0)
    assert order.total_amount == (folios["c"] or 0) - (folios["d"] or 0) + unposted
    assert order.due_amount == order.total_amount - order.paid_amount


@pytest.fixture
def two_nights_posted(store, rt, manager):
    """A 3-night stay (900.00) checked in two days ago; the night audit posted its first two
    nights (300.00 each) and the business date is today."""
    d0 = store_local_date(store=store) - timedelta(days=2)
    set_business_date(store, d0)
    order = stay(store, rt, 0, arrival=d0, nights=3, status=S.CHECKED_IN)
    for _ in range(2):
        assert night_audit_run(store=store, trigger=NightAudit.Trigger.API, actor=manager).ran
    assert business_date(store=store) == d0 + timedelta(days=2)
    order.refresh_from_db()
    assert (order.total_amount, order.charged_amount) == (D("900.00"), D("600.00"))
    return order


def test_extending_3_nights_to_4_gives_every_night_the_length_of_stay_rate(store, rt, today, clerk):
    order = stay(store, rt, 0, arrival=today, nights=3, status=S.CHECKED_IN)
    assert rates(order) == [(D("300.00"), "rules", False)] * 3
    order = stay_extend(order=order, actor=clerk, departure=today + timedelta(days=4))
    assert rates(order) == [(D("270.00"), "rules", False)] * 4
    assert (order.status, order.total_amount, order.due_amount, order.adjustment) == (S.EXTENDED, D("1080.00"), D("1080.00"), {})
    assert ledger(order) == []
    event = OrderEvent.objects.get(order=order, kind="extended")
    assert event.data["repriced"] == [
        {"night": (today + timedelta(days=k)).isoformat(), "from": "300.00", "to": "270.00", "posted": False} for k in range(3)
    ]
    assert "adjustment" not in event.data
    assert_money_truth(order)


def test_nights_posted_by_the_audit_get_one_discount_and_the_stay_is_charged_the_new_total(
    store, rt, clerk, two_nights_posted,
):
    order = two_nights_posted
    d0 = order.arrival
    order = stay_extend(order=order, actor=clerk, departure=d0 + timedelta(days=4))
    assert rates(order) == [(D("270.00"), "rules", True)] * 2 + [(D("270.00"), "rules", False)] * 2
    # the audit's rows are untouched; one discount of 2 x 30.00 for them
    assert ledger(order) == [
        ("charge", "room_night", D("300.00"), d0),
        ("charge", "room_night", D("300.00"), d0 + timedelta(days=1)),
        ("discount", "", D("60.00"), None),
    ]
    discount = FolioTransaction.objects.get(folio__order=order, transaction_type="discount")
    assert (discount.reason, discount.business_date, discount.actor_id) == (
        "按连住重新定价", d0 + timedelta(days=2), clerk.pk)  # the site's default language (zh-Hans)
    assert discount.description == f"按连住重新定价 {order.code}: {d0.isoformat()}, {(d0 + timedelta(days=1)).isoformat()}"
    order.refresh_from_db()
    assert (order.charged_amount, order.total_amount, order.due_amount) == (D("540.00"), D("1080.00"), D("1080.00"))
    assert_money_truth(order)
    event = OrderEvent.objects.get(order=order, kind="extended")
    assert event.data["adjustment"] == {
        "amount": "-60.00", "kind": "discount", "transaction_id": discount.pk, "folio_id": discount.folio_id,
        "nights": [d0.isoformat(), (d0 + timedelta(days=1)).isoformat()],
    }
    assert [r["posted"] for r in event.data["repriced"]] == [True, True, False]


def test_the_quote_is_what_the_extension_then_does(store, rt, clerk, two_nights_posted):
    order = two_nights_posted
    d0 = order.arrival
    departure = d0 + timedelta(days=4)
    quote = services.order_extend_quote(order=order, departure=departure)
    assert OrderEvent.objects.filter(order=order, kind="extended").count() == 0  # nothing written
    assert [(n["date"], n["rate_before"], n["rate"], n["posted"]) for n in quote["nights"]] == [
        (d0, D("300.00"), D("270.00"), True), (d0 + timedelta(days=1), D("300.00"), D("270.00"), True),
        (d0 + timedelta(days=2), D("300.00"), D("270.00"), False), (d0 + timedelta(days=3), None, D("270.00"), False),
    ]
    assert (quote["adjustment"], quote["total_before"], quote["total"], quote["due"]) == (
        D("-60.00"), D("900.00"), D("1080.00"), D("1080.00"))
    order = stay_extend(order=order, actor=clerk, departure=departure)
    assert [r[0] for r in rates(order)] == [n["rate"] for n in quote["nights"]]
    assert D(order.adjustment["amount"]) == quote["adjustment"]
    assert (order.total_amount, order.due_amount) == (quote["total"], quote["due"])


def test_a_higher_rate_is_one_manual_charge(store, rt, clerk, two_nights_posted):
    """A rule for 4+ nights that raises the price (a peak-season minimum stay) charges the difference."""
    PricingRule.objects.filter(room_type=rt).update(adjustment_value=D("10"))
    order = stay_extend(order=two_nights_posted, actor=clerk, departure=two_nights_posted.arrival + timedelta(days=4))
    assert ledger(order)[-1] == ("charge", "manual", D("60.00"), None)
    assert (order.total_amount, order.adjustment["kind"], order.adjustment["amount"]) == (D("1320.00"), "charge", "60.00")
    assert_money_truth(order)


def test_a_refused_adjustment_leaves_the_stay_as_it_was(store, rt, clerk, two_nights_posted):
    order = two_nights_posted
    Folio.objects.filter(order=order).update(closed_at=order.created_at)  # a folio that takes nothing
    with pytest.raises(DomainError) as err:
        stay_extend(order=order, actor=clerk, departure=order.arrival + timedelta(days=4))
    assert err.value.code == "folio_closed"
    order.refresh_from_db()
    assert (order.status, order.departure, order.total_amount) == (S.CHECKED_IN, order.arrival + timedelta(days=3), D("900.00"))
    assert rates(order) == [(D("300.00"), "rules", True)] * 2 + [(D("300.00"), "rules", False)]
    assert not OrderEvent.objects.filter(order=order, kind="extended").exists()


def test_a_channel_priced_night_keeps_its_rate(store, rt, today, clerk):
    order = stay(store, rt, 0, arrival=today, nights=3, status=S.CHECKED_IN, prices=["280.00", "280.00", "280.00"])
    assert rates(order) == [(D("280.00"), "channel", False)] * 3
    order = stay_extend(order=order, actor=clerk, departure=today + timedelta(days=4))
    assert rates(order) == [(D("280.00"), "channel", False)] * 3 + [(D("270.00"), "rules", False)]
    assert order.total_amount == D("1110.00")


def test_an_override_keeps_its_rate_through_an_extension(store, rt, today, clerk, manager):
    order = stay(store, rt, 0, arrival=today, nights=3, status=S.CHECKED_IN)
    order = services.order_rate_override(order=order, actor=manager, rate=D("250"), reason="老客户议价",
                                         nights=[today + timedelta(days=1)])
    assert rates(order) == [(D("300.00"), "rules", False), (D("250.00"), "override", False), (D("300.00"), "rules", False)]
    assert order.total_amount == D("850.00")
    event = OrderEvent.objects.get(order=order, kind="rate_overridden")
    assert (event.actor_id, event.data) == (manager.pk, {
        "reason": "老客户议价", "rate": "250.00", "total_amount": ["900.00", "850.00"],
        "nights": [{"night": (today + timedelta(days=1)).isoformat(), "from": "300.00", "to": "250.00", "source": "rules"}],
    })
    order = stay_extend(order=order, actor=clerk, departure=today + timedelta(days=4))
    assert rates(order) == [(D("270.00"), "rules", False), (D("250.00"), "override", False)] + [(D("270.00"), "rules", False)] * 2
    assert order.total_amount == D("1060.00")


def test_an_override_refuses_posted_nights_and_writes_nothing(store, rt, manager, two_nights_posted):
    order = two_nights_posted
    d0 = order.arrival
    with pytest.raises(DomainError) as err:
        services.order_rate_override(order=order, actor=manager, rate=D("250"), reason="议价", nights=[d0, d0 + timedelta(days=2)])
    assert (err.value.code, err.value.status, err.value.extra) == ("night_posted", 409, {"nights": [d0.isoformat()]})
    with pytest.raises(DomainError) as err:
        services.order_rate_override(order=order, actor=manager, rate=D("250"), reason="议价", nights=[d0 + timedelta(days=9)])
    assert (err.value.code, err.value.status) == ("night_not_in_stay", 400)
    with pytest.raises(DomainError) as err:
        services.order_rate_override(order=order, actor=manager, rate=D("250"), reason=" ")
    assert err.value.code == "rate_reason_required"
    assert not OrderEvent.objects.filter(order=order, kind="rate_overridden").exists()
    # without nights: the nights not yet posted only
    order = services.order_rate_override(order=order, actor=manager, rate=D("250"), reason="议价")
    assert rates(order) == [(D("300.00"), "rules", True)] * 2 + [(D("250.00"), "override", False)]
    assert order.total_amount == D("850.00")
    assert_money_truth(order)


def test_shortening_before_arrival_reprices_the_whole_stay(store, rt, tomorrow):
    order = stay(store, rt, 0, arrival=tomorrow, nights=4, status=S.CONFIRMED)
    assert order.total_amount == D("1080.00")
    order = services.order_modify(order=order, actor=None, departure=tomorrow + timedelta(days=3))
    assert rates(order) == [(D("300.00"), "rules", False)] * 3
    assert order.total_amount == D("900.00")


def test_a_room_type_move_prices_the_moved_nights_for_the_whole_stay(store, rt, tomorrow):
    suite, _rooms = room_type_with_rooms(store, 1, price="400.00")
    PricingRuleFactory(room_type=suite, min_los=4, adjustment_type=PricingRule.AdjustmentType.PERCENT,
                       adjustment_value=D("-10"))
    order = stay(store, rt, None, arrival=tomorrow, nights=4, status=S.CONFIRMED)
    quote = services.order_modify_quote(order=order, room_type=suite)
    order = services.order_modify(order=order, actor=None, room_type=suite)
    assert rates(order) == [(D("360.00"), "rules", False)] * 4
    assert order.total_amount == quote["total"] == D("1440.00")


# --- the API ------------------------------------------------------------------------------------


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def test_extend_quote_and_extend_endpoints(api, store, rt, two_nights_posted):
    clerk = api("alpha", "clerk_a1")
    order = two_nights_posted
    d0, rt_id = order.arrival, rt.pk
    departure = (d0 + timedelta(days=4)).isoformat()
    response = clerk.get(url(store, f"orders/{order.pk}/extend-quote/"), {"departure": departure})
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "order_id": order.pk, "currency": "CNY", "arrival": d0.isoformat(), "departure": departure, "room_type_id": rt_id,
        "nights": [
            {"date": d0.isoformat(), "room_type_id": rt_id, "rate_before": "300.00", "rate": "270.00",
             "rate_source": "rules", "posted": True},
            {"date": (d0 + timedelta(days=1)).isoformat(), "room_type_id": rt_id, "rate_before": "300.00", "rate": "270.00",
             "rate_source": "rules", "posted": True},
            {"date": (d0 + timedelta(days=2)).isoformat(), "room_type_id": rt_id, "rate_before": "300.00", "rate": "270.00",
             "rate_source": "rules", "posted": False},
            {"date": (d0 + timedelta(days=3)).isoformat(), "room_type_id": rt_id, "rate_before": None, "rate": "270.00",
             "rate_source": "rules", "posted": False},
        ],
        "removed": [], "adjustment": "-60.00", "total_before": "900.00", "total": "1080.00", "paid": "0.00", "due": "1080.00",
    }
    refused = clerk.get(url(store, f"orders/{order.pk}/extend-quote/"), {"departure": d0.isoformat()})
    assert (refused.status_code, refused.json()["code"]) == (400, "extend_must_lengthen")
    body = clerk.post(url(store, f"orders/{order.pk}/extend/"), {"departure": departure}, format="json").json()
    assert (body["status"], body["total_amount"], body["due_amount"]) == ("extended", "1080.00", "1080.00")
    assert [i["unit_price"] for i in body["items"]] == ["270.00"] * 4
    assert ledger(order)[-1] == ("discount", "", D("60.00"), None)


def test_rates_endpoint_is_for_managers(api, store, rt, two_nights_posted):
    order = two_nights_posted
    d0 = order.arrival
    path = url(store, f"orders/{order.pk}/rates/")
    body = {"rate": "250.00", "reason": "老客户议价", "nights": [(d0 + timedelta(days=2)).isoformat()]}
    refused = api("alpha", "clerk_a1").post(path, body, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "manager_only")
    assert not OrderEvent.objects.filter(order=order, kind="rate_overridden").exists()
    manager = api("alpha", "manager_a1")
    posted = manager.post(path, {**body, "nights": [d0.isoformat()]}, format="json")
    assert (posted.status_code, error_json(posted)) == (409, {
        "detail": f"{d0.isoformat()} 已在账单入账：请在账单上更正。", "code": "night_posted",
        "extra": {"nights": [d0.isoformat()]},
    })
    done = manager.post(path, body, format="json")
    assert done.status_code == 200, done.json()
    data = done.json()
    assert (data["total_amount"], [i["unit_price"] for i in data["items"]]) == ("850.00", ["300.00", "300.00", "250.00"])
    assert data["events"][-1]["kind"] == "rate_overridden"


# --- the back office -----------------------------------------------------------------------------


def test_the_extend_page_shows_the_new_total_before_confirming(store, rt, browser_login, two_nights_posted):
    clerk = browser_login("alpha", "clerk_a1")
    order = two_nights_posted
    page = f"/t/alpha/s/{store.pk}/orders/{order.pk}/extend/"
    departure = (order.arrival + timedelta(days=4)).isoformat()
    html = clerk.get(page, {"departure": departure}).content.decode()
    assert 'data-testid="extend-quote"' in html and 'data-testid="extend-confirm"' in html
    assert "确认续住" in html and "按连住重新定价" not in html  # Chinese by default
    assert '<dd data-testid="extend-total">900.00 → <b>1080.00</b> CNY</dd>' in html
    assert "60.00" in html.split('data-testid="extend-adjustment"')[1].split("</dd>")[0]
    order.refresh_from_db()
    assert (order.departure, order.total_amount) == (order.arrival + timedelta(days=3), D("900.00"))  # a GET writes nothing
    response = clerk.post(page, {"departure": departure})
    assert response.status_code == 302 and response["Location"] == f"/t/alpha/s/{store.pk}/orders/{order.pk}/"
    order.refresh_from_db()
    assert (order.status, order.total_amount) == (S.EXTENDED, D("1080.00"))
    english = clerk.get(page, {"departure": (order.arrival + timedelta(days=5)).isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Confirm the extension" in english.content.decode()


def test_a_voided_night_is_not_adjusted_when_the_stay_is_re_priced(store, rt, clerk, manager, two_nights_posted):
    """The desk voided the first night (not charged); extending to 4 nights re-prices every
    night at 270.00, but only the night still charged (the second) gets its 30.00 back."""
    order = two_nights_posted
    d0 = order.arrival
    first = FolioTransaction.objects.get(folio__order=order, charge_type="room_night", service_date=d0)
    folio_services.folio_transaction_void(tx=first, actor=manager, reason="on the house")
    order = stay_extend(order=order, actor=clerk, departure=d0 + timedelta(days=4))
    discount = FolioTransaction.objects.get(folio__order=order, transaction_type="discount", reason="按连住重新定价")
    assert (discount.amount, discount.description) == (D("30.00"), f"按连住重新定价 {order.code}: {(d0 + timedelta(days=1)).isoformat()}")
    order.refresh_from_db()
    # charged: 300 - 300 (void) + 300 - 30 = 270; two nights not posted at 270
    assert (order.charged_amount, order.total_amount) == (D("270.00"), D("810.00"))
    assert_money_truth(order)
