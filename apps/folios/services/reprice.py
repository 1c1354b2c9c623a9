"""The folio's side of a re-priced stay (docs/orders.md, "Re-pricing"): a night already
charged keeps its ledger row; the difference between the rate it was charged at and its new
rate is posted as one adjustment on the order's primary folio, so the stay ends up charged
exactly its new total. The rates are orders' business (``apps.orders.services.Reprice``)."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.money import quantize
from apps.folios.error_codes import FolioErrorCode as Code
from apps.folios.models import FolioTransaction
from apps.folios.services.folios import folio_primary_for_order
from apps.folios.services.recipe import (
    ChargeType,
    Type,
    _after_commit,
    _amount,
    _check_open,
    _insert,
    _lock_folios,
    _money,
    order_money_sync,
)
from apps.orders.models import Order
from apps.orders.services import Reprice


def _still_charged(order: Order, changes: list) -> list:
    """The re-priced posted nights whose room charge is still on the folio: a night voided
    (or moved away) was decided not to be charged here, so its new rate moves nothing."""
    if not changes:
        return []
    live = set(
        FolioTransaction.objects.filter(
            folio__order_id=order.pk, transaction_type=FolioTransaction.Type.CHARGE,
            charge_type=FolioTransaction.ChargeType.ROOM_NIGHT, service_date__in=[n.night for n in changes],
            taken_back_by__isnull=True,
        ).values_list("service_date", flat=True)
    )
    return [n for n in changes if n.night in live]


def folio_post_reprice(*, order: Order, reprice: Reprice, actor) -> FolioTransaction | None:
    """Post the adjustment of the re-priced nights already charged (``reprice.posted_changes``)
    on the order's primary folio: one ``discount`` when the new rates are lower, one
    ``manual`` charge when higher, described "Re-priced: length of stay" with the nights;
    nothing when they net to zero (returns None).

    Runs inside the transaction of the change, the order's row locked by it (orders before
    folios, the global lock order). Refused with ``folio_closed`` (the folio takes no
    postings) or ``discount_exceeds_charges`` (the folio's charges were voided or discounted
    below the adjustment); the change is rolled back with it."""
    if not transaction.get_connection().in_atomic_block:
        raise AssertionError("folio_post_reprice outside the transaction holding the order's lock")
    changes = _still_charged(order, reprice.posted_changes)
    net = sum((n.new - n.old for n in changes), Decimal(0))
    if net == 0:
        return None
    amount = _amount(abs(net), order.currency)
    nights = ", ".join(n.night.isoformat() for n in changes)
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language, whoever asks
        reason = _("Re-priced: length of stay")
    description = f"{reason} {order.code}: {nights}"[:255]
    folio = folio_primary_for_order(order=order, actor=actor)
    folio = _lock_folios([folio.pk])[folio.pk]
    _check_open(folio)
    if net < 0:
        room = folio.total_charges - folio.total_discounts
        if amount > room:
            raise DomainError(
                Code.DISCOUNT_EXCEEDS_CHARGES, _("A discount cannot exceed the charges (%(max)s).") % {"max": _money(room)},
                extra={"discountable": _money(room)},
            )
        tx = _insert(folio, Type.DISCOUNT, amount, actor=actor, description=description, reason=reason)
    else:
        tx = _insert(folio, Type.CHARGE, amount, actor=actor, charge_type=ChargeType.MANUAL, quantity=1, unit_price=amount,
                     description=description)
    order_money_sync(order_ids=[order.pk])
    _after_commit("folio.repriced", folio_id=folio.pk, transaction_id=tx.pk, order_id=order.pk, amount=str(net))
    return tx


def folio_reprice_settlement(*, actor, posted: dict[str, Any]) -> Callable[[Order, Reprice], dict[str, Any]]:
    """The ``settle`` of an extension (the desk's ``stay_extend``): posts the adjustment of
    the nights already charged and returns what the order's event records (also kept in
    ``posted``)."""

    def settle(locked: Order, reprice: Reprice) -> dict[str, Any]:
        tx = folio_post_reprice(order=locked, reprice=reprice, actor=actor)
        if tx is None:
            return {}
        changes = _still_charged(locked, reprice.posted_changes)
        posted.update(
            amount=str(quantize(sum((n.new - n.old for n in changes), Decimal(0)), locked.currency)),
            kind=tx.transaction_type, transaction_id=tx.pk, folio_id=tx.folio_id,
            nights=[n.night.isoformat() for n in changes],
        )
        return {"adjustment": dict(posted)}

    return settle

