"""Corrections of posted rows, never an UPDATE: a void is a reversing row, a move a pair of
transfer rows; a row is taken back at most once."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.folios.error_codes import FolioErrorCode as Code
from apps.folios.models import Folio, FolioTransaction, PaymentMethod
from apps.folios.services.recipe import (
    ChargeType,
    PostsTo,
    Type,
    _after_commit,
    _check_open,
    _insert,
    _invalid,
    _lock_folios,
    _members_only,
    _money,
    _reason,
    order_money_sync,
)
from apps.orders.models import Order
from apps.orders.selectors import order_item_get
from apps.orders.services import order_extra_remove, orders_lock


def _taken_back(original: FolioTransaction) -> None:
    """Refuse a row that cannot be taken back (again)."""
    if original.transaction_type in FolioTransaction.TAKE_BACKS:
        raise DomainError(
            Code.NOT_VOIDABLE, _("A void or a move cannot itself be voided or moved."),
            extra={"transaction_id": original.pk, "transaction_type": original.transaction_type},
        )
    earlier = FolioTransaction.objects.filter(reverses_id=original.pk).values_list("pk", "transaction_type").first()
    if earlier is not None:
        if earlier[1] == Type.REVERSAL:
            raise DomainError(Code.ALREADY_VOIDED, _("This transaction has already been voided."), extra={"voided_by": earlier[0]})
        raise DomainError(Code.ALREADY_MOVED, _("This transaction has already been moved."), extra={"moved_by": earlier[0]})


def _check_take_back(folio: Folio, posts_to: str, amount: Decimal) -> None:
    """Taking ``amount`` off ``posts_to`` must keep the folio's totals valid."""
    if posts_to == PostsTo.PAYMENTS and folio.total_payments - amount < folio.total_refunds:
        raise DomainError(
            Code.PAYMENT_ALREADY_REFUNDED, _("This payment has been refunded; void or move the refund first."),
            extra={"refunds": _money(folio.total_refunds)},
        )
    if posts_to == PostsTo.DEPOSITS and folio.total_deposits - amount < folio.total_deposit_returns:
        raise DomainError(
            Code.DEPOSIT_ALREADY_RETURNED, _("This deposit has been returned; void the return first."),
            extra={"deposit_returns": _money(folio.total_deposit_returns)},
        )
    if posts_to == PostsTo.CHARGES and folio.total_charges - amount < folio.total_discounts:
        raise DomainError(
            Code.CHARGE_ALREADY_DISCOUNTED, _("The discounts would exceed the charges; void a discount first."),
            extra={"discounts": _money(folio.total_discounts)},
        )


def _check_add(folio: Folio, posts_to: str, amount: Decimal) -> None:
    """Adding ``amount`` to ``posts_to`` (a move in) must keep the folio's totals valid."""
    if posts_to == PostsTo.REFUNDS and folio.total_refunds + amount > folio.total_payments:
        raise DomainError(
            Code.REFUND_EXCEEDS_PAID, _("The target folio has not been paid that much."),
            extra={"refundable": _money(folio.total_payments - folio.total_refunds)},
        )
    if posts_to == PostsTo.DEPOSIT_RETURNS and folio.total_deposit_returns + amount > folio.total_deposits:
        raise DomainError(
            Code.DEPOSIT_RETURN_EXCEEDS_HELD, _("The target folio does not hold that much deposit."),
            extra={"deposit_held": _money(folio.total_deposits - folio.total_deposit_returns)},
        )
    if posts_to == PostsTo.DISCOUNTS and folio.total_discounts + amount > folio.total_charges:
        raise DomainError(
            Code.DISCOUNT_EXCEEDS_CHARGES, _("The target folio's charges are below this discount."),
            extra={"discountable": _money(folio.total_charges - folio.total_discounts)},
        )


def _copy(original: FolioTransaction) -> dict[str, Any]:
    """What a correction repeats of the row it corrects (for reading the ledger and reports)."""
    return {
        "posts_to": original.posts_to, "charge_type": original.charge_type, "quantity": original.quantity,
        "unit_price": original.unit_price, "description": original.description, "service_date": original.service_date,
        "payment_method_id": original.payment_method_id, "gateway_txn_id": original.gateway_txn_id,
        "extra_item_id": original.extra_item_id, "order_item_id": original.order_item_id,
    }


