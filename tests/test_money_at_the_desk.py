"""The money of a stay told one way at the desk (issue 16, docs/folios.md "Money truth"),
through the API a clerk's screens use, with exact figures: 王芳's booking with a prepayment,
a check-in with a deposit, breakfast, the balance taken, a same-day check-out; the
deposit returned by the method it came in by; the night in the next audit's revenue."""
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.folios.models import FolioTransaction
from apps.folios.tests.factories import ExtraChargeItemFactory, methods_for
from apps.night_audit.models import DailyStoreStats, NightAudit
from apps.night_audit.services import night_audit_run
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
from apps.tenancy.business_day import store_local_date
from apps.tenancy.models import Setting
from tests.fixtures import set_business_date

D = Decimal


@pytest.fixture
def desk(api, store):
    """Business day D (yesterday, local: its audit can run), a room type at 468.00 a night."""
    day = store_local_date(store=store) - timedelta(days=1)
    set_business_date(store, day)
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    rt, rooms = room_type_with_rooms(store, 2, price="468.00")
    methods = methods_for(store)
    breakfast = ExtraChargeItemFactory(store=store, name="早餐", default_price=D("38.00"))
    return {"client": api("alpha", "clerk_a1", language="en"), "day": day, "rt": rt, "room": rooms[0],
            "methods": methods, "breakfast": breakfast, "base": f"/t/alpha/api/v1/stores/{store.pk}/"}


def test_wang_fang_books_prepays_checks_in_and_leaves_the_first_day(desk, store):
    c, base, day, m = desk["client"], desk["base"], desk["day"], desk["methods"]
    # Booked pending with a prepayment of the first night: the store's rule confirms it.
    r = c.post(base + "orders/", {
        "room_type": desk["rt"].pk, "room": desk["room"].pk, "arrival": day.isoformat(),
        "departure": (day + timedelta(days=2)).isoformat(), "guests": [{"full_name": "王芳", "phone": "13800138000"}],
        "payment": {"amount": "468.00", "payment_method": m["wechat"].pk, "reference": "WX-0001"},
    }, format="json")
    assert r.status_code == 201, r.json()
    order = r.json()
    assert (order["status"], order["total_amount"], order["paid_amount"], order["due_amount"]) == (
        "confirmed", "936.00", "468.00", "468.00")
    o = base + f"orders/{order['id']}/"
    # Checked in with a deposit of 500.00, in the same action.
    r = c.post(o + "check-in/", {"deposit": {"amount": "500.00", "payment_method": m["cash"].pk}}, format="json")
    assert (r.status_code, r.json()["status"]) == (200, "checked_in"), r.json()
    folio = c.get(o + "folios/").json()[0]
    f = base + f"folios/{folio['id']}/"
    # Breakfast for two, then the balance by WeChat.
    r = c.post(f + "charges/", {"extra_item": desk["breakfast"].pk, "quantity": 2}, format="json")
    assert (r.status_code, r.json()["folio"]["balance"]) == (201, "544.00")
    r = c.post(f + "payments/", {"amount": "544.00", "payment_method": m["wechat"].pk}, format="json")
    assert r.status_code == 201
    order = c.get(o).json()
    assert (order["total_amount"], order["paid_amount"], order["due_amount"]) == ("1012.00", "1012.00", "0.00")
    folio = c.get(f).json()
    assert (folio["total_charges"], folio["unposted_amount"], folio["posted_balance"], folio["balance"],
            folio["deposit_held"], folio["folio_status"]) == ("76.00", "936.00", "-936.00", "0.00", "500.00", "settled")
    assert [(line["service_date"], line["amount"]) for line in folio["unposted_lines"]] == [
        (day.isoformat(), "468.00"), ((day + timedelta(days=1)).isoformat(), "468.00")]
    printed = c.get(f + "print/?lang=en").content.decode()
    assert "CNY 0.00" in printed and "Not yet posted" in printed and "936.00" in printed
    # A deposit still held: check-out refused, nothing changes.
    r = c.post(o + "check-out/", {}, format="json")
    assert (r.status_code, r.json()["code"], r.json()["extra"]["deposit_held"]) == (409, "folio_deposit_held", "500.00")
    # The deposit goes back, by the method it came in by (cash), all of it by default.
    r = c.post(f + "deposit-returns/", {}, format="json")
    assert (r.status_code, r.json()["transaction"]["amount"], r.json()["transaction"]["payment_method_id"]) == (
        201, "500.00", m["cash"].pk)
    # Leaving the first day: one night charged, the other released, 468.00 owed back.
    r = c.post(o + "check-out/", {}, format="json")
    assert r.status_code == 200, r.json()
    order = r.json()
    assert (order["status"], order["departure"], order["total_amount"], order["paid_amount"], order["due_amount"],
            order["is_completed"]) == ("checked_out", (day + timedelta(days=1)).isoformat(), "544.00", "1012.00", "-468.00",
                                       False)
    folio = c.get(f).json()
    assert (folio["total_charges"], folio["unposted_amount"], folio["balance"], folio["folio_status"],
            folio["closed_at"] is not None) == ("544.00", "0.00", "-468.00", "refunding", True)
    nights = [(t["service_date"], t["amount"], t["business_date"]) for t in folio["transactions"]
              if t["charge_type"] == "room_night"]
    assert nights == [(day.isoformat(), "468.00", day.isoformat())]
    # The refund settles it (a closed folio still takes it).
    r = c.post(f + "refunds/", {"amount": "468.00", "payment_method": m["wechat"].pk, "reason": "left early"}, format="json")
    assert (r.status_code, r.json()["folio"]["balance"], r.json()["folio"]["folio_status"]) == (201, "0.00", "settled")
    order = c.get(o).json()
    assert (order["due_amount"], order["is_completed"]) == ("0.00", True)  # 已完成: checked out, square
    listed = c.get(base + "orders/?is_completed=true").json()["results"]
    assert [row["id"] for row in listed] == [order["id"]]
    # The night audit of D counts the night once, in D's revenue, and posts nothing again.
    outcome = night_audit_run(store=store, trigger=NightAudit.Trigger.API)
    stats = DailyStoreStats.objects.get(store=store, date=day)
    assert (stats.room_revenue, stats.other_revenue, stats.rooms_sold) == (D("468.00"), D("76.00"), 1)
    assert outcome.audit.counts["posted"] == 0
    assert FolioTransaction.objects.filter(folio_id=folio["id"], charge_type="room_night").count() == 1


