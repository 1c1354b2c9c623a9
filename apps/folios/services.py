"""Writes of folios: opening folios, posting to the ledger (charges, discounts, payments,
deposits, refunds), voids and moves, room nights for the night audit, the check-out rule,
and the store's payment methods and extra-charge catalogue.

Every posting follows one recipe: lock the order row(s), then the folio row(s), each set
in primary-key order (the global lock order, see below) -> check the rule for a friendly
error -> insert the ledger row(s) (the database trigger adds them to the folio's totals,
whose CHECK constraints are what makes the rule true under concurrency) -> bring the
order's ``paid_amount`` / ``due_amount`` in step (``order_paid_sync``) in the same
transaction.

Lock order: orders before folios, each by primary key. Orders' own services lock the
order row first and may then call in here (check-out calls ``folio_check_out_guard``), and
posting an extra calls ``orders.services.order_extra_add``, which locks the order: taking
the order first everywhere is the one order that cannot deadlock with them.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.common.money import quantize
from apps.folios.error_codes import FolioErrorCode as Code
from apps.folios.models import ExtraChargeItem, Folio, FolioEvent, FolioTransaction, PaymentMethod
from apps.folios.room_nights import post_room_nights
from apps.folios.selectors import folio_net_paid
from apps.orders.models import Order
from apps.orders.selectors import order_item_get, room_night_line
from apps.orders.services import ExtraIn, order_extra_add, order_extra_remove, order_paid_amounts_set, orders_lock
from apps.tenancy.business_day import posting_business_date
from apps.tenancy.models import Store
from apps.tenancy.roles import MANAGE
from apps.tenancy.scope import ManagerOnly
from apps.tenancy.selectors import store_perms_for_user

logger = logging.getLogger(__name__)

Type = FolioTransaction.Type
PostsTo = FolioTransaction.PostsTo
ChargeType = FolioTransaction.ChargeType
ZERO = Decimal("0.00")
# The largest amount one posting may carry: the order's paid column is DECIMAL(10,2).
MAX_AMOUNT = Decimal("99999999.99")
# Order states whose folios are closed (and take no new folio).
ORDER_CLOSED_STATES = frozenset({Order.Status.CHECKED_OUT})


# --- small helpers -------------------------------------------------------------------------


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


def order_paid_sync(*, order_ids: Iterable[int]) -> None:
    """Bring the orders' ``paid_amount`` (and so ``due_amount``) in step with their folios:
    payments less refunds (deposits are held money, not payment), recomputed from the
    folios rather than incremented, so it cannot drift. Folios decide the amount, orders
    write their own columns (``order_paid_amounts_set``). The caller holds the orders' row
    locks. Two statements."""
    ids = sorted(set(order_ids))
    if ids:
        order_paid_amounts_set(paid=folio_net_paid(order_ids=ids))


def _after_commit(event: str, **fields: Any) -> None:
    transaction.on_commit(lambda: logger.info(event, extra=fields))


# --- folios ---------------------------------------------------------------------------------


def folio_primary_for_order(*, order: Order, actor=None) -> Folio:
    """The order's primary folio, opened on first use (one per order: a UNIQUE partial
    index decides between concurrent first uses). An order that checked out before its
    folio existed gets it closed."""
    folio = Folio.objects.filter(order_id=order.pk, is_primary=True).first()
    if folio is not None:
        return folio
    closed_at = order.checked_out_at if order.status in ORDER_CLOSED_STATES else None
    with transaction.atomic():
        folio, created = Folio.objects.get_or_create(
            order_id=order.pk, is_primary=True,
            defaults={"store_id": order.store_id, "currency": order.currency, "closed_at": closed_at, "created_by": _user(actor)},
        )
        if created:
            FolioEvent.objects.create(folio=folio, kind=FolioEvent.Kind.OPENED, actor=_user(actor), data={"primary": True})
    return folio


@transaction.atomic
def folio_open(*, order: Order, actor, name: str = "", notes: str = "") -> Folio:
    """A further folio on ``order`` (another guest's share, a company's bill)."""
    order = orders_lock(order_ids=[order.pk])[order.pk]
    if order.status in ORDER_CLOSED_STATES:
        raise DomainError(Code.ORDER_CLOSED, _("This order has checked out; its folios are closed."))
    folio_primary_for_order(order=order, actor=actor)
    folio = Folio.objects.create(
        store_id=order.store_id, order=order, name=name.strip()[:100], notes=notes, currency=order.currency,
        created_by=_user(actor),
    )
    FolioEvent.objects.create(folio=folio, kind=FolioEvent.Kind.OPENED, actor=_user(actor), data={"primary": False})
    return folio


# --- postings --------------------------------------------------------------------------------


@transaction.atomic
def folio_post_charge(
    *, folio: Folio, actor, charge_type: str = ChargeType.MANUAL, description: str = "", unit_price: Decimal | None = None,
    quantity: int = 1, extra_item: ExtraChargeItem | None = None, service_date: date | None = None,
) -> FolioTransaction:
    """A charge: ``extra`` (from the catalogue, or described here) also becomes an extra
    line of the order, so the order's total includes it; ``manual`` is the folio's own
    (a damage fee, a late check-out agreed at the desk). Room nights come from
    ``folio_post_room_night``."""
    if charge_type not in (ChargeType.EXTRA, ChargeType.MANUAL):
        raise _invalid(Code.AMOUNT_INVALID, _("Post extras or manual charges here."), "charge_type")
    if extra_item is not None:
        if extra_item.store_id != folio.store_id:
            raise _invalid(Code.EXTRA_ITEM_UNKNOWN, _("Unknown extra-charge item."), "extra_item")
        if not extra_item.is_active:
            raise _invalid(Code.EXTRA_ITEM_INACTIVE, _("This extra-charge item is switched off."), "extra_item")
        charge_type = ChargeType.EXTRA
        description = description.strip() or extra_item.name
        unit_price = extra_item.default_price if unit_price is None else unit_price
    description = description.strip()
    if not description:
        raise _invalid(Code.REASON_REQUIRED, _("Describe the charge."), "description")
    if unit_price is None:
        raise _invalid(Code.AMOUNT_INVALID, _("Enter a price."), "unit_price")
    if not isinstance(quantity, int) or quantity < 1:
        raise _invalid(Code.AMOUNT_INVALID, _("The quantity must be at least 1."), "quantity")
    unit = quantize(Decimal(unit_price), folio.currency)
    amount = _amount(unit * quantity, folio.currency, "unit_price")
    folio = _lock_one(folio)
    _check_open(folio)
    item = None
    if charge_type == ChargeType.EXTRA:

        item = order_extra_add(
            order=folio.order, actor=actor,
            extra=ExtraIn(description=description[:255], unit_price=unit, quantity=quantity, service_date=service_date),
        )
    tx = _insert(
        folio, Type.CHARGE, amount, actor=actor, charge_type=charge_type, quantity=quantity, unit_price=unit,
        description=description[:255], service_date=service_date, extra_item=extra_item, order_item=item,
    )
    _after_commit("folio.charged", folio_id=folio.pk, transaction_id=tx.pk, amount=str(amount))
    return tx


@transaction.atomic
def folio_post_discount(*, folio: Folio, actor, amount: Decimal, reason: str, description: str = "") -> FolioTransaction:
    """A discount: lowers the balance, never below the charges (CHECK on the folio)."""
    reason = _reason(reason)
    amount = _amount(amount, folio.currency)
    folio = _lock_one(folio)
    _check_open(folio)
    room = folio.total_charges - folio.total_discounts
    if amount > room:
        raise DomainError(
            Code.DISCOUNT_EXCEEDS_CHARGES, _("A discount cannot exceed the charges (%(max)s).") % {"max": _money(room)},
            extra={"discountable": _money(room)},
        )
    tx = _insert(folio, Type.DISCOUNT, amount, actor=actor, description=(description.strip() or reason)[:255], reason=reason)
    _after_commit("folio.discounted", folio_id=folio.pk, transaction_id=tx.pk, amount=str(amount))
    return tx


def _post_money(
    *, folio: Folio, actor, transaction_type: str, amount: Decimal, payment_method: PaymentMethod,
    gateway_txn_id: str = "", description: str = "", reason: str = "", allow_closed: bool = True,
) -> FolioTransaction:
    amount = _amount(amount, folio.currency)
    _check_method(folio, payment_method)
    folio = _lock_one(folio)
    if not allow_closed:
        _check_open(folio)
    if transaction_type == Type.REFUND:
        refundable = folio.total_payments - folio.total_refunds
        if amount > refundable:
            raise DomainError(
                Code.REFUND_EXCEEDS_PAID,
                _("A refund cannot exceed what was paid on this folio (%(max)s).") % {"max": _money(refundable)},
                extra={"refundable": _money(refundable)},
            )
    elif transaction_type == Type.DEPOSIT_RETURN:
        held = folio.total_deposits - folio.total_deposit_returns
        if amount > held:
            raise DomainError(
                Code.DEPOSIT_RETURN_EXCEEDS_HELD,
                _("Only %(max)s of deposit is held on this folio.") % {"max": _money(held)}, extra={"deposit_held": _money(held)},
            )
    tx = _insert(
        folio, transaction_type, amount, actor=actor, payment_method=payment_method, gateway_txn_id=(gateway_txn_id or "").strip()[:255],
        description=(description or "").strip()[:255], reason=reason,
    )
    if tx.posts_to in FolioTransaction.PAID_TOTALS:
        order_paid_sync(order_ids=[folio.order_id])
    _after_commit(f"folio.{transaction_type}", folio_id=folio.pk, transaction_id=tx.pk, amount=str(amount))
    return tx


@transaction.atomic
def folio_post_payment(
    *, folio: Folio, actor, amount: Decimal, payment_method: PaymentMethod, gateway_txn_id: str = "", description: str = "",
) -> FolioTransaction:
    """Money received towards the bill (also after check-out: settling a closed folio)."""
    return _post_money(
        folio=folio, actor=actor, transaction_type=Type.PAYMENT, amount=amount, payment_method=payment_method,
        gateway_txn_id=gateway_txn_id, description=description,
    )


@transaction.atomic
def folio_post_refund(
    *, folio: Folio, actor, amount: Decimal, payment_method: PaymentMethod, reason: str, gateway_txn_id: str = "",
    description: str = "",
) -> FolioTransaction:
    """Money given back: at most what was paid on the folio (payments less refunds),
    checked under the lock and guaranteed by the folio's CHECK."""
    reason = _reason(reason)
    return _post_money(
        folio=folio, actor=actor, transaction_type=Type.REFUND, amount=amount, payment_method=payment_method,
        gateway_txn_id=gateway_txn_id, description=description, reason=reason,
    )


