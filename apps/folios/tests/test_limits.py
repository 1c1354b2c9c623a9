"""Limits before overflow (``apps.common.money``): a posting above one posting's maximum, a
posting or a move that would take a folio's total past its maximum, a payment that would
take the order's paid amount past its maximum are refused with a stable code (400) before
PostgreSQL would answer "numeric field overflow" (a 500), and nothing is posted."""
from decimal import Decimal

import pytest

from apps.common.money import MAX_FOLIO_TOTAL, MAX_ORDER_TOTAL, MAX_POSTING
from apps.folios import services
from apps.folios.models import Folio, FolioTransaction
from apps.folios.tests.factories import charge, pay
from apps.orders.models import Order
from tests.errors import error_json

D = Decimal


@pytest.fixture
def api_clerk(api):
    return api("alpha", "clerk_a1", language="en")


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def _fill(folio, post, n: int = 10) -> None:
    """``n`` postings of the largest amount one posting may carry (10: 999,999,999.90)."""
    for _ in range(n):
        post(folio, str(MAX_POSTING))


def test_the_maximums_keep_sums_inside_the_columns():
    assert (MAX_POSTING, MAX_FOLIO_TOTAL, MAX_ORDER_TOTAL) == (D("99999999.99"), D("999999999.99"), D("999999999.99"))
    column = D("9999999999.99")  # DECIMAL(12,2)
    assert 2 * MAX_FOLIO_TOTAL < column  # a balance: charges + refunds, or -(discounts + payments)
    assert 2 * MAX_ORDER_TOTAL < column  # due = total - paid
    assert Order._meta.get_field("paid_amount").max_digits == Folio._meta.get_field("balance").max_digits == 12


def test_a_posting_above_the_maximum_is_400_amount_too_large(api_clerk, store, order, folio, methods):
    response = api_clerk.post(url(store, f"folios/{folio.pk}/payments/"),
                              {"amount": "100000000.00", "payment_method": methods["cash"].pk}, format="json")
    assert response.status_code == 400
    assert error_json(response) == {
        "detail": "One posting is at most 99999999.99.", "code": "amount_too_large",
        "extra": {"fields": {"amount": ["One posting is at most 99999999.99."]}, "limit": "99999999.99"},
    }
    # a charge's amount is its quantity times its unit price
    response = api_clerk.post(url(store, f"folios/{folio.pk}/charges/"),
                              {"description": "Gold", "unit_price": "50000000.00", "quantity": 2}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "amount_too_large")
    assert not FolioTransaction.objects.filter(folio=folio).exists()
    order.refresh_from_db()
    assert (order.paid_amount, order.total_amount) == (D("0.00"), D("600.00"))


def test_a_charge_past_the_folio_limit_is_400_folio_limit_exceeded(api_clerk, store, folio):
    _fill(folio, charge)
    post = lambda amount: api_clerk.post(url(store, f"folios/{folio.pk}/charges/"),  # noqa: E731
                                         {"description": "Minibar", "unit_price": amount}, format="json")
    response = post("0.09")  # up to the limit exactly
    assert (response.status_code, response.json()["folio"]["total_charges"]) == (201, "999999999.99")

    response = post("0.01")

    assert response.status_code == 400
    assert error_json(response) == {
        "detail": "A folio's total is at most 999999999.99: this folio holds 999999999.99; settle it and open another folio.",
        "code": "folio_limit_exceeded",
        "extra": {"folio_id": folio.pk, "total": "charges", "current": "999999999.99", "amount": "0.01",
                  "limit": "999999999.99"},
    }
    folio.refresh_from_db()
    assert folio.total_charges == folio.balance == D("999999999.99")
    assert FolioTransaction.objects.filter(folio=folio).count() == 11


def test_a_deposit_past_the_folio_limit_is_refused(api_clerk, store, folio, methods):
    _fill(folio, lambda f, amount: services.folio_post_deposit(
        folio=f, actor=None, amount=D(amount), payment_method=methods["cash"]))
    response = api_clerk.post(url(store, f"folios/{folio.pk}/deposits/"),
                              {"amount": "0.10", "payment_method": methods["cash"].pk}, format="json")
    assert (response.status_code, response.json()["code"], response.json()["extra"]["total"]) == (
        400, "folio_limit_exceeded", "deposits")
    folio.refresh_from_db()
    assert folio.total_deposits == D("999999999.90")


def test_a_payment_past_the_orders_paid_limit_is_400_order_limit_exceeded(api_clerk, store, order, folio, methods):
    _fill(folio, pay)  # the order is paid 999,999,999.90 on its primary folio
    second = services.folio_open(order=order, actor=None, name="Company")

    response = api_clerk.post(url(store, f"folios/{second.pk}/payments/"),
                              {"amount": "0.10", "payment_method": methods["cash"].pk}, format="json")

    assert response.status_code == 400
    assert error_json(response) == {
        "detail": "An order's total and what it is paid are each at most 999999999.99; this would come to 1000000000.00.",
        "code": "order_limit_exceeded", "extra": {"limit": "999999999.99", "paid_amount": "1000000000.00"},
    }
    order.refresh_from_db()
    assert (order.paid_amount, order.due_amount) == (D("999999999.90"), D("-999999399.90"))
    assert not FolioTransaction.objects.filter(folio=second).exists()


def test_a_move_into_a_full_folio_is_refused(api_clerk, store, order, folio):
    second = services.folio_open(order=order, actor=None, name="Company")
    _fill(second, charge)
    # a discount keeps the order's charged amount under its own maximum: the folio's is the one hit
    services.folio_post_discount(folio=second, actor=None, amount=D("1.00"), reason="rounding")
    tx = charge(folio, "0.10")

    response = api_clerk.post(url(store, f"folios/{folio.pk}/transactions/{tx.pk}/move/"),
                              {"target_folio": second.pk, "reason": "company pays"}, format="json")

    assert (response.status_code, response.json()["code"], response.json()["extra"]["folio_id"]) == (
        400, "folio_limit_exceeded", second.pk)
    assert not FolioTransaction.objects.filter(reverses=tx).exists()
    assert not FolioTransaction.objects.filter(transfer_of=tx).exists()


def test_the_limit_errors_speak_chinese_by_default(api, store, folio, methods):
    client = api("alpha", "clerk_a1")
    response = client.post(url(store, f"folios/{folio.pk}/payments/"),
                           {"amount": "100000000.00", "payment_method": methods["cash"].pk}, format="json")
    assert (response.status_code, response.json()["detail"]) == (400, "单笔入账最多 99999999.99。")
