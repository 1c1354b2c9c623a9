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

from apps.common import metrics
from apps.common.errors import DomainError, DomainValidationError
from apps.common.money import MAX_FOLIO_TOTAL, MAX_POSTING, quantize
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


# Order states whose folios are closed (and take no new folio).
ORDER_CLOSED_STATES = frozenset({Order.Status.CHECKED_OUT})


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _invalid(code: str, message: str, field: str) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {field: [message]}})


def _amount(value: Decimal | int | str, currency: str, field: str = "amount") -> Decimal:
    """The amount rounded to the currency's minor unit (``apps.common.money.quantize``, the
    only rounding), refused unless it is above zero (``amount_invalid``) and at most one
    posting's maximum (``amount_too_large``, ``apps.common.money.MAX_POSTING``)."""
    try:
        amount = quantize(Decimal(value), currency)
    except (ArithmeticError, TypeError, ValueError):
        raise _invalid(Code.AMOUNT_INVALID, _("Enter an amount."), field) from None
    if amount <= 0:
        raise _invalid(Code.AMOUNT_INVALID, _("The amount must be above zero."), field)
    if amount > MAX_POSTING:
        message = _("One posting is at most %(max)s.") % {"max": MAX_POSTING}
        raise DomainValidationError(
            Code.AMOUNT_TOO_LARGE, message, extra={"fields": {field: [message]}, "limit": str(MAX_POSTING)},
        )
    return amount


def _reason(reason: str | None, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _invalid(Code.REASON_REQUIRED, _("Say why."), field)
    return reason


def _money(value: Decimal) -> str:
    return str(quantize(value))


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


def _check_method(folio: Folio, method: PaymentMethod, *, member_service: bool = False) -> None:
    if method is None or method.store_id != folio.store_id:
        raise _invalid(Code.PAYMENT_METHOD_UNKNOWN, _("Unknown payment method."), "payment_method")
    if method.method_type in PaymentMethod.MEMBER_TYPES and not member_service:
        raise _members_only()
    if not method.is_active:
        raise _invalid(Code.PAYMENT_METHOD_INACTIVE, _("This payment method is switched off."), "payment_method")


def _members_only() -> DomainValidationError:
    """Stored value and points move the member's own ledger too: only apps.members' services
    post, refund or void them (``payment_method_members_only``)."""
    return _invalid(
        Code.PAYMENT_METHOD_MEMBERS_ONLY, _("Stored value and points are taken and given back on the member's page."),
        "payment_method",
    )


def _folio_limit_refusal(folio: Folio, posts_to: str, amount: Decimal) -> DomainError | None:
    """The refusal of adding ``amount`` to the folio's total ``posts_to`` if that total would
    pass ``MAX_FOLIO_TOTAL`` (``folio_limit_exceeded``, 400), else None. Each total within
    it keeps the balance and every total inside the DECIMAL(12,2) columns."""
    current = getattr(folio, f"total_{posts_to}")
    if amount <= 0 or current + amount <= MAX_FOLIO_TOTAL:
        return None
    return DomainError(
        Code.FOLIO_LIMIT_EXCEEDED,
        _("A folio's total is at most %(max)s: this folio holds %(current)s; settle it and open another folio.")
        % {"max": MAX_FOLIO_TOTAL, "current": _money(current)},
        extra={"folio_id": folio.pk, "total": posts_to, "current": _money(current), "amount": _money(amount),
               "limit": str(MAX_FOLIO_TOTAL)},
        status=400,
    )


def _insert(folio: Folio, transaction_type: str, amount: Decimal, *, actor, **fields: Any) -> FolioTransaction:
    """Insert one ledger row, dated with the store's business date. Called last in a
    posting, after every row lock (``posting_business_date`` takes the audit gate). ``folio``
    is the locked, freshly read row: a row that would take one of its totals past
    ``MAX_FOLIO_TOTAL`` is refused here, the one place every posting goes through."""

    posts_to = fields.pop("posts_to", None) or FolioTransaction.KIND_POSTS_TO[transaction_type]
    refusal = _folio_limit_refusal(folio, posts_to, amount)
    if refusal is not None:
        raise refusal
    metrics.folio_posted_on_commit(kind=transaction_type)
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
