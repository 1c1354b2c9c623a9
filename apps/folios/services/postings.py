"""Postings to the ledger: charges (extras also become order lines), discounts, money in and
out (payments, refunds, deposits and their returns), room nights (one per folio and
night, ever; set-based for the night audit in ``apps/folios/room_nights.py``)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.money import quantize
from apps.folios.error_codes import FolioErrorCode as Code
from apps.folios.models import ExtraChargeItem, Folio, FolioTransaction, PaymentMethod
from apps.folios.room_nights import post_room_nights
from apps.folios.selectors import deposit_method
from apps.folios.services.folios import folio_primary_for_order
from apps.folios.services.recipe import (
    ChargeType,
    Type,
    _after_commit,
    _amount,
    _check_method,
    _check_open,
    _insert,
    _invalid,
    _lock_folios,
    _lock_one,
    _money,
    _reason,
    order_money_sync,
)
from apps.orders.models import Order
from apps.orders.policy import prepayment_confirms, prepayment_rule
from apps.orders.selectors import room_night_line
from apps.orders.services import ExtraIn, order_confirm, order_extra_add, order_items_posted, orders_lock


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
            order=folio.order, actor=actor, posted=True,
            extra=ExtraIn(description=description[:255], unit_price=unit, quantity=quantity, service_date=service_date),
        )
    tx = _insert(
        folio, Type.CHARGE, amount, actor=actor, charge_type=charge_type, quantity=quantity, unit_price=unit,
        description=description[:255], service_date=service_date, extra_item=extra_item, order_item=item,
    )
    order_money_sync(order_ids=[folio.order_id])
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
    order_money_sync(order_ids=[folio.order_id])
    _after_commit("folio.discounted", folio_id=folio.pk, transaction_id=tx.pk, amount=str(amount))
    return tx


def _post_money(
    *, folio: Folio, actor, transaction_type: str, amount: Decimal, payment_method: PaymentMethod,
    gateway_txn_id: str = "", description: str = "", reason: str = "", allow_closed: bool = True,
    member_service: bool = False,
) -> FolioTransaction:
    amount = _amount(amount, folio.currency)
    _check_method(folio, payment_method, member_service=member_service)
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
    if transaction_type == Type.PAYMENT:
        _confirm_on_prepayment(folio.order, amount, actor=actor)
    tx = _insert(
        folio, transaction_type, amount, actor=actor, payment_method=payment_method, gateway_txn_id=(gateway_txn_id or "").strip()[:255],
        description=(description or "").strip()[:255], reason=reason,
    )
    if tx.posts_to in FolioTransaction.ORDER_TOTALS:
        order_money_sync(order_ids=[folio.order_id])
    _after_commit(f"folio.{transaction_type}", folio_id=folio.pk, transaction_id=tx.pk, amount=str(amount))
    return tx


def _confirm_on_prepayment(order: Order, amount: Decimal, *, actor) -> bool:
    """A prepayment that meets the store's rule confirms a pending order (预付款成功 ->
    已确认; ``apps.orders.policy.prepayment_rule``). Done before the payment's row (its
    inventory locks come before the audit gate the row takes); a confirmation refused (the
    nights sold out meanwhile) leaves the order pending and the payment taken."""
    if order.status != Order.Status.PENDING_CONFIRMATION:
        return False
    if not prepayment_confirms(order, rule=prepayment_rule(store=order.store), paid=order.paid_amount + amount):
        return False
    try:
        with transaction.atomic():
            order_confirm(order=order, actor=actor)
    except DomainError:
        return False
    return True


@transaction.atomic
def folio_post_payment(
    *, folio: Folio, actor, amount: Decimal, payment_method: PaymentMethod, gateway_txn_id: str = "", description: str = "",
    member_service: bool = False,
) -> FolioTransaction:
    """Money received towards the bill (also after check-out: settling a closed folio).
    Stored value and points (``PaymentMethod.MEMBER_TYPES``) only with ``member_service``:
    apps.members' services, which move the member's ledger in the same transaction."""
    return _post_money(
        folio=folio, actor=actor, transaction_type=Type.PAYMENT, amount=amount, payment_method=payment_method,
        gateway_txn_id=gateway_txn_id, description=description, member_service=member_service,
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
    *, folio: Folio, actor, amount: Decimal | None = None, payment_method: PaymentMethod | None = None,
    gateway_txn_id: str = "", description: str = "",
) -> FolioTransaction:
    """A held deposit given back (at most what is held). ``amount`` defaults to everything
    held, ``payment_method`` to the one the deposit came in by (the latest deposit's)."""
    if amount is None:
        folio.refresh_from_db(fields=["total_deposits", "total_deposit_returns"])
        amount = folio.deposit_held
    if payment_method is None:
        payment_method = deposit_method(folio_id=folio.pk)
        if payment_method is None:
            raise _invalid(Code.PAYMENT_METHOD_UNKNOWN, _("No deposit was received on this folio."), "payment_method")
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
    if line is not None:
        order_items_posted(item_ids=[line.pk])
    order_money_sync(order_ids=[order.pk])
    return tx


def folio_post_room_nights(*, store_id: int, night: date, order_ids: list[int], actor=None):
    """Post ``night`` to the primary folio of each order in ``order_ids`` (in the house
    that night), set-based, for the night audit: one row per folio and night ever, at the
    night's locked rate, dated business day ``night``. The caller holds the orders' row
    locks (taken in primary-key order). Returns a ``RoomNightPosting`` (posted, already
    posted, not posted and why). Details in ``apps/folios/room_nights.py``."""
    return post_room_nights(store_id=store_id, night=night, order_ids=order_ids, actor=actor)