@transaction.atomic
def folio_post_deposit(
    *, folio: Folio, actor, amount: Decimal, payment_method: PaymentMethod, gateway_txn_id: str = "", description: str = "",
) -> FolioTransaction:
    """A security deposit (押金) received: held, not a payment (the balance and the
    order's paid amount do not change)."""
    return _post_money(
        folio=folio, actor=actor, transaction_type=Type.DEPOSIT, amount=amount, payment_method=payment_method,
        gateway_txn_id=gateway_txn_id, description=description, allow_closed=False,
    )


@transaction.atomic
def folio_post_deposit_return(
    *, folio: Folio, actor, amount: Decimal, payment_method: PaymentMethod, gateway_txn_id: str = "", description: str = "",
) -> FolioTransaction:
    """A held deposit given back (at most what is held)."""
    return _post_money(
        folio=folio, actor=actor, transaction_type=Type.DEPOSIT_RETURN, amount=amount, payment_method=payment_method,
        gateway_txn_id=gateway_txn_id, description=description,
    )


@transaction.atomic
def folio_post_room_night(*, order: Order, night: date, amount: Decimal | None = None, actor=None) -> FolioTransaction | None:
    """Post the room charge of ``night`` to the order's primary folio, once: returns the
    new row, or None if this night was posted before (even if it was voided since: a
    voided night stays voided). ``amount`` defaults to the night's locked rate (its
    room-night line). For the night audit (docs/folios.md)."""
    order = orders_lock(order_ids=[order.pk])[order.pk]
    if not (order.arrival <= night < order.departure):
        raise _invalid(Code.NIGHT_NOT_IN_STAY, _("This night is not part of the stay."), "night")
    line = room_night_line(order_id=order.pk, night=night)
    if amount is None:
        if line is None:
            raise _invalid(Code.NIGHT_NOT_IN_STAY, _("This night is not part of the stay."), "night")
        amount = line.total_price
    amount = _amount(amount, order.currency)
    folio = folio_primary_for_order(order=order, actor=actor)
    folio = _lock_folios([folio.pk])[folio.pk]
    kind = {"transaction_type": Type.CHARGE, "charge_type": ChargeType.ROOM_NIGHT, "service_date": night}
    if FolioTransaction.objects.filter(folio=folio, **kind).exists():
        return None
    _check_open(folio)
    try:
        with transaction.atomic():
            tx = _insert(
                folio, Type.CHARGE, amount, actor=actor, charge_type=ChargeType.ROOM_NIGHT, service_date=night,
                quantity=1, unit_price=amount, description=(line.description if line else night.isoformat())[:255],
                order_item=line,
            )
    except IntegrityError as exc:  # posted meanwhile by a caller that did not lock the order
        if "ledger_one_room_night_per_night" in str(exc):
            return None
        raise
    return tx