@transaction.atomic
def folio_transaction_void(*, tx: FolioTransaction, actor, reason: str, member_service: bool = False) -> FolioTransaction:
    """Void a posted row: a ``reversal`` row of the opposite amount on the same folio, with
    who, when and why. A row is taken back at most once (UNIQUE ``reverses``). Voiding an
    extra also drops its line from the order (while the order is open). A stored-value or
    points payment is voided by apps.members (``member_service``), which gives the member
    the value back in the same transaction."""
    reason = _reason(reason)
    original = FolioTransaction.objects.select_related("folio", "payment_method").get(pk=tx.pk)
    if original.payment_method is not None and original.payment_method.method_type in PaymentMethod.MEMBER_TYPES \
            and not member_service:
        raise _members_only()
    item_order_id = None
    if original.charge_type == ChargeType.EXTRA and original.order_item_id:
        item = order_item_get(item_id=original.order_item_id)
        item_order_id = item.order_id if item is not None else None
    orders = orders_lock(order_ids=[original.folio.order_id, *([item_order_id] if item_order_id else [])])
    folio = _lock_folios([original.folio_id])[original.folio_id]
    _check_open(folio)
    _taken_back(original)
    _check_take_back(folio, original.posts_to, original.amount)
    reversal = _insert(
        folio, Type.REVERSAL, -original.amount, actor=actor, reverses=original, reason=reason, **_copy(original),
    )
    if item_order_id and orders[item_order_id].status in Order.ACTIVE:

        order_extra_remove(order=orders[item_order_id], actor=actor, item_id=original.order_item_id, voided_on_folio=True)
    if original.posts_to in FolioTransaction.ORDER_TOTALS:
        order_money_sync(order_ids=[folio.order_id, *([item_order_id] if item_order_id else [])])
    _after_commit("folio.voided", folio_id=folio.pk, transaction_id=original.pk, reversal_id=reversal.pk)
    return reversal


@dataclass(frozen=True)
class Move:
    transfer_out: FolioTransaction
    transfer_in: FolioTransaction


@transaction.atomic
def folio_transaction_move(*, tx: FolioTransaction, target: Folio, actor, reason: str) -> Move:
    """Move a posted row to another folio of the store (another room's, a company's): a
    ``transfer_out`` on its folio and a ``transfer_in`` on the target, both referencing the
    row, with who, when and why. A row is moved (or voided) at most once; a moved row is
    voided or moved on as its ``transfer_in``. An extra's order line stays on its order."""
    reason = _reason(reason)
    original = FolioTransaction.objects.select_related("folio").get(pk=tx.pk)
    source = original.folio
    if target.pk == source.pk or target.store_id != source.store_id:
        raise _invalid(Code.MOVE_TARGET_INVALID, _("Choose another folio of this store."), "target_folio")
    orders_lock(order_ids=[source.order_id, target.order_id])
    folios = _lock_folios([source.pk, target.pk])
    source, target = folios[source.pk], folios[target.pk]
    _check_open(source)
    _check_open(target)
    if source.currency != target.currency:
        raise _invalid(Code.CURRENCY_MISMATCH, _("The target folio is in another currency."), "target_folio")
    if original.transaction_type in FolioTransaction.TAKE_BACKS:
        raise DomainError(
            Code.NOT_MOVABLE, _("A void or a move cannot itself be voided or moved."),
            extra={"transaction_id": original.pk, "transaction_type": original.transaction_type},
        )
    _taken_back(original)
    _check_take_back(source, original.posts_to, original.amount)
    _check_add(target, original.posts_to, original.amount)
    fields = _copy(original)
    out = _insert(source, Type.TRANSFER_OUT, -original.amount, actor=actor, reverses=original, reason=reason, **fields)
    into = _insert(target, Type.TRANSFER_IN, original.amount, actor=actor, transfer_of=original, reason=reason, **fields)
    if original.posts_to in FolioTransaction.ORDER_TOTALS:
        order_money_sync(order_ids=[source.order_id, target.order_id])
    _after_commit("folio.moved", folio_id=source.pk, target_folio_id=target.pk, transaction_id=original.pk)
    return Move(out, into)
