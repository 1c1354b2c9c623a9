"""The desk's cancellation and no-show (``stay_cancel`` / ``stay_no_show``, their API endpoints
and pages): the fee of the order's terms is charged to its primary folio in the transaction
of the transition and recorded on the event; a fee of 0 posts nothing; a refusal of either
half leaves everything as it was."""
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from apps.common.errors import DomainError
from apps.folios.models import Folio, FolioTransaction
from apps.folios.tests.factories import pay, primary_folio
from apps.frontdesk.services import stay_cancel, stay_no_show
from apps.orders import services as order_services
from apps.orders.models import Order, OrderEvent
from apps.orders.tests.factories import make_order
from apps.rooms.models import RoomTypeNight

S = Order.Status
SH = ZoneInfo("Asia/Shanghai")


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def ledger(order):
    return list(
        FolioTransaction.objects.filter(folio__order=order)
        .values_list("transaction_type", "charge_type", "amount", "description", "folio__is_primary")
    )


def held(rt):
    return list(RoomTypeNight.objects.filter(room_type=rt).order_by("night").values_list("night", "held"))


@pytest.fixture
def en():
    with translation.override("en"):
        yield


def test_a_late_cancellation_charges_the_first_night_to_the_primary_folio(store, rt, today, clerk, en):
    order = make_order(store, room_type=rt, arrival=today, nights=2)  # the free window closed yesterday at 14:00
    order = stay_cancel(order=order, actor=clerk, reason="guest changed plans")
    assert (order.status, order.fee) == (S.CANCELLED, Decimal("300.00"))
    assert ledger(order) == [("charge", "manual", Decimal("300.00"), f"取消费 {order.code}", True)]  # stored in the site's language
    folio = Folio.objects.get(order=order)
    tx = FolioTransaction.objects.get(folio=folio)
    assert (folio.balance, tx.actor_id) == (Decimal("300.00"), clerk.pk)
    event = OrderEvent.objects.get(order=order, kind="cancelled")
    assert event.data["fee"] == {
        "kind": "cancel", "amount": "300.00", "currency": "CNY", "rule": "first_night",
        "free_until": datetime.combine(today - timedelta(days=1), time(14, 0), tzinfo=SH).isoformat(),
        "transaction_id": tx.pk, "folio_id": folio.pk,
    }
    assert event.data["reason"] == "guest changed plans"
    order.refresh_from_db()
    # the stay is called off: the order owes its fee, not its nights (docs/folios.md, "Money truth")
    assert (order.total_amount, order.paid_amount, order.due_amount) == (Decimal("300.00"), Decimal("0.00"), Decimal("300.00"))


def test_a_cancellation_inside_the_free_window_posts_nothing(store, rt, today, clerk):
    order = make_order(store, room_type=rt, arrival=today + timedelta(days=5), nights=2)
    order = stay_cancel(order=order, actor=clerk, reason="guest changed plans")
    assert (order.status, order.fee) == (S.CANCELLED, Decimal("0.00"))
    assert ledger(order) == [] and not Folio.objects.filter(order=order).exists()
    fee = OrderEvent.objects.get(order=order, kind="cancelled").data["fee"]
    assert (fee["amount"], fee["rule"], fee["transaction_id"]) == ("0.00", "free_window", None)


def test_cancelling_an_order_never_confirmed_is_free(store, rt, today, clerk):
    order = make_order(store, room_type=rt, arrival=today, status=S.PENDING_CONFIRMATION)
    order = stay_cancel(order=order, actor=clerk, reason="no deposit")
    assert (order.status, order.fee, ledger(order)) == (S.CANCELLED, Decimal("0.00"), [])
    assert OrderEvent.objects.get(order=order, kind="cancelled").data["fee"]["rule"] == "not_confirmed"


def test_a_no_show_charges_the_fee_of_the_terms_the_order_was_booked_with(store, rt, today, clerk, manager, en):
    first_night = make_order(store, room_type=rt, arrival=today, nights=2)
    order_services.cancellation_policy_update(store=store, actor=manager, no_show_fee="all_nights")
    all_nights = make_order(store, room_type=rt, arrival=today, nights=2)
    first_night = stay_no_show(order=first_night, actor=clerk)
    all_nights = stay_no_show(order=all_nights, actor=clerk)
    assert (first_night.status, first_night.fee) == (S.NO_SHOW, Decimal("300.00"))
    assert ledger(first_night) == [("charge", "manual", Decimal("300.00"), f"未到店费 {first_night.code}", True)]
    assert ledger(all_nights) == [("charge", "manual", Decimal("600.00"), f"未到店费 {all_nights.code}", True)]
    fee = OrderEvent.objects.get(order=all_nights, kind="no_show").data["fee"]
    assert (fee["kind"], fee["amount"], fee["rule"], fee["free_until"]) == ("no_show", "600.00", "all_nights", None)


def test_a_refused_fee_leaves_the_order_as_it_was(store, rt, today, clerk):
    order = make_order(store, room_type=rt, arrival=today, nights=2)
    folio = primary_folio(order)
    Folio.objects.filter(pk=folio.pk).update(closed_at=datetime(2026, 1, 1, tzinfo=SH))  # a folio that takes no charge
    before = held(rt)
    with pytest.raises(DomainError) as err:
        stay_cancel(order=order, actor=clerk, reason="guest changed plans")
    assert err.value.code == "folio_closed"
    order.refresh_from_db()
    assert (order.status, order.cancelled_at, order.version) == (S.CONFIRMED, None, 2)
    assert held(rt) == before and ledger(order) == []
    assert not OrderEvent.objects.filter(order=order, kind="cancelled").exists()