def folio_post_room_nights(*, store_id: int, night: date, order_ids: list[int], actor=None):
    """Post ``night`` to the primary folio of each order in ``order_ids`` (in the house
    that night), set-based, for the night audit: one row per folio and night ever, at the
    night's locked rate, dated business day ``night``. The caller holds the orders' row
    locks (taken in primary-key order). Returns a ``RoomNightPosting`` (posted, already
    posted, not posted and why). Details in ``apps/folios/room_nights.py``."""
    return post_room_nights(store_id=store_id, night=night, order_ids=order_ids, actor=actor)


# --- voids and moves ---------------------------------------------------------------------------


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
def folio_transaction_void(*, tx: FolioTransaction, actor, reason: str) -> FolioTransaction:
    """Void a posted row: a ``reversal`` row of the opposite amount on the same folio, with
    who, when and why. A row is taken back at most once (UNIQUE ``reverses``). Voiding an
    extra also drops its line from the order (while the order is open)."""
    reason = _reason(reason)
    original = FolioTransaction.objects.select_related("folio").get(pk=tx.pk)
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

        order_extra_remove(order=orders[item_order_id], actor=actor, item_id=original.order_item_id)
    if original.posts_to in FolioTransaction.PAID_TOTALS:
        order_paid_sync(order_ids=[folio.order_id])
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
    if original.posts_to in FolioTransaction.PAID_TOTALS:
        order_paid_sync(order_ids=[source.order_id, target.order_id])
    _after_commit("folio.moved", folio_id=source.pk, target_folio_id=target.pk, transaction_id=original.pk)
    return Move(out, into)


