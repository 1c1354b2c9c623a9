"""Writes of the front desk: what a desk action does across apps, in one transaction.

Check-in (``stay_check_in``) registers the guests' documents (contacts) and checks the
order in (orders): all of it or nothing; a refused document names its guest.

Check-out (``stay_check_out``) ties the order, its bill and its room together: orders
locks the order, checks the move is allowed and cuts the stay to the nights used; the
folios charge what no folio has charged yet and their rule decides whether the guest may
leave (nothing owed and no deposit held, or a manager's override with a reason, recorded
on the folios) and close the folios; the room becomes dirty for housekeeping. Lock order: the order row, then its folios (by primary key), then
the room: the global order every service keeps (docs/folios.md).

Cancellation (``stay_cancel``) and no-show (``stay_no_show``) charge the fee of the
order's terms (``apps.orders.policy``: the copy kept on the order, the locked night rates)
to its primary folio (``folio_post_fee``), in the transaction of the transition, and
record it on the order's event; a fee of 0 posts nothing.

An extension (``stay_extend``) re-prices the whole new stay (orders' rule, docs/orders.md
"Re-pricing") and posts the difference of the nights already charged as one adjustment on
the primary folio (``folio_post_reprice``), in the transaction of the extension.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from apps.common.errors import DomainError
from apps.contacts.models import Contact
from apps.contacts.services import contact_update
from apps.folios.models import PaymentMethod
from apps.folios.services import (
    folio_check_out_guard,
    folio_fee_settlement,
    folio_post_deposit,
    folio_post_payment,
    folio_primary_for_order,
    folio_reprice_settlement,
)
from apps.members.services import member_stay_checked_out
from apps.orders.models import Order
from apps.orders.policy import FeeKind
from apps.orders.services import (
    order_cancel,
    order_check_in,
    order_check_out,
    order_extend,
    order_mark_no_show,
)
from apps.rooms.models import Room
from apps.rooms.services import room_mark_dirty


class GuestDocumentRefused(DomainError):
    """A guest's identity document was refused (the contacts error, with the guest's
    ``contact_id`` in ``extra``); nothing of the check-in was written."""

    def __init__(self, contact: Contact, refusal: DomainError):
        super().__init__(refusal.code, refusal.message, extra={**refusal.extra, "contact_id": contact.pk},
                         status=refusal.status)


@dataclass(frozen=True)
class MoneyIn:
    """Money taken at the desk in the same action as a booking or a check-in: a payment
    (a prepayment) or a deposit (押金), by one of the store's methods, with the payment
    provider's reference if any."""

    amount: Decimal
    payment_method: PaymentMethod | None  # None (unknown to the store): the posting refuses it
    reference: str = ""


def take_money(*, order: Order, actor, payment: MoneyIn | None = None, deposit: MoneyIn | None = None) -> None:
    """Post ``payment`` and ``deposit`` to the order's primary folio (in the caller's
    transaction: a refusal rolls the whole action back)."""
    if payment is None and deposit is None:
        return
    folio = folio_primary_for_order(order=order, actor=actor)
    if payment is not None:
        folio_post_payment(folio=folio, actor=actor, amount=payment.amount, payment_method=payment.payment_method,
                           gateway_txn_id=payment.reference)
    if deposit is not None:
        folio_post_deposit(folio=folio, actor=actor, amount=deposit.amount, payment_method=deposit.payment_method,
                           gateway_txn_id=deposit.reference)


@transaction.atomic
def stay_book(book: Callable[[], Order], *, actor, payment: MoneyIn | None = None, deposit: MoneyIn | None = None) -> Order:
    """A booking (``book``: orders' ``order_create`` or ``order_walk_in`` with its inputs)
    and the money handed over with it, in one transaction: a prepayment (which confirms a
    pending order when it meets the store's rule, ``apps.orders.policy.prepayment_rule``) and
    a deposit (押金, held apart). A refused posting refuses the booking."""
    order = book()
    if payment is not None or deposit is not None:
        take_money(order=order, actor=actor, payment=payment, deposit=deposit)
        order.refresh_from_db(fields=["status", "confirmed_at", "charged_amount", "total_amount", "paid_amount",
                                      "due_amount", "version"])
    return order


