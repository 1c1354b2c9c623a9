"""Orders pushed by external systems (the mall, a channel manager): created and confirmed;
if the inventory is gone, or the stay breaks a restriction (closed night, closed to
arrival, minimum stay: ``apps.rooms.quote``), kept pending and flagged as a conflict
with that code as its reason, never dropped. One
order per (channel, external reference)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.money import quantize
from apps.orders.models import Channel, Order
from apps.orders.policy import channel_snapshot
from apps.orders.services.booking import DuplicateExternalRef, order_create
from apps.orders.services.changes import order_flag_conflict
from apps.orders.services.inputs import PartyIn, StayIn
from apps.orders.services.lifecycle import order_confirm
from apps.orders.services.recipe import _invalid
from apps.rooms.inventory import nights_between
from apps.rooms.quote import stay_quote
from apps.tenancy.models import Store


@dataclass(frozen=True)
class IntakeResult:
    order: Order
    # "confirmed": created and holding; "conflict": created, kept pending (inventory gone);
    # "duplicate": an order with this channel and external reference already existed.
    outcome: str


# Refusals of apps.rooms.inventory that mean "the inventory is gone" for an external order.
INVENTORY_REFUSALS = frozenset({"room_unavailable", "room_type_sold_out", "room_inactive"})


def order_intake_external(
    *, store: Store, actor, channel: Channel, external_ref: str, stay: StayIn, amount: Decimal | None = None,
    party: PartyIn = PartyIn(), notes: str = "", cancellation_fee: Decimal | None = None,
) -> IntakeResult:
    """An order pushed by an external system: created and confirmed; if the inventory is
    gone it is kept pending and flagged as a conflict, never dropped. One order per
    (channel, external reference): a repeat returns the existing order. ``amount``: what
    the stay was sold for, spread over its nights. ``cancellation_fee``: what the channel
    charges for a cancellation or a no-show (its terms, not the store's); none: free."""
    existing = Order.objects.filter(store=store, channel=channel, external_ref=external_ref).first()
    if existing is not None:
        return IntakeResult(existing, "duplicate")
    if amount is not None:
        stay = replace(stay, nightly_prices=_split_amount(amount, nights_between(stay.arrival, stay.departure)))
    try:
        with transaction.atomic():
            order = order_create(
                store=store, actor=actor, stay=stay, party=party, channel=channel, source=Order.Source.EXTERNAL,
                external_ref=external_ref, notes=notes,
                cancellation_policy=channel_snapshot(cancellation_fee, time_zone=store.time_zone, currency=store.currency),
                check_restrictions=False,
            )
            broken = stay_quote(room_type=stay.room_type, arrival=stay.arrival, departure=stay.departure).refusal()
            if broken is not None:
                # Sold by the channel on a closed night or under the minimum stay (it had
                # not seen the restriction yet): kept, pending, for the desk to decide.
                order = order_flag_conflict(order=order, actor=actor, reason=broken.code, data={"nights": broken.extra["nights"]})
                return IntakeResult(order, "conflict")
            try:
                with transaction.atomic():
                    order = order_confirm(order=order, actor=actor)
                return IntakeResult(order, "confirmed")
            except DomainError as exc:
                if exc.code not in INVENTORY_REFUSALS:
                    raise
                order = order_flag_conflict(order=order, actor=actor, reason=exc.code, data={"nights": exc.extra.get("nights", [])})
                return IntakeResult(order, "conflict")
    except DuplicateExternalRef:
        # A concurrent push of the same reference committed first.
        return IntakeResult(Order.objects.get(store=store, channel=channel, external_ref=external_ref), "duplicate")


def _split_amount(amount: Decimal, nights: list[date]) -> dict[date, Decimal]:
    """Spread a stay's total over its nights (cents to the last night) so the lines add up."""
    if not nights:
        return {}
    amount = quantize(amount)
    each = quantize(amount / len(nights))
    prices = {n: each for n in nights}
    prices[nights[-1]] = amount - each * (len(nights) - 1)
    if prices[nights[-1]] < 0:
        raise _invalid("invalid", _("The amount cannot be spread over the nights."), "amount")
    return prices