# --- check-out -------------------------------------------------------------------------------------


def _lock_order_folios(order: Order, *, actor) -> list[Folio]:
    """Every folio of the locked ``order``, locked, by primary key; the primary one is
    opened first if the order has none yet (rare: a stay with nothing ever posted)."""
    for _attempt in range(2):
        folios = list(Folio.objects.select_for_update().filter(order_id=order.pk).order_by("id"))
        if any(f.is_primary for f in folios):
            break
        folio_primary_for_order(order=order, actor=actor)
    return folios


def folio_check_out_guard(
    *, order: Order, actor, override_reason: str | None = None, order_locked: bool = False
) -> dict[str, Any]:
    """The check-out rule, inside the check-out's transaction: every folio of ``order`` at
    a zero balance with no deposit held, or a manager (``manage_store``) overriding with a
    reason, recorded on each folio concerned. Then the order's folios are closed. Raises
    ``folio_balance_not_zero`` / ``folio_deposit_held`` (with the amounts), or 403
    ``manager_only`` for an override by someone else. Returns what to record on the
    order's check-out event: ``{"folios": [...], "override": None | {...}}``.

    ``order_locked``: the caller (orders' check-out) has ``order`` freshly read and its row
    locked in the transaction it runs in, and a refusal rolls that transaction back; the
    order is then not locked again and no savepoint is taken. Otherwise the guard runs in
    its own transaction (a savepoint inside the caller's), the order's row locked first."""
    if order_locked:
        if not transaction.get_connection().in_atomic_block:
            raise AssertionError("folio_check_out_guard(order_locked=True) outside the transaction holding the lock")
        return _check_out_guard(order, actor=actor, override_reason=override_reason)
    with transaction.atomic():
        order = orders_lock(order_ids=[order.pk])[order.pk]
        return _check_out_guard(order, actor=actor, override_reason=override_reason)


def _check_out_guard(order: Order, *, actor, override_reason: str | None) -> dict[str, Any]:

    folios = _lock_order_folios(order, actor=actor)
    balance = sum((f.balance for f in folios), ZERO)
    held = sum((f.deposit_held for f in folios), ZERO)
    unsettled = [f for f in folios if f.balance != 0 or f.deposit_held != 0]
    summary = [{"id": f.pk, "balance": _money(f.balance), "deposit_held": _money(f.deposit_held)} for f in folios]
    override = None
    if unsettled:
        reason = (override_reason or "").strip()
        if not reason:
            extra = {"balance": _money(balance), "deposit_held": _money(held), "folios": summary}
            if any(f.balance != 0 for f in unsettled):
                raise DomainError(
                    Code.FOLIO_BALANCE_NOT_ZERO,
                    _("The folio balance is %(balance)s: settle it before check-out, or a manager overrides with a reason.")
                    % {"balance": _money(balance)},
                    extra=extra,
                )
            raise DomainError(
                Code.FOLIO_DEPOSIT_HELD,
                _("A deposit of %(held)s is still held: return it before check-out, or a manager overrides with a reason.")
                % {"held": _money(held)},
                extra=extra,
            )
        store = order.store
        if actor is None or MANAGE not in store_perms_for_user(user=actor, store=store):
            raise ManagerOnly()
        FolioEvent.objects.bulk_create([
            FolioEvent(
                folio=f, kind=FolioEvent.Kind.CHECK_OUT_OVERRIDE, actor=_user(actor), reason=reason,
                data={"balance": _money(f.balance), "deposit_held": _money(f.deposit_held), "order_id": order.pk},
            )
            for f in unsettled
        ])
        override = {"reason": reason, "balance": _money(balance), "deposit_held": _money(held), "by": actor.pk}
        logger.warning("folio.check_out_override", extra={"order_id": order.pk, "store_id": order.store_id, "balance": str(balance)})
    _close(folios, actor=actor)
    return {"folios": summary, "override": override}


