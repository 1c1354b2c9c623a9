"""Fees the desk charges on an order's primary folio when the stay does not happen: a
cancellation fee, a no-show fee (their amount is orders' business: ``apps.orders.policy``)."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.folios.models import FolioTransaction
from apps.folios.services.catalogue import payment_methods_ensure
from apps.folios.services.folios import folio_primary_for_order
from apps.folios.services.postings import folio_post_payment
from apps.folios.services.recipe import (
    ChargeType,
    Type,
    _after_commit,
    _amount,
    _check_open,
    _insert,
    _lock_folios,
    order_money_sync,
)
from apps.orders.models import Order
from apps.orders.policy import FeeKind, cancellation_fee_quote
from apps.orders.services import orders_lock


def folio_post_fee(
    *, order: Order, amount: Decimal, description: str, actor, order_locked: bool = False,
) -> FolioTransaction | None:
    """Charge ``amount`` to the order's primary folio (opened if it has none) as a
    ``manual`` charge described by ``description``: a fee is the folio's own charge, not a
    line of the order's plan (``manual`` is the kind for that; docs/folios.md). A fee of
    zero posts nothing and returns None.

    ``order_locked``: the caller (a cancellation or no-show of orders, through the desk)
    holds the order's row lock, freshly read, in the transaction this runs in, and a refusal
    rolls that transaction back; the order is then not locked again. Otherwise the order's
    row is locked first, in a transaction of its own (a savepoint inside the caller's).
    Refused with ``folio_closed`` if the primary folio is closed."""
    if amount == 0:
        return None
    amount = _amount(amount, order.currency)
    if order_locked:
        if not transaction.get_connection().in_atomic_block:
            raise AssertionError("folio_post_fee(order_locked=True) outside the transaction holding the lock")
        return _post(order, amount=amount, description=description, actor=actor)
    with transaction.atomic():
        order = orders_lock(order_ids=[order.pk])[order.pk]
        return _post(order, amount=amount, description=description, actor=actor)


def _post(order: Order, *, amount: Decimal, description: str, actor) -> FolioTransaction:
    folio = folio_primary_for_order(order=order, actor=actor)
    folio = _lock_folios([folio.pk])[folio.pk]
    _check_open(folio)
    tx = _insert(folio, Type.CHARGE, amount, actor=actor, charge_type=ChargeType.MANUAL, quantity=1, unit_price=amount,
                 description=description[:255])
    order_money_sync(order_ids=[order.pk])
    _after_commit("folio.fee_charged", folio_id=folio.pk, transaction_id=tx.pk, order_id=order.pk, amount=str(amount))
    return tx


def folio_fee_settlement(kind: str, *, actor, charged: dict[str, Any]) -> Callable[[Order], dict[str, Any]]:
    """The ``settle`` of a cancellation or a no-show (the desk's, and the night audit's
    no-shows): the fee now, under the order's own terms (``apps.orders.policy``), charged to
    its primary folio (nothing if 0); returns what the order's event records (and keeps it
    in ``charged``)."""

    def settle(locked: Order) -> dict[str, Any]:
        quote = cancellation_fee_quote(locked, at=timezone.now(), kind=kind)
        with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language, whoever asks
            label = _("Cancellation fee") if kind == FeeKind.CANCEL else _("No-show fee")
        tx = folio_post_fee(order=locked, amount=quote.amount, description=f"{label} {locked.code}", actor=actor,
                            order_locked=True)
        charged.update(quote.as_data(), transaction_id=tx.pk if tx else None, folio_id=tx.folio_id if tx else None)
        return {"fee": dict(charged)}

    return settle


def folio_post_channel_receivable(
    *, order: Order, amount: Decimal, commission: Decimal | None, channel_name: str, reference: str, actor,
) -> FolioTransaction:
    """An order the channel (OTA) collected from the guest is settled by a receivable from
    that channel (挂账): a payment of the store's ``ota_prepaid`` method for ``amount``, the
    channel's order number as its reference, the channel's ``commission`` recorded in its
    description (what the channel keeps is the store's cost, not the guest's bill). Not a
    payment at the desk: the desk's methods never carry it."""
    method = next(m for m in payment_methods_ensure(store=order.store) if m.method_type == "ota_prepaid")
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language, whoever asks
        note = _("Receivable from %(channel)s") % {"channel": channel_name}
        if commission:
            note += " · " + _("commission %(amount)s") % {"amount": f"{commission:.2f}"}
    return folio_post_payment(folio=folio_primary_for_order(order=order, actor=actor), actor=actor, amount=amount,
                              payment_method=method, gateway_txn_id=reference, description=note)