def test_a_refused_cancellation_charges_nothing(store, rt, today, clerk):
    order = make_order(store, room_type=rt, arrival=today, nights=2)
    with pytest.raises(DomainError) as err:
        stay_cancel(order=order, actor=clerk, reason="  ")
    assert err.value.code == "cancellation_reason_required"
    with pytest.raises(DomainError) as err:
        stay_no_show(order=make_order(store, room_type=rt, arrival=today + timedelta(days=1)), actor=clerk)
    assert err.value.code == "too_early_for_no_show"
    assert not FolioTransaction.objects.filter(folio__order__store=store).exists()
    assert not Folio.objects.filter(order__store=store).exists()


# --- the API (same URLs as before) ---------------------------------------------------------------------


def test_cancel_and_no_show_endpoints_charge_the_fee(api, store, rt, today):
    clerk = api("alpha", "clerk_a1")
    a = make_order(store, room_type=rt, arrival=today, nights=2)
    b = make_order(store, room_type=rt, arrival=today, nights=1)
    assert clerk.post(url(store, f"orders/{a.pk}/cancel/"), {}, format="json").json()["code"] == "invalid"
    body = clerk.post(url(store, f"orders/{a.pk}/cancel/"), {"reason": "guest called"}, format="json").json()
    assert (body["status"], body["cancellation_reason"]) == ("cancelled", "guest called")
    assert body["events"][-1]["data"]["fee"]["amount"] == "300.00"
    assert clerk.post(url(store, f"orders/{b.pk}/no-show/")).json()["status"] == "no_show"
    assert [row[2] for row in ledger(a)] == [Decimal("300.00")] and [row[2] for row in ledger(b)] == [Decimal("300.00")]
    # the bill shows it
    folio = clerk.get(url(store, f"orders/{a.pk}/folios/")).json()
    assert [f["balance"] for f in (folio["results"] if isinstance(folio, dict) else folio)] == ["300.00"]


def test_cancel_of_another_stores_order_is_404_and_changes_nothing(api, store, store2, rt, today):
    order = make_order(store, room_type=rt, arrival=today)
    response = api("alpha", "clerk_a2").post(url(store2, f"orders/{order.pk}/cancel/"), {"reason": "x"}, format="json")
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == S.CONFIRMED and ledger(order) == []


# --- the back office --------------------------------------------------------------------------------


@pytest.fixture
def desk(browser_login):
    return browser_login("alpha", "clerk_a1")


def test_the_order_page_shows_the_terms_and_the_fee_before_confirming(desk, store, rt, today):
    order = make_order(store, room_type=rt, arrival=today, nights=2)
    page = desk.get(f"/t/alpha/s/{store.pk}/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Free cancellation until 24 hours before check-in (14:00) on the arrival day; after that: the first night." in page
    assert "Cancelling now charges a fee of 300.00 to the folio." in page
    assert "A no-show fee of 300.00 will be charged to the folio." in page
    zh = desk.get(f"/t/alpha/s/{store.pk}/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "现在取消将向账单收取 300.00。" in zh
    later = make_order(store, room_type=rt, arrival=today + timedelta(days=5), nights=1)
    page = desk.get(f"/t/alpha/s/{store.pk}/orders/{later.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    until = (today + timedelta(days=4)).isoformat()
    assert f"Cancelling now is free (free until {until} 14:00)." in page


def test_the_cancel_page_action_charges_the_fee_and_says_so(desk, store, rt, today):
    order = make_order(store, room_type=rt, arrival=today, nights=2)
    response = desk.post(f"/t/alpha/s/{store.pk}/orders/{order.pk}/cancel/", {"reason": "客人改期"},
                         HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"ok": True, "detail": f"Order {order.code}: Cancelled. A fee of 300.00 is charged to the folio."}
    assert [row[2] for row in ledger(order)] == [Decimal("300.00")]
    refused = desk.post(f"/t/alpha/s/{store.pk}/orders/{order.pk}/no-show/", HTTP_ACCEPT="application/json")
    assert (refused.status_code, refused.json()["code"]) == (409, "illegal_transition")


def test_a_prepayment_beyond_the_fee_becomes_refundable_and_the_due_is_the_fee(store, rt, today, clerk):
    """Both nights prepaid (600.00), cancelled late: the first night is the fee; the order
    owes 300.00 and has paid 600.00, so 300.00 is owed back (退款中) until refunded."""
    order = make_order(store, room_type=rt, arrival=today, nights=2)
    folio = primary_folio(order)
    pay(folio, "600.00")
    order = stay_cancel(order=order, actor=clerk, reason="guest changed plans")
    folio.refresh_from_db()
    folio.order.refresh_from_db()
    assert (order.total_amount, order.paid_amount, order.due_amount) == (
        Decimal("300.00"), Decimal("600.00"), Decimal("-300.00"))
    assert (folio.status, folio.amount_due, folio.unposted_amount) == (Folio.Status.REFUNDING, Decimal("-300.00"), Decimal("0"))


def test_a_no_show_owes_its_fee_and_nothing_of_its_nights(store, rt, today, clerk):
    order = make_order(store, room_type=rt, arrival=today, nights=3)
    order = stay_no_show(order=order, actor=clerk)
    order.refresh_from_db()
    assert (order.status, order.total_amount, order.due_amount) == (S.NO_SHOW, Decimal("300.00"), Decimal("300.00"))