def _close(folios: list[Folio], *, actor) -> None:
    """Close the folios still open, with a ``closed`` event each."""
    now = timezone.now()
    still_open = [f for f in folios if f.closed_at is None]
    if not still_open:
        return
    user = _user(actor)
    Folio.objects.filter(pk__in=[f.pk for f in still_open]).update(closed_at=now, closed_by=user)
    FolioEvent.objects.bulk_create([FolioEvent(folio=f, kind=FolioEvent.Kind.CLOSED, actor=user, at=now) for f in still_open])
    for f in still_open:
        f.closed_at = now


# --- payment methods and the extra-charge catalogue ------------------------------------------------

DEFAULT_PAYMENT_METHODS = [
    # (name, type)
    ("现金", PaymentMethod.Type.CASH),
    ("微信支付", PaymentMethod.Type.WECHAT),
    ("支付宝", PaymentMethod.Type.ALIPAY),
    ("银行卡", PaymentMethod.Type.BANK_CARD),
    ("OTA预付", PaymentMethod.Type.OTA_PREPAID),
    ("其他", PaymentMethod.Type.OTHER),
]


def payment_methods_ensure(*, store: Store) -> list[PaymentMethod]:
    """Create the default payment methods the store lacks (idempotent, safe under concurrency)."""
    PaymentMethod.objects.bulk_create(
        [PaymentMethod(store=store, name=name, method_type=kind, sort_order=i) for i, (name, kind) in enumerate(DEFAULT_PAYMENT_METHODS)],
        ignore_conflicts=True,
    )
    return list(PaymentMethod.objects.filter(store=store))


_METHOD_FIELDS = {"name", "method_type", "details", "is_active", "sort_order"}
_ITEM_FIELDS = {"name", "default_price", "category", "is_taxable", "description", "is_active", "sort_order"}


def _save_unique(obj, fields: list[str] | None, code: str, message: str) -> None:
    try:
        with transaction.atomic():
            obj.save(update_fields=fields)
    except IntegrityError as exc:
        if "_name_unique_per_store" in str(exc):
            raise _invalid(code, message, "name") from exc
        raise


def payment_method_create(*, store: Store, name: str, method_type: str, details: dict | None = None, is_active: bool = True,
                          sort_order: int = 0) -> PaymentMethod:
    method = PaymentMethod(store=store, name=name.strip(), method_type=method_type, details=details or {}, is_active=is_active,
                           sort_order=sort_order)
    _save_unique(method, None, Code.PAYMENT_METHOD_NAME_TAKEN, _("Another payment method has this name."))
    return method


def payment_method_update(*, method: PaymentMethod, **values: Any) -> PaymentMethod:
    unknown = set(values) - _METHOD_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for key, value in values.items():
        setattr(method, key, value.strip() if key == "name" else value)
    _save_unique(method, list(values) or None, Code.PAYMENT_METHOD_NAME_TAKEN, _("Another payment method has this name."))
    return method


def extra_item_create(*, store: Store, name: str, default_price: Decimal, category: str = ExtraChargeItem.Category.OTHER,
                      is_taxable: bool = True, description: str = "", is_active: bool = True, sort_order: int = 0) -> ExtraChargeItem:
    item = ExtraChargeItem(
        store=store, name=name.strip(), default_price=quantize(default_price, store.currency), category=category,
        is_taxable=is_taxable, description=description, is_active=is_active, sort_order=sort_order,
    )
    _save_unique(item, None, Code.EXTRA_ITEM_NAME_TAKEN, _("Another extra-charge item has this name."))
    return item


def extra_item_update(*, item: ExtraChargeItem, **values: Any) -> ExtraChargeItem:
    unknown = set(values) - _ITEM_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for key, value in values.items():
        if key == "default_price":
            value = quantize(value)
        setattr(item, key, value.strip() if key == "name" else value)
    _save_unique(item, list(values) or None, Code.EXTRA_ITEM_NAME_TAKEN, _("Another extra-charge item has this name."))
    return item