@transaction.atomic
def stay_check_in(*, order: Order, actor, room: Room | None = None,
                  documents: list[tuple[Contact, str, str]] | tuple = (),
                  payment: MoneyIn | None = None, deposit: MoneyIn | None = None) -> Order:
    """The guests arrive: each ``(contact, id_type, id_number)`` in ``documents`` is
    registered on the guest's profile (identity documents are taken at check-in), then the
    order is checked in (in its room or ``room``), and the money handed over at the desk is
    posted to its folio: a ``payment`` (the stay, in advance) and a ``deposit`` (押金, held
    apart). All of it or nothing: a refused document raises ``GuestDocumentRefused``; a
    refused check-in or posting, its own error."""
    for contact, id_type, id_number in documents:
        try:
            contact_update(contact=contact, actor=actor, id_type=id_type, id_number=id_number)
        except DomainError as exc:
            raise GuestDocumentRefused(contact, exc) from exc
    order = order_check_in(order=order, actor=actor, room=room)
    if payment is not None or deposit is not None:
        take_money(order=order, actor=actor, payment=payment, deposit=deposit)
        order.refresh_from_db(fields=["charged_amount", "total_amount", "paid_amount", "due_amount", "version"])
    return order


@transaction.atomic
def stay_check_out(*, order: Order, actor, override_reason: str | None = None) -> Order:
    """The guest leaves: checked_in / extended -> checked_out (early: the unused nights go
    back to sale; a same-day check-out keeps one night), the nights used and extras no
    folio has charged yet are charged, and the bill must be settled (the guest owes
    nothing, no deposit held) or a manager overrides with ``override_reason``; an
    overpayment is left refundable. The folios are closed, the room becomes dirty.

    Refusals, nothing changed: ``illegal_transition``; ``folio_balance_not_zero`` /
    ``folio_deposit_held`` (with the amounts); 403 ``manager_only`` for an override by
    someone who does not manage the store."""

    def settle(locked: Order) -> dict[str, Any]:
        settlement = folio_check_out_guard(order=locked, actor=actor, override_reason=override_reason, order_locked=True)
        data: dict[str, Any] = {}
        if settlement["override"] is not None:
            data["folio_override"] = settlement["override"]
        if settlement["charged"]:
            data["charged"] = settlement["charged"]
        if settlement["refundable"] != "0.00":
            data["refundable"] = settlement["refundable"]
        # The stay counts for its member (points, nights, an upgrade), once per order.
        counted = member_stay_checked_out(order=locked, actor=actor)
        if counted is not None:
            data["member"] = {k: counted[k] for k in ("member_id", "points", "upgraded")}
        return data

    order = order_check_out(order=order, actor=actor, settle=settle)
    room_mark_dirty(room=order.room, actor=actor if getattr(actor, "is_authenticated", False) else None)
    return order


@transaction.atomic
def stay_cancel(*, order: Order, actor, reason: str) -> Order:
    """The booking is called off: pending_confirmation / confirmed -> cancelled with a
    reason, its nights released, and the cancellation fee of its terms charged now to its
    primary folio (free within the free window, or for an order never confirmed). The
    event's ``fee`` says what was charged and why (also ``order.fee``, a Decimal). Refusals
    change nothing: ``illegal_transition``, ``cancellation_reason_required``, ``folio_closed``."""
    charged: dict[str, Any] = {}
    settle = folio_fee_settlement(FeeKind.CANCEL, actor=actor, charged=charged)
    order = order_cancel(order=order, actor=actor, reason=reason, settle=settle)
    order.fee = Decimal(charged["amount"])
    return order


@transaction.atomic
def stay_no_show(*, order: Order, actor) -> Order:
    """The guest did not come: confirmed -> no_show (from the arrival date), its nights
    released, and the no-show fee of its terms charged to its primary folio (also
    ``order.fee``). Refusals change nothing: ``illegal_transition``,
    ``too_early_for_no_show``, ``folio_closed``."""
    charged: dict[str, Any] = {}
    settle = folio_fee_settlement(FeeKind.NO_SHOW, actor=actor, charged=charged)
    order = order_mark_no_show(order=order, actor=actor, settle=settle)
    order.fee = Decimal(charged["amount"])
    return order


@transaction.atomic
def stay_extend(*, order: Order, actor, departure: date) -> Order:
    """The guest stays longer: checked_in / extended -> extended, the extra nights held in
    the same room, the whole new stay re-priced (a length-of-stay rule now reaches every
    night), and the difference of the nights already charged posted as one adjustment on
    the primary folio (a discount when lower, a manual charge when higher), recorded on the
    event as ``adjustment`` (also ``order.adjustment``, a dict, empty when nothing was
    posted). Refusals change nothing: ``illegal_transition``, ``extend_must_lengthen``,
    ``room_unavailable`` / ``room_type_sold_out``, ``folio_closed``."""
    posted: dict[str, Any] = {}
    order = order_extend(order=order, actor=actor, departure=departure,
                         settle=folio_reprice_settlement(actor=actor, posted=posted))
    order.adjustment = posted
    return order
