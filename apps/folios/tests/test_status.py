"""The folio status: a pure function of the totals and whether the folio is closed (the
requirements' 财务状态 diagram mapped onto ledger facts; table in docs/folios.md)."""
from decimal import Decimal

import pytest

from apps.folios import services
from apps.folios.models import Folio, folio_status
from apps.folios.tests.factories import charge, pay

D = Decimal
S = Folio.Status

# charges, discounts, payments, refunds, deposits, deposit returns, closed -> status
TABLE = [
    ((0, 0, 0, 0, 0, 0, False), S.OPEN),              # nothing posted
    ((300, 0, 0, 0, 0, 0, False), S.OPEN),            # charged, nothing paid (未结账)
    ((0, 0, 0, 0, 200, 0, False), S.PARTIALLY_PAID),  # deposit received before any charge (收取定金/押金)
    ((300, 0, 0, 0, 200, 0, False), S.PARTIALLY_PAID),
    ((300, 0, 100, 0, 0, 0, False), S.PARTIALLY_PAID),
    ((300, 0, 100, 0, 200, 200, False), S.PARTIALLY_PAID),
    ((300, 0, 300, 0, 0, 0, False), S.SETTLED),       # paid in full (支付尾款)
    ((300, 100, 200, 0, 0, 0, False), S.SETTLED),     # discount + payment
    ((300, 0, 500, 200, 0, 0, False), S.SETTLED),     # overpaid, the difference refunded
    ((300, 0, 300, 0, 200, 0, False), S.SETTLED),     # settled while a deposit is still held
    ((300, 0, 400, 0, 0, 0, False), S.REFUNDING),     # overpaid: a refund is due (退款中)
    ((0, 0, 100, 0, 0, 0, False), S.REFUNDING),       # paid in advance, charges voided
    ((0, 0, 100, 100, 0, 0, False), S.REFUNDED),      # everything paid came back (已退款)
    ((300, 300, 100, 100, 0, 0, False), S.REFUNDED),
    ((300, 0, 0, 0, 0, 0, True), S.CLOSED),           # checked out (with a manager's override)
    ((300, 0, 300, 0, 0, 0, True), S.CLOSED),
]


@pytest.mark.parametrize(("totals", "expected"), TABLE)
def test_status_table(totals, expected):
    charges, discounts, payments, refunds, deposits, returns, closed = totals
    assert folio_status(
        charges=D(charges), discounts=D(discounts), payments=D(payments), refunds=D(refunds), deposits=D(deposits),
        deposit_returns=D(returns), closed=closed,
    ) == expected


def status(folio) -> str:
    folio.refresh_from_db()
    return folio.status


def test_statuses_follow_the_ledger_through_a_stay(order, folio, clerk, manager, methods):
    cash = methods["cash"]
    assert status(folio) == S.OPEN
    services.folio_post_deposit(folio=folio, actor=clerk, amount=D("200"), payment_method=cash)
    assert status(folio) == S.PARTIALLY_PAID
    charge(folio, "300.00")
    assert status(folio) == S.PARTIALLY_PAID
    pay(folio, "350.00")
    assert status(folio) == S.REFUNDING
    services.folio_post_refund(folio=folio, actor=clerk, amount=D("50"), payment_method=cash, reason="change")
    assert status(folio) == S.SETTLED
    services.folio_post_deposit_return(folio=folio, actor=clerk, amount=D("200"), payment_method=cash)
    services.folio_check_out_guard(order=order, actor=clerk)
    assert status(folio) == S.CLOSED


def test_cancelled_stay_is_refunded(order, folio, clerk, methods):
    tx = charge(folio, "300.00")
    pay(folio, "300.00")
    services.folio_transaction_void(tx=tx, actor=clerk, reason="Cancelled, free of charge")
    assert status(folio) == S.REFUNDING
    services.folio_post_refund(folio=folio, actor=clerk, amount=D("300"), payment_method=methods["cash"], reason="Cancelled")
    assert status(folio) == S.REFUNDED