def test_a_prepayment_short_of_the_rule_leaves_the_booking_pending(desk, store):
    c, base, day, m = desk["client"], desk["base"], desk["day"], desk["methods"]
    body = {"room_type": desk["rt"].pk, "arrival": day.isoformat(), "departure": (day + timedelta(days=1)).isoformat(),
            "guests": [{"full_name": "李雷"}], "payment": {"amount": "100.00", "payment_method": m["alipay"].pk}}
    r = c.post(base + "orders/", body, format="json")
    assert (r.status_code, r.json()["status"], r.json()["paid_amount"], r.json()["due_amount"]) == (
        201, "pending_confirmation", "100.00", "368.00")
    # A store that confirms only on full payment.
    Setting.objects.create(store=store, group="orders", key="prepayment_to_confirm", value="full")
    r = c.post(base + "orders/", {**body, "payment": {"amount": "468.00", "payment_method": m["alipay"].pk}}, format="json")
    assert (r.status_code, r.json()["status"]) == (201, "confirmed")


def test_a_payment_by_an_unknown_method_refuses_the_whole_booking(desk, store):
    c, base, day = desk["client"], desk["base"], desk["day"]
    r = c.post(base + "orders/", {
        "room_type": desk["rt"].pk, "arrival": day.isoformat(), "departure": (day + timedelta(days=1)).isoformat(),
        "guests": [{"full_name": "韩梅梅"}], "payment": {"amount": "100.00", "payment_method": 999999},
    }, format="json")
    assert (r.status_code, r.json()["code"]) == (400, "payment_method_unknown")
    assert not Order.objects.filter(store=store, primary_contact_name="韩梅梅").exists()
