"""Booking: a new order (reservation, confirmed at once or not), a walk-in (created,
confirmed and checked in at once). Booker and guests become contacts (existing ones
reused); nights are priced by the rooms app's pricing rules and the rate is locked on
each night's line."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import metrics
from apps.common.errors import DomainError
from apps.common.money import quantize
from apps.contacts.models import Contact
from apps.contacts.services import DocumentBelongsToOtherContact, contact_find_or_create
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Channel, Order, OrderEvent, OrderGuest, OrderItem
from apps.orders.policy import channel_snapshot, store_snapshot
from apps.orders.selectors import cancellation_policy_get, channel_of_type, order_with_rows
from apps.orders.services.channels import channel_defaults_ensure
from apps.orders.services.inputs import ExtraIn, PartyIn, PersonIn, StayIn
from apps.orders.services.lifecycle import order_check_in
from apps.orders.services.outbox import _after_commit
from apps.orders.services.recipe import Status, _check_line_amount, _check_order_total, _invalid, _user
from apps.orders.services.stay import (
    _check_channel,
    _check_guests,
    _check_named_guests,
    _check_notes,
    _check_room,
    _check_room_type,
    _check_stay_dates,
    _night_description,
    _quote_prices,
)
from apps.rooms.quote import stay_quote
from apps.rooms import inventory
from apps.rooms.inventory import nights_between
from apps.rooms.models import Room
from apps.tenancy.business_day import business_date
from apps.tenancy.models import Store


def _next_code(today: date) -> tuple[int, str]:
    """A new order id and its human-readable number (yymmdd-id, ``today`` being the
    store's business date), one query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('orders_order', 'id'))")
        pk = cursor.fetchone()[0]
    return pk, f"{today:%y%m%d}-{pk:05d}"


def channel_for_type(*, store: Store, channel_type: str) -> Channel:
    """The store's first active channel of ``channel_type`` (defaults created if missing)."""
    channel = channel_of_type(store=store, channel_type=channel_type)
    if channel is None:
        channel_defaults_ensure(store=store)
        channel = channel_of_type(store=store, channel_type=channel_type)
    if channel is None:
        raise _invalid(OrderErrorCode.CHANNEL_UNKNOWN, _("No active channel of this kind."), "channel")
    return channel


def _contacts(*, store: Store, booker: PersonIn | None, guests: list[PersonIn], actor):

    booker_contact = None
    if booker is not None:
        booker_contact = _person_contact(store=store, person=booker, contact_type=Contact.Type.BOOKER, actor=actor, label="booker")
    guest_rows: list[tuple[Any, bool]] = []
    seen: set[int] = set()
    primary_given = any(g.is_primary for g in guests)
    for index, guest in enumerate(guests):
        if booker_contact is not None and _same_person(guest, booker):
            # The booker stays too: one contact (a name alone would otherwise make two).
            contact = booker_contact
        else:
            contact = _person_contact(
                store=store, person=guest, contact_type=Contact.Type.GUEST, actor=actor, label=f"guests[{index}]",
            )
        if contact.pk in seen:
            continue
        seen.add(contact.pk)
        is_primary = guest.is_primary if primary_given else index == 0
        guest_rows.append((contact, is_primary and not any(p for _c, p in guest_rows)))
    return booker_contact, guest_rows


def _person_contact(*, store: Store, person: PersonIn, contact_type: str, actor, label: str):
    """The contact of a booker or guest; a document on file under another name is refused
    (409 ``document_belongs_to_other_contact``, ``extra.person`` says whose: ``booker``,
    ``guests[0]``...) unless ``person.existing_contact_id`` chose that guest."""
    try:
        return contact_find_or_create(
            store=store, full_name=person.full_name, phone=person.phone, id_type=person.id_type,
            id_number=person.id_number, contact_type=contact_type, actor=actor,
            existing_contact_id=person.existing_contact_id,
        )
    except DocumentBelongsToOtherContact as exc:
        exc.extra["person"] = label
        raise


def _same_person(a: PersonIn, b: PersonIn | None) -> bool:
    return b is not None and (a.full_name.strip(), a.phone, a.id_type, a.id_number) == (b.full_name.strip(), b.phone, b.id_type, b.id_number)


def order_create(
    *,
    store: Store,
    actor,
    stay: StayIn,
    party: PartyIn = PartyIn(),
    channel: Channel | None = None,
    source: str = Order.Source.MANUAL,
    notes: str = "",
    external_ref: str | None = None,
    extras: list[ExtraIn] | tuple[ExtraIn, ...] = (),
    confirm: bool = False,
    allow_past_arrival: bool = False,
    cancellation_policy: dict[str, Any] | None = None,
    check_restrictions: bool = True,
) -> Order:
    """A new order for ``stay`` and ``party``, pending confirmation, or confirmed at once
    (``confirm``: holds its nights; refused with ``room_unavailable`` /
    ``room_type_sold_out`` and nothing written if they are gone). Booker and guests become
    contacts (existing ones reused). Nights are priced by the rooms pricing rules now
    (``stay.nightly_prices`` overrides them) and the rate stays locked on the items.
    ``channel`` defaults to the store's direct (or walk-in) channel. ``allow_past_arrival``
    is for stays already under way when they are entered (imports, demo data). The order
    returned carries the rows written with it (``order_with_rows``).

    The order keeps a copy of its cancellation terms (``Order.cancellation_policy``,
    ``apps/orders/policy.py``): ``cancellation_policy`` if given (intake passes the
    channel's), else the store's policy now; an external order without one is free.

    The checks, and the refusal of nights already gone, read before the transaction that
    writes: a refused booking ends no transaction of its own with a ROLLBACK, so the
    connection keeps its prepared statements (psycopg deallocates them all at any
    ROLLBACK) for the next request. The hold inside the transaction still decides.

    The stay is priced and checked by the one quote (``apps.rooms.quote.stay_quote``): a
    stay that breaks a restriction (closed night, closed to arrival, minimum stay) is
    refused, 409 ``stay_closed`` / ``stay_closed_to_arrival`` / ``stay_below_min_stay``,
    unless ``check_restrictions`` is False (the intake, which keeps such an order as a
    conflict).

    A refusal is counted by its code (``pms_booking_refusals_total``)."""
    try:
        return _order_create(
            store=store, actor=actor, stay=stay, party=party, channel=channel, source=source, notes=notes,
            external_ref=external_ref, extras=extras, confirm=confirm, allow_past_arrival=allow_past_arrival,
            cancellation_policy=cancellation_policy, check_restrictions=check_restrictions,
        )
    except DomainError as exc:
        metrics.booking_refused(code=exc.code)
        raise


def _order_create(
    *, store: Store, actor, stay: StayIn, party: PartyIn, channel: Channel | None, source: str, notes: str,
    external_ref: str | None, extras, confirm: bool, allow_past_arrival: bool, cancellation_policy: dict[str, Any] | None,
    check_restrictions: bool,
) -> Order:
    room_type, room, arrival, departure = stay.room_type, stay.room, stay.arrival, stay.departure
    adults, children = party.adults, party.children
    today = business_date(store=store)
    _check_stay_dates(store=store, arrival=arrival, departure=departure, allow_past_arrival=allow_past_arrival, today=today)
    _check_room_type(store, room_type)
    if room is not None:
        _check_room(store, room, room_type.pk)
    _check_guests(room_type, adults, children)
    _check_named_guests(adults=adults, children=children, named=len(party.guests))
    _check_notes(notes)
    if channel is None:
        channel = channel_for_type(
            store=store, channel_type=Channel.Type.WALK_IN if source == Order.Source.WALK_IN else Channel.Type.DIRECT
        )
    _check_channel(store, channel)
    nights = nights_between(arrival, departure)
    if cancellation_policy is None:
        if source == Order.Source.EXTERNAL:
            cancellation_policy = channel_snapshot(None, time_zone=store.time_zone)
        else:
            cancellation_policy = store_snapshot(cancellation_policy_get(store=store), time_zone=store.time_zone)
    quote = stay_quote(room_type=room_type, arrival=arrival, departure=departure)
    if check_restrictions and (refusal := quote.refusal()) is not None:
        raise refusal
    prices = stay.nightly_prices or _quote_prices(quote)
    if confirm:  # nights already gone: refused before anything is written (the hold below still decides)
        refusal = inventory.stay_refusal(room_type_id=room_type.pk, nights=nights, room_id=room.pk if room else None)
        if refusal is not None:
            raise refusal
    with transaction.atomic():
        return _order_write(
            store=store, actor=actor, stay=stay, party=party, channel=channel, source=source, notes=notes,
            external_ref=external_ref, extras=extras, confirm=confirm, today=today, nights=nights,
            cancellation_policy=cancellation_policy, prices=prices,
        )


def _order_write(
    *, store: Store, actor, stay: StayIn, party: PartyIn, channel: Channel, source: str, notes: str,
    external_ref: str | None, extras, confirm: bool, today: date, nights: list[date], cancellation_policy: dict[str, Any],
    prices: dict[date, Decimal],
) -> Order:
    """The writes of ``order_create``, in its transaction."""
    room_type, room, arrival, departure = stay.room_type, stay.room, stay.arrival, stay.departure
    adults, children = party.adults, party.children
    booker_contact, guest_rows = _contacts(store=store, booker=party.booker, guests=list(party.guests), actor=actor)
    primary = next((c for c, p in guest_rows if p), None) or booker_contact
    # A price given by the caller (a channel's) is kept when the stay is re-priced later.
    rate_source = OrderItem.RateSource.CHANNEL if stay.nightly_prices else OrderItem.RateSource.RULES
    now = timezone.now()
    user = _user(actor)
    pk, code = _next_code(today)
    order = Order(
        pk=pk, store=store, code=code, source=source, channel=channel, external_ref=external_ref or None,
        booker=booker_contact,
        primary_contact_name=(primary.full_name if primary else "")[:100],
        primary_contact_phone_masked=primary.phone_masked if primary else "",
        room_type=room_type, room=room, arrival=arrival, departure=departure, adults=adults, children=children,
        estimated_arrival_time=party.estimated_arrival_time, currency=store.currency, notes=notes, created_by=user,
        status=Status.CONFIRMED if confirm else Status.PENDING_CONFIRMATION, confirmed_at=now if confirm else None,
        cancellation_policy=cancellation_policy,
    )
    items = [
        OrderItem(
            order=order, store=store, kind=OrderItem.Kind.ROOM_NIGHT, service_date=night,
            description=_night_description(room_type, night), quantity=1, unit_price=quantize(prices[night]),
            total_price=quantize(prices[night]), room_type=room_type, room=room, rate_source=rate_source,
        )
        for night in nights
    ]
    for extra in extras:
        unit = quantize(extra.unit_price)
        items.append(
            OrderItem(
                order=order, store=store, kind=OrderItem.Kind.EXTRA, service_date=extra.service_date,
                description=extra.description, quantity=extra.quantity, unit_price=unit, total_price=unit * extra.quantity,
            )
        )
    for item in items:  # nightly prices given by the caller (an OTA's amount) and extras
        _check_line_amount(item.total_price, "extras" if item.kind == OrderItem.Kind.EXTRA else "nightly_prices")
    _check_order_total(sum((i.total_price for i in items), Decimal(0)))
    order.total_amount = quantize(sum((i.total_price for i in items), Decimal(0)))
    order.due_amount = order.total_amount - order.paid_amount
    order_guests = [OrderGuest(order=order, contact=c, is_primary=p) for c, p in guest_rows]
    events = [OrderEvent(
        order=order, store=store, kind=OrderEvent.Kind.CREATED, to_status=Status.PENDING_CONFIRMATION, actor=user,
        data={"arrival": arrival.isoformat(), "departure": departure.isoformat(), "room_type_id": room_type.pk,
              "room_id": room.pk if room else None, "channel_id": channel.pk, "source": source,
              "total_amount": str(order.total_amount)},
    )]
    if confirm:
        events.append(OrderEvent(
            order=order, store=store, kind=OrderEvent.Kind.CONFIRMED, from_status=Status.PENDING_CONFIRMATION,
            to_status=Status.CONFIRMED, actor=user, data={"held": [n.isoformat() for n in nights]},
        ))
    if external_ref:
        try:
            with transaction.atomic():
                order.save(force_insert=True)
        except IntegrityError as exc:
            if "order_external_ref_unique" in str(exc):
                raise DuplicateExternalRef() from exc
            raise
    else:
        order.save(force_insert=True)
    OrderItem.objects.bulk_create(items)
    OrderGuest.objects.bulk_create(order_guests)
    OrderEvent.objects.bulk_create(events)
    if confirm:
        # Last, so the counter rows stay locked for as short a time as possible.
        inventory.hold_stay(
            store_id=store.pk, order_id=order.pk, room_type_id=room_type.pk, nights=nights,
            room_id=room.pk if room else None,
        )
    _after_commit("order.created", order, status=order.status)
    return order_with_rows(order, items=items, guests=order_guests, events=events)


class DuplicateExternalRef(Exception):
    """Another order of this channel already has this external reference."""


@transaction.atomic
def order_walk_in(*, store: Store, actor, room: Room, departure: date, party: PartyIn = PartyIn(), **kwargs: Any) -> Order:
    """A guest at the desk: created, confirmed and checked in at once, tonight onwards
    (``kwargs``: ``order_create``'s channel, notes, extras)."""
    stay = StayIn(room_type=room.room_type, room=room, arrival=business_date(store=store), departure=departure)
    order = order_create(
        store=store, actor=actor, stay=stay, party=party, source=Order.Source.WALK_IN, confirm=True, **kwargs,
    )
    return order_check_in(order=order, actor=actor)
