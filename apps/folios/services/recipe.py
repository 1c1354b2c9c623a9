"""The steps every posting repeats: the amount and the reason checked, the order and then the
folio locked, the folio open, the ledger row inserted last (dated under the store's audit
gate), the order's paid amount brought in step."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.common.money import quantize
from apps.folios.error_codes import FolioErrorCode as Code
from apps.folios.models import Folio, FolioTransaction, PaymentMethod
from apps.folios.selectors import folio_order_money
from apps.orders.models import Order
from apps.orders.services import order_money_set, orders_lock
from apps.tenancy.business_day import posting_business_date

logger = logging.getLogger(__name__)


Type = FolioTransaction.Type


PostsTo = FolioTransaction.PostsTo


ChargeType = FolioTransaction.ChargeType


ZERO = Decimal("0.00")


# The largest amount one posting may carry: the order's paid column is DECIMAL(10,2).
MAX_AMOUNT = Decimal("99999999.99")


# Order states whose folios are closed (and take no new folio).
ORDER_CLOSED_STATES = frozenset({Order.Status.CHECKED_OUT})


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _invalid(code: str, message: str, field: str) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {field: [message]}})


def _amount(value: Decimal | int | str, currency: str, field: str = "amount") -> Decimal:
    """The amount rounded to the currency's minor unit (``apps.common.money.quantize``, the
    only rounding), refused unless it is above zero and fits the order's columns."""
    try:
        amount = quantize(Decimal(value), currency)
    except (ArithmeticError, TypeError, ValueError):
        raise _invalid(Code.AMOUNT_INVALID, _("Enter an amount."), field) from None
    if amount <= 0 or amount > MAX_AMOUNT:
        raise _invalid(Code.AMOUNT_INVALID, _("The amount must be above zero and at most %(max)s.") % {"max": MAX_AMOUNT}, field)
    return amount


def _reason(reason: str | None, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(Code.REASON_REQUIRED, _("Say why."), field)
    return reason


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _lock_folios(folio_ids: Iterable[int]) -> dict[int, Folio]:
    rows = Folio.objects.select_for_update().filter(pk__in=set(folio_ids)).order_by("pk")
    return {folio.pk: folio for folio in rows}


def _lock_one(folio: Folio) -> Folio:
    """Lock the folio's order, then the folio; the fresh folio, its order attached."""
    order = orders_lock(order_ids=[folio.order_id])[folio.order_id]
    locked = _lock_folios([folio.pk])[folio.pk]
    locked.order = order
    return locked


def _check_open(folio: Folio) -> None:
    if folio.closed_at is not None:
        raise DomainError(
            Code.FOLIO_CLOSED, _("This folio is closed: the guest has checked out."),
            extra={"folio_id": folio.pk, "closed_at": folio.closed_at.isoformat()},
        )


def _check_method(folio: Folio, method: PaymentMethod) -> None:
    if method is None or method.store_id != folio.store_id:
        raise _invalid(Code.PAYMENT_METHOD_UNKNOWN, _("Unknown payment method."), "payment_method")
    if not method.is_active:
        raise _invalid(Code.PAYMENT_METHOD_INACTIVE, _("This payment method is switched off."), "payment_method")


def _insert(folio: Folio, transaction_type: str, amount: Decimal, *, actor, **fields: Any) -> FolioTransaction:
    """Insert one ledger row, dated with the store's business date. Called last in a
    posting, after every row lock (``posting_business_date`` takes the audit gate)."""

    posts_to = fields.pop("posts_to", None) or FolioTransaction.KIND_POSTS_TO[transaction_type]
    return FolioTransaction.objects.create(
        folio=folio, store_id=folio.store_id, currency=folio.currency, transaction_type=transaction_type,
        posts_to=posts_to, amount=amount, actor=_user(actor), business_date=posting_business_date(store_id=folio.store_id),
        **fields,
    )


def order_money_sync(*, order_ids: Iterable[int]) -> None:
    """Bring the orders' money in step with their folios: ``charged_amount`` (charges less
    discounts), ``paid_amount`` (payments less refunds; deposits are held money, not
    payment), and with them the total (charged plus the lines not yet charged) and what is
    due. Recomputed from the folios rather than incremented, so it cannot drift. Folios
    decide the amounts, orders write their own columns (``order_money_set``). The caller
    holds the orders' row locks. Two statements."""
    ids = sorted(set(order_ids))
    if ids:
        order_money_set(money=folio_order_money(order_ids=ids))


def _after_commit(event: str, **fields: Any) -> None:
    transaction.on_commit(lambda: logger.info(event, extra=fields))
