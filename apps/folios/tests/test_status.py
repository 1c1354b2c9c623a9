"""The folio status: a pure function of the totals and the stay's lines not charged yet
(the requirements' 财务状态 diagram mapped onto ledger facts; table in docs/folios.md).
Closed or not is apart: a closed folio shows what its money says."""
from decimal import Decimal

import pytest

from apps.folios import services
from apps.folios.models import Folio, folio_status
from apps.folios.tests.factories import charge, pay, primary_folio
from apps.orders.models import Order
from apps.orders.services import order_cancel
from apps.orders.tests.factories import make_order

D = Decimal
S = Folio.Status

# charges, discounts, payments, refunds, deposits, deposit returns, not yet charged -> status
TABLE = [
    ((0, 0, 0, 0, 0, 0, 0), S.OPEN),              # nothing posted
    ((300, 0, 0, 0, 0, 0, 0), S.OPEN),            # charged, nothing paid (未结账)
    ((0, 0, 0, 0, 200, 0, 0), S.PARTIALLY_PAID),  # deposit received before any charge (收取定金/押金)
    ((300, 0, 0, 0, 200, 0, 0), S.PARTIALLY_PAID),
    ((300, 0, 100, 0, 0, 0, 0), S.PARTIALLY_PAID),
    ((300, 0, 100, 0, 200, 200, 0), S.PARTIALLY_PAID),
    ((300, 0, 300, 0, 0, 0, 0), S.SETTLED),       # paid in full (支付尾款)
    ((300, 100, 200, 0, 0, 0, 0), S.SETTLED),     # discount + payment
    ((300, 0, 500, 200, 0, 0, 0), S.SETTLED),     # overpaid, the difference refunded
    ((300, 0, 300, 0, 200, 0, 0), S.SETTLED),     # settled while a deposit is still held
    ((300, 0, 400, 0, 0, 0, 0), S.REFUNDING),     # overpaid: a refund is due (退款中)
    ((0, 0, 100, 0, 0, 0, 0), S.REFUNDING),       # paid in advance, charges voided
    ((0, 0, 100, 100, 0, 0, 0), S.REFUNDED),      # everything paid came back (已退款)
    ((300, 300, 100, 100, 0, 0, 0), S.REFUNDED),
    ((0, 0, 0, 0, 0, 0, 468), S.OPEN),                # booked, nothing posted or paid
    ((0, 0, 200, 0, 0, 0, 468), S.PARTIALLY_PAID),    # a prepayment short of the stay
    ((0, 0, 468, 0, 0, 0, 468), S.SETTLED),           # prepaid in full before any night is posted
    ((76, 0, 1012, 0, 500, 0, 936), S.SETTLED),       # 王芳: 2 nights not posted, breakfast, paid, deposit apart
    ((544, 0, 1012, 0, 0, 0, 0), S.REFUNDING),        # the same, checked out the first day: 468.00 owed back
    ((300, 0, 0, 0, 0, 0, 300), S.OPEN),
]


@pytest.mark.parametrize(("totals", "expected"), TABLE)
def test_status_table(totals, expected):
    charges, discounts, payments, refunds, deposits, returns, unposted = totals
    assert folio_status(
        charges=D(charges), discounts=D(discounts), payments=D(payments), refunds=D(refunds), deposits=D(deposits),
        deposit_returns=D(returns), unposted=D(unposted),
    ) == expected


def status(folio) -> str:
    folio.refresh_from_db()
    folio.order.refresh_from_db()
    return folio.status


def test_statuses_follow_the_ledger_through_a_stay(order, folio, clerk, manager, methods):
    """The order: two nights at 300.00 not posted yet (600.00 owed from the start)."""
    cash = methods["cash"]
    assert status(folio) == S.OPEN
    services.folio_post_deposit(folio=folio, actor=clerk, amount=D("200"), payment_method=cash)
    assert status(folio) == S.PARTIALLY_PAID
    charge(folio, "300.00")
    assert status(folio) == S.PARTIALLY_PAID
    pay(folio, "950.00")
    assert status(folio) == S.REFUNDING
    services.folio_post_refund(folio=folio, actor=clerk, amount=D("50"), payment_method=cash, reason="change")
    assert (status(folio), folio.amount_due, folio.unposted_amount) == (S.SETTLED, D("0.00"), D("600.00"))
    services.folio_post_deposit_return(folio=folio, actor=clerk, amount=D("200"), payment_method=cash)
    services.folio_check_out_guard(order=order, actor=clerk)
    assert status(folio) == S.SETTLED
    assert folio.closed_at is not None


def test_cancelled_stay_is_refunded(store, rt, clerk, methods):
    """Prepaid 600.00 for two nights, then cancelled free of charge: nothing is owed any
    more, the prepayment is owed back (退款中) until refunded (已退款)."""
    booked = make_order(store, room_type=rt, status=Order.Status.CONFIRMED)
    folio = primary_folio(booked)
    pay(folio, "600.00")
    assert status(folio) == S.SETTLED
    order_cancel(order=booked, actor=clerk, reason="Plans changed")
    assert (status(folio), folio.amount_due) == (S.REFUNDING, D("-600.00"))
    services.folio_post_refund(folio=folio, actor=clerk, amount=D("600"), payment_method=methods["cash"], reason="Cancelled")
    assert (status(folio), folio.amount_due) == (S.REFUNDED, D("0.00"))
