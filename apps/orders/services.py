"""Writes of orders: create (reservation, walk-in, external), the lifecycle transitions,
stay changes, extras, channels, and the idempotency keys of the intake API.

Every transition follows one recipe (STYLE 2): lock the order row -> check the move
against ``Order.TRANSITIONS`` -> bring inventory to what the new state should hold ->
set status and its timestamp -> write an ``OrderEvent`` -> side effects on commit.

Inventory rule: an order in ``Order.HOLDING`` holds exactly its nights, each in the
room type (and room, once assigned) written on that night's room-night item; any other
order holds nothing. ``_sync_inventory`` compares what the order held before a change
with what it must hold after it and applies the difference through
``apps.rooms.inventory``, whose PostgreSQL constraints make overbooking impossible.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError, NotFoundError
from apps.common.money import quantize
from apps.contacts.models import Contact
from apps.contacts.services import contact_find_or_create
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Channel, Order, OrderEvent, OrderGuest, OrderItem
from apps.orders.selectors import channel_of_type
from apps.rooms import inventory
from apps.rooms.inventory import MAX_STAY_NIGHTS, nights_between
from apps.rooms.models import Room, RoomType
from apps.rooms.selectors import stay_price_nights
from apps.tenancy.business_day import business_date
from apps.tenancy.models import Store

logger = logging.getLogger(__name__)

Status = Order.Status
Plan = dict[date, tuple[int, int | None]]  # night -> (room type id, room id or None)


# --- small helpers -------------------------------------------------------------------


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock(order: Order) -> Order:
    """The order's row, locked until the end of the transaction, freshly read, with its
    store, room type and room (one query)."""
    return Order.objects.select_for_update(of=("self",)).select_related("store", "room_type", "room").get(pk=order.pk)


def _check_transition(order: Order, to: str) -> None:
    if to not in Order.TRANSITIONS[order.status]:
        raise DomainError(
            OrderErrorCode.ILLEGAL_TRANSITION,
            _("An order cannot go from %(from)s to %(to)s.") % {"from": Status(order.status).label, "to": Status(to).label},
            extra={"from": order.status, "to": to, "allowed": sorted(Order.TRANSITIONS[order.status])},
        )


def _event(order: Order, kind: str, *, actor, from_status: str = "", to_status: str = "", data: dict | None = None) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, store_id=order.store_id, kind=kind, from_status=from_status, to_status=to_status,
        actor=_user(actor), data=data or {},
    )


def _save(order: Order, fields: list[str]) -> None:
    """Save ``fields`` of ``order`` with its version bumped (every change does)."""
    order.version += 1
    order.save(update_fields=sorted({*fields, "version", "updated_at"}))


# Apps that publish the OrderEvent outbox (notifications; webhooks later) subscribe from
# their AppConfig.ready(): each subscriber is called as ``fn(event, order_id=..., store_id=...,
# **fields)`` once the transaction that wrote the order's events has committed. An explicit
# registry rather than a signal (STYLE 11): orders stays free of its consumers, and the
# list of them is one place to read.
_OUTBOX_SUBSCRIBERS: list[Callable[..., None]] = []


def order_outbox_subscribe(fn: Callable[..., None]) -> None:
    """Call ``fn`` after each committed order change (idempotent per function)."""
    if fn not in _OUTBOX_SUBSCRIBERS:
        _OUTBOX_SUBSCRIBERS.append(fn)


def order_events_unpublished_claim(*, batch: int) -> list[OrderEvent]:
    """The oldest events not published yet (the outbox), at most ``batch``, locked for the
    caller's transaction: ``FOR NO KEY UPDATE SKIP LOCKED``, so concurrent publishers take
    disjoint rows. The caller marks them published (``order_events_mark_published``)
    before its transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("order_events_unpublished_claim() must run inside the publisher's transaction")
    return list(
        OrderEvent.objects.select_for_update(skip_locked=True, no_key=True).filter(published_at__isnull=True).order_by("id")[:batch]
    )


def order_events_mark_published(*, event_ids: list[int], at) -> None:
    """Take events out of the outbox (the publisher holds them: ``order_events_unpublished_claim``)."""
    OrderEvent.objects.filter(pk__in=event_ids).update(published_at=at)


def _after_commit(event: str, order: Order, **fields: Any) -> None:
    # The commit is logged as an event with fields; outbox subscribers publish the
    # OrderEvent rows (a subscriber's failure never reaches the caller: robust).
    extra = {"order_id": order.pk, "store_id": order.store_id, **fields}
    transaction.on_commit(lambda: logger.info(event, extra=extra))
    for subscriber in _OUTBOX_SUBSCRIBERS:
        transaction.on_commit(lambda fn=subscriber: fn(event, **extra), robust=True)


def _invalid(code: str, message: str, field: str) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {field: [message]}})


def _check_stay_dates(
    *, store: Store, arrival: date, departure: date, allow_past_arrival: bool = False, today: date | None = None
) -> None:
    """``today``: the store's business date when the caller has read it already."""
    if departure <= arrival:
        raise _invalid(OrderErrorCode.INVALID_STAY_DATES, _("Departure must be after arrival."), "departure")
    if (departure - arrival).days > MAX_STAY_NIGHTS:
        raise _invalid(
            OrderErrorCode.STAY_TOO_LONG, _("A stay is at most %(n)d nights.") % {"n": MAX_STAY_NIGHTS}, "departure"
        )
    if not allow_past_arrival and arrival < (today or business_date(store=store)):
        raise _invalid(OrderErrorCode.ARRIVAL_IN_PAST, _("Arrival cannot be in the past."), "arrival")


def _check_room_type(store: Store, room_type: RoomType) -> None:
    if room_type.store_id != store.pk:
        raise _invalid(OrderErrorCode.ROOM_TYPE_UNKNOWN, _("Unknown room type."), "room_type")
    if not room_type.is_active:
        raise _invalid(OrderErrorCode.ROOM_TYPE_INACTIVE, _("This room type is not on sale."), "room_type")


def _check_room(store: Store, room: Room, room_type_id: int) -> None:
    if room.store_id != store.pk:
        raise _invalid(OrderErrorCode.ROOM_NOT_OF_TYPE, _("Unknown room."), "room")
    if not room.is_active:
        raise _invalid(OrderErrorCode.ROOM_INACTIVE, _("This room is out of service."), "room")
    if room.room_type_id != room_type_id:
        raise _invalid(OrderErrorCode.ROOM_NOT_OF_TYPE, _("This room is not of the booked room type."), "room")


def _check_guests(room_type: RoomType, adults: int, children: int) -> None:
    if adults < 1:
        raise _invalid(OrderErrorCode.TOO_MANY_GUESTS, _("At least one adult."), "adults")
    if adults + children > room_type.capacity:
        raise _invalid(
            OrderErrorCode.TOO_MANY_GUESTS,
            _("This room type sleeps at most %(n)d guests.") % {"n": room_type.capacity},
            "adults",
        )


def _check_channel(store: Store, channel: Channel) -> None:
    if channel.store_id != store.pk:
        raise _invalid(OrderErrorCode.CHANNEL_UNKNOWN, _("Unknown channel."), "channel")
    if not channel.is_active:
        raise _invalid(OrderErrorCode.CHANNEL_INACTIVE, _("This channel is switched off."), "channel")


def _night_description(room_type: RoomType, night: date) -> str:
    return f"{room_type.name} {night.isoformat()}"


def _prices(*, room_type: RoomType, arrival: date, departure: date) -> dict[date, Decimal]:
    """Nightly prices by the rooms app's pricing rules (LOS = the whole stay). One query."""

    return dict(stay_price_nights(room_type=room_type, arrival=arrival, departure=departure))


def _night_lines(order: Order) -> dict[date, OrderItem]:
    return {
        item.service_date: item
        for item in OrderItem.objects.filter(order=order, kind=OrderItem.Kind.ROOM_NIGHT).order_by("service_date")
    }


def _plan(lines: dict[date, OrderItem]) -> Plan:
    return {night: (item.room_type_id, item.room_id) for night, item in lines.items()}


def _stay_items(order: Order) -> tuple[dict[date, OrderItem], Decimal]:
    """The locked order's room-night lines by night (``_night_lines``) and the total of its
    other items (extras), in one read: what check-out reads of its items."""
    lines: dict[date, OrderItem] = {}
    others = Decimal(0)
    for item in OrderItem.objects.filter(order=order).order_by("service_date", "id"):
        if item.kind == OrderItem.Kind.ROOM_NIGHT:
            lines[item.service_date] = item
        else:
            others += item.total_price
    return lines, others


def _recompute_totals(order: Order, *, items_total: Decimal | None = None) -> list[str]:
    """The order's total from its items (``items_total``: their sum, when the caller has
    every item of the locked order in hand), and what is due."""
    if items_total is not None:
        total = items_total
    else:
        total = OrderItem.objects.filter(order=order).aggregate(s=Sum("total_price"))["s"] or Decimal(0)
    order.total_amount = quantize(total, order.currency)
    order.due_amount = order.total_amount - order.paid_amount
    return ["total_amount", "due_amount"]


# --- inventory: what the order holds vs what it must hold --------------------------------


def _sync_inventory(*, order: Order, old_status: str, old_plan: Plan, new_plan: Plan) -> dict[str, list[str]]:
    """Make the inventory held by ``order`` go from ``old_plan`` (in ``old_status``) to
    ``new_plan`` (in ``order.status``). The order row is locked by the caller; a refusal
    (``RoomUnavailable``, ``RoomTypeSoldOut``) propagates and the caller's transaction
    rolls everything back. Returns the nights released / held, for the event."""
    held = old_plan if old_status in Order.HOLDING else {}
    wanted = new_plan if order.status in Order.HOLDING else {}
    if held == wanted:
        return {}
    release: dict[int, list[date]] = defaultdict(list)
    hold: dict[int, list[date]] = defaultdict(list)
    for night, (type_id, _room) in held.items():
        if night not in wanted or wanted[night][0] != type_id:
            release[type_id].append(night)
    for night, (type_id, _room) in wanted.items():
        if night not in held or held[night][0] != type_id:
            hold[type_id].append(night)
    store_id = order.store_id
    if release and hold:
        # Take every counter row this change touches in the global order first, so two
        # changes that release and hold in opposite directions cannot deadlock.
        union: dict[int, set[date]] = defaultdict(set)
        for part in (release, hold):
            for type_id, nights in part.items():
                union[type_id].update(nights)
        inventory.lock_counters(store_id=store_id, wanted=union)
    for type_id, nights in sorted(release.items()):
        inventory.release_stay(store_id=store_id, order_id=order.pk, room_type_id=type_id, nights=sorted(nights))
    for type_id, nights in sorted(hold.items()):
        inventory.hold_stay(store_id=store_id, order_id=order.pk, room_type_id=type_id, nights=sorted(nights))

    # Room level. Released nights lost their room nights with the release above.
    current = {n: r for n, (t, r) in held.items() if r is not None and n in wanted and wanted[n][0] == t}
    rooms_wanted = {n: r for n, (_t, r) in wanted.items() if r is not None}
    moves: dict[tuple[int, int], list[date]] = defaultdict(list)
    for night, room_id in rooms_wanted.items():
        if current.get(night) != room_id:
            moves[(room_id, wanted[night][0])].append(night)
    cleared = [n for n in current if n not in rooms_wanted]
    if cleared:
        if rooms_wanted:  # never happens: a plan is all rooms assigned or none
            raise AssertionError("partial room unassignment")
        inventory.unassign_room(order_id=order.pk)
    for (room_id, type_id), nights in sorted(moves.items()):
        # With the type the nights hold: a room of another type is refused under its row lock.
        inventory.assign_room(store_id=store_id, order_id=order.pk, room_id=room_id, nights=sorted(nights), room_type_id=type_id)
    return {
        "released": sorted(n.isoformat() for nights in release.values() for n in nights),
        "held": sorted(n.isoformat() for nights in hold.values() for n in nights),
    }


def _reshape(
    order: Order, lines: dict[date, OrderItem], *, arrival: date, departure: date, room_type: RoomType,
    room: Room | None, frozen_before: date | None = None,
) -> Plan:
    """Rewrite the room-night items for a stay ``[arrival, departure)`` in ``room_type`` /
    ``room``; nights before ``frozen_before`` (already spent in the house) keep their
    room and type. Nights kept in the same type keep their locked price; new nights and
    nights moved to another type are priced now. Returns the new plan; ``lines`` is
    updated in place to the new items."""
    new_nights = nights_between(arrival, departure)
    keep = set(new_nights)
    removed = [n for n in lines if n not in keep]
    if removed:
        OrderItem.objects.filter(pk__in=[lines[n].pk for n in removed]).delete()
        for n in removed:
            del lines[n]
    to_price = [
        n for n in new_nights
        if (n not in lines or lines[n].room_type_id != room_type.pk) and not (frozen_before and n < frozen_before and n in lines)
    ]
    prices = _prices(room_type=room_type, arrival=arrival, departure=departure) if to_price else {}
    changed, created = [], []
    for night in new_nights:
        item = lines.get(night)
        if item is not None and frozen_before is not None and night < frozen_before:
            continue
        room_id = room.pk if room is not None else None
        if item is None:
            price = prices[night]
            item = OrderItem(
                order=order, store_id=order.store_id, kind=OrderItem.Kind.ROOM_NIGHT, service_date=night,
                description=_night_description(room_type, night), quantity=1, unit_price=price, total_price=price,
                room_type_id=room_type.pk, room_id=room_id,
            )
            created.append(item)
            lines[night] = item
        elif item.room_type_id != room_type.pk:
            price = prices[night]
            item.room_type_id, item.room_id = room_type.pk, room_id
            item.unit_price = item.total_price = price
            item.description = _night_description(room_type, night)
            changed.append(item)
        elif item.room_id != room_id:
            item.room_id = room_id
            changed.append(item)
    if created:
        OrderItem.objects.bulk_create(created)
    if changed:
        OrderItem.objects.bulk_update(changed, ["room_type", "room", "unit_price", "total_price", "description"])
    return _plan(lines)


# --- create --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonIn:
    """A booker or guest as given with a booking; becomes (or finds) a contact."""

    full_name: str
    phone: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    is_primary: bool = False


@dataclass(frozen=True)
class ExtraIn:
    description: str
    unit_price: Decimal
    quantity: int = 1
    service_date: date | None = None


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
        booker_contact = contact_find_or_create(
            store=store, full_name=booker.full_name, phone=booker.phone, id_type=booker.id_type,
            id_number=booker.id_number, contact_type=Contact.Type.BOOKER, actor=actor,
        )
    guest_rows: list[tuple[Any, bool]] = []
    seen: set[int] = set()
    primary_given = any(g.is_primary for g in guests)
    for index, guest in enumerate(guests):
        if booker_contact is not None and _same_person(guest, booker):
            # The booker stays too: one contact (a name alone would otherwise make two).
            contact = booker_contact
        else:
            contact = contact_find_or_create(
                store=store, full_name=guest.full_name, phone=guest.phone, id_type=guest.id_type,
                id_number=guest.id_number, contact_type=Contact.Type.GUEST, actor=actor,
            )
        if contact.pk in seen:
            continue
        seen.add(contact.pk)
        is_primary = guest.is_primary if primary_given else index == 0
        guest_rows.append((contact, is_primary and not any(p for _c, p in guest_rows)))
    return booker_contact, guest_rows


def _same_person(a: PersonIn, b: PersonIn | None) -> bool:
    return b is not None and (a.full_name.strip(), a.phone, a.id_type, a.id_number) == (b.full_name.strip(), b.phone, b.id_type, b.id_number)


@transaction.atomic
def order_create(
    *,
    store: Store,
    actor,
    room_type: RoomType,
    arrival: date,
    departure: date,
    channel: Channel | None = None,
    source: str = Order.Source.MANUAL,
    room: Room | None = None,
    adults: int = 1,
    children: int = 0,
    booker: PersonIn | None = None,
    guests: list[PersonIn] | tuple[PersonIn, ...] = (),
    estimated_arrival_time: time | None = None,
    notes: str = "",
    external_ref: str | None = None,
    extras: list[ExtraIn] | tuple[ExtraIn, ...] = (),
    confirm: bool = False,
    nightly_prices: dict[date, Decimal] | None = None,
    allow_past_arrival: bool = False,
) -> Order:
    """A new order, pending confirmation, or confirmed at once (``confirm``: holds its
    nights; refused with ``room_unavailable`` / ``room_type_sold_out`` and nothing
    written if they are gone). Booker and guests become contacts (existing ones reused).
    Nights are priced by the rooms pricing rules now (``nightly_prices`` overrides, e.g.
    the amount an OTA sold) and the rate stays locked on the items. ``allow_past_arrival``
    is for stays already under way when they are entered (imports, demo data)."""
    today = business_date(store=store)
    _check_stay_dates(store=store, arrival=arrival, departure=departure, allow_past_arrival=allow_past_arrival, today=today)
    _check_room_type(store, room_type)
    if room is not None:
        _check_room(store, room, room_type.pk)
    _check_guests(room_type, adults, children)
    if channel is None:
        channel = channel_for_type(
            store=store, channel_type=Channel.Type.WALK_IN if source == Order.Source.WALK_IN else Channel.Type.DIRECT
        )
    _check_channel(store, channel)
    nights = nights_between(arrival, departure)
    if confirm:  # nights already gone: refused before anything is written (the hold below still decides)
        refusal = inventory.stay_refusal(room_type_id=room_type.pk, nights=nights, room_id=room.pk if room else None)
        if refusal is not None:
            raise refusal

    booker_contact, guest_rows = _contacts(store=store, booker=booker, guests=list(guests), actor=actor)
    primary = next((c for c, p in guest_rows if p), None) or booker_contact
    prices = nightly_prices or _prices(room_type=room_type, arrival=arrival, departure=departure)
    now = timezone.now()
    user = _user(actor)
    pk, code = _next_code(today)
    order = Order(
        pk=pk, store=store, code=code, source=source, channel=channel, external_ref=external_ref or None,
        booker=booker_contact,
        primary_contact_name=(primary.full_name if primary else "")[:100],
        primary_contact_phone_masked=primary.phone_masked if primary else "",
        room_type=room_type, room=room, arrival=arrival, departure=departure, adults=adults, children=children,
        estimated_arrival_time=estimated_arrival_time, currency=store.currency, notes=notes, created_by=user,
        status=Status.CONFIRMED if confirm else Status.PENDING_CONFIRMATION, confirmed_at=now if confirm else None,
    )
    items = [
        OrderItem(
            order=order, store=store, kind=OrderItem.Kind.ROOM_NIGHT, service_date=night,
            description=_night_description(room_type, night), quantity=1, unit_price=quantize(prices[night]),
            total_price=quantize(prices[night]), room_type=room_type, room=room,
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
    return order


class DuplicateExternalRef(Exception):
    """Another order of this channel already has this external reference."""


@transaction.atomic
def order_walk_in(*, store: Store, actor, room: Room, departure: date, **kwargs: Any) -> Order:
    """A guest at the desk: created, confirmed and checked in at once, tonight onwards."""
    order = order_create(
        store=store, actor=actor, room_type=room.room_type, room=room, arrival=business_date(store=store),
        departure=departure, source=Order.Source.WALK_IN, confirm=True, **kwargs,
    )
    return order_check_in(order=order, actor=actor)


# --- transitions -------------------------------------------------------------------------


@transaction.atomic
def order_confirm(*, order: Order, actor) -> Order:
    """pending_confirmation -> confirmed: hold every night (and the room if assigned).
    If the inventory is gone the order stays pending and nothing changes."""
    order = _lock(order)
    _check_transition(order, Status.CONFIRMED)
    if order.departure <= business_date(store=order.store):
        raise DomainError(
            OrderErrorCode.INVALID_STAY_DATES, _("This stay is over; it cannot be confirmed."),
            extra={"departure": order.departure.isoformat()},
        )
    lines = _night_lines(order)
    plan = _plan(lines)
    old = order.status
    order.status, order.confirmed_at = Status.CONFIRMED, timezone.now()
    changes = _sync_inventory(order=order, old_status=old, old_plan=plan, new_plan=plan)
    order.is_conflict, order.conflict_reason = False, ""
    _save(order, ["status", "confirmed_at", "is_conflict", "conflict_reason"])
    _event(order, OrderEvent.Kind.CONFIRMED, actor=actor, from_status=old, to_status=order.status, data=changes)
    _after_commit("order.confirmed", order)
    return order


@transaction.atomic
def order_check_in(*, order: Order, actor, room: Room | None = None) -> Order:
    """confirmed -> checked_in, on or after the arrival date, in a room (the assigned one
    or ``room``, which is assigned now; another type is a room-type change)."""
    order = _lock(order)
    _check_transition(order, Status.CHECKED_IN)
    today = business_date(store=order.store)
    if today < order.arrival:
        raise DomainError(
            OrderErrorCode.TOO_EARLY_TO_CHECK_IN, _("This stay starts on %(date)s.") % {"date": order.arrival.isoformat()},
            extra={"arrival": order.arrival.isoformat(), "business_date": today.isoformat()},
        )
    if today >= order.departure:
        raise DomainError(
            OrderErrorCode.TOO_LATE_TO_CHECK_IN, _("This stay ended on %(date)s.") % {"date": order.departure.isoformat()},
            extra={"departure": order.departure.isoformat(), "business_date": today.isoformat()},
        )
    data: dict[str, Any] = {}
    if room is not None and room.pk != order.room_id:
        if room.room_type_id != order.room_type_id:
            _check_guests(room.room_type, order.adults, order.children)
        data = _move(order, room=room, room_type=room.room_type)
    if order.room_id is None:
        raise DomainError(OrderErrorCode.ROOM_REQUIRED, _("Assign a room before checking in."))
    old = order.status
    order.status, order.checked_in_at = Status.CHECKED_IN, timezone.now()
    _save(order, ["status", "checked_in_at", "room", "room_type", *(["total_amount", "due_amount"] if data else [])])
    _event(order, OrderEvent.Kind.CHECKED_IN, actor=actor, from_status=old, to_status=order.status,
           data={"room_id": order.room_id, **data})
    _after_commit("order.checked_in", order, room_id=order.room_id)
    return order


@transaction.atomic
def order_extend(*, order: Order, actor, departure: date) -> Order:
    """checked_in -> extended (or an extended stay extended again): hold the extra nights
    in the same room, priced now, or refuse and change nothing."""
    order = _lock(order)
    if order.status != Status.EXTENDED:
        _check_transition(order, Status.EXTENDED)
    if departure <= order.departure:
        raise _invalid(OrderErrorCode.EXTEND_MUST_LENGTHEN, _("The new departure must be after the current one."), "departure")
    _check_stay_dates(store=order.store, arrival=order.arrival, departure=departure, allow_past_arrival=True)
    lines = _night_lines(order)
    old_plan = _plan(lines)
    old_status, old_departure = order.status, order.departure
    new_plan = _reshape(order, lines, arrival=order.arrival, departure=departure, room_type=order.room_type,
                        room=order.room, frozen_before=old_departure)
    order.status, order.departure = Status.EXTENDED, departure
    changes = _sync_inventory(order=order, old_status=old_status, old_plan=old_plan, new_plan=new_plan)
    _save(order, ["status", "departure", *_recompute_totals(order)])
    _event(order, OrderEvent.Kind.EXTENDED, actor=actor, from_status=old_status, to_status=order.status,
           data={"departure": [old_departure.isoformat(), departure.isoformat()], **changes})
    _after_commit("order.extended", order)
    return order


@transaction.atomic
def order_check_out(*, order: Order, actor, settle: Callable[[Order], dict[str, Any]] | None = None) -> Order:
    """checked_in / extended -> checked_out. Leaving before the booked departure moves the
    departure to today (at least one night is kept), gives the unused nights back to
    sale and drops their room-night lines.

    The orders half of a check-out: the desk's check-out is
    ``apps.frontdesk.services.stay_check_out``, which settles the bill through ``settle``
    (called with the freshly locked order once the move is allowed, before anything
    changes; it may refuse by raising, and what it returns is recorded on the event) and
    marks the room dirty."""
    order = _lock(order)
    _check_transition(order, Status.CHECKED_OUT)
    settled = settle(order) if settle is not None else {}
    today = business_date(store=order.store)
    old_status, old_departure = order.status, order.departure
    new_departure = min(order.departure, max(today, order.arrival + timedelta(days=1)))
    lines, other_items_total = _stay_items(order)
    old_plan = _plan(lines)
    removed_amount = sum((lines[n].total_price for n in lines if n >= new_departure), Decimal(0))
    new_plan = _reshape(order, lines, arrival=order.arrival, departure=new_departure, room_type=order.room_type,
                        room=order.room, frozen_before=new_departure)
    order.status, order.checked_out_at, order.departure = Status.CHECKED_OUT, timezone.now(), new_departure
    changes = _sync_inventory(order=order, old_status=old_status, old_plan=old_plan, new_plan=new_plan)
    # ``lines`` are the room nights as they are now (``_reshape`` updates it in place).
    items_total = other_items_total + sum((line.total_price for line in lines.values()), Decimal(0))
    _save(order, ["status", "checked_out_at", "departure", *_recompute_totals(order, items_total=items_total)])
    data: dict[str, Any] = {"room_id": order.room_id, "early": new_departure < old_departure, **settled}
    if new_departure < old_departure:
        data.update(departure=[old_departure.isoformat(), new_departure.isoformat()], removed_amount=str(removed_amount), **changes)
    _event(order, OrderEvent.Kind.CHECKED_OUT, actor=actor, from_status=old_status, to_status=order.status, data=data)
    _after_commit("order.checked_out", order, early=data["early"])
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str) -> Order:
    """pending_confirmation / confirmed -> cancelled, with a reason; held nights are released."""
    reason = (reason or "").strip()
    order = _lock(order)
    _check_transition(order, Status.CANCELLED)
    if not reason:
        raise _invalid(OrderErrorCode.CANCELLATION_REASON_REQUIRED, _("Say why the order is cancelled."), "reason")
    lines = _night_lines(order)
    plan = _plan(lines)
    old = order.status
    order.status, order.cancelled_at, order.cancellation_reason = Status.CANCELLED, timezone.now(), reason
    changes = _sync_inventory(order=order, old_status=old, old_plan=plan, new_plan=plan)
    order.is_conflict = False
    _save(order, ["status", "cancelled_at", "cancellation_reason", "is_conflict"])
    _event(order, OrderEvent.Kind.CANCELLED, actor=actor, from_status=old, to_status=order.status,
           data={"reason": reason, **changes})
    _after_commit("order.cancelled", order)
    return order


@transaction.atomic
def order_mark_no_show(*, order: Order, actor) -> Order:
    """confirmed -> no_show, from the arrival date on; held nights are released."""
    order = _lock(order)
    _check_transition(order, Status.NO_SHOW)
    today = business_date(store=order.store)
    if today < order.arrival:
        raise DomainError(
            OrderErrorCode.TOO_EARLY_FOR_NO_SHOW, _("The guest is not due before %(date)s.") % {"date": order.arrival.isoformat()},
            extra={"arrival": order.arrival.isoformat(), "business_date": today.isoformat()},
        )
    lines = _night_lines(order)
    plan = _plan(lines)
    old = order.status
    order.status, order.no_show_at = Status.NO_SHOW, timezone.now()
    changes = _sync_inventory(order=order, old_status=old, old_plan=plan, new_plan=plan)
    _save(order, ["status", "no_show_at"])
    _event(order, OrderEvent.Kind.NO_SHOW, actor=actor, from_status=old, to_status=order.status, data=changes)
    _after_commit("order.no_show", order)
    return order


def orders_lock(*, order_ids: Iterable[int]) -> dict[int, Order]:
    """Lock orders for the caller's transaction, by primary key (the global lock order:
    orders first, then what hangs off them, such as their folios). ``FOR NO KEY UPDATE``:
    rows that reference them may still be inserted. Fresh rows, by id."""
    rows = Order.objects.select_for_update(no_key=True).filter(pk__in=set(order_ids)).order_by("pk")
    return {order.pk: order for order in rows}


def order_paid_amounts_set(*, paid: dict[int, Decimal]) -> None:
    """Set what each order has been paid (``paid``: order id -> amount; its folios decide
    it, ``apps.folios``) and so what is still due (``total - paid``), with the version
    bumped. The caller holds the orders' row locks (``orders_lock``). One UPDATE."""
    if not paid:
        return
    amount = Case(*[When(pk=pk, then=Value(value)) for pk, value in paid.items()],
                  output_field=Order._meta.get_field("paid_amount"))
    Order.objects.filter(pk__in=list(paid)).update(
        paid_amount=amount, due_amount=F("total_amount") - amount, version=F("version") + 1, updated_at=timezone.now(),
    )


def orders_lock_for_audit(*, store: Store, day: date) -> list[Order]:
    """Lock every order the night audit of ``day`` may touch, by pk (the global lock
    order): in the house (the audit posts night ``day`` or lists them as due out) or
    confirmed and due by ``day`` (no-show candidates). ``FOR NO KEY UPDATE``: rows that
    reference them (ledger rows, events) may still be inserted. The caller is in a
    transaction; each order has its id, store, code, status, arrival and departure."""
    return list(
        Order.objects.select_for_update(no_key=True)
        .filter(store=store, status__in=[*Order.IN_HOUSE, Status.CONFIRMED], arrival__lte=day)
        .only("id", "store_id", "code", "status", "arrival", "departure")
        .order_by("id")
    )


# --- stay changes (modifications, not transitions) -------------------------------------------

_UNSET: Any = object()


def _move(order: Order, *, room: Room | None, room_type: RoomType, arrival: date | None = None,
          departure: date | None = None) -> dict[str, Any]:
    """Change the stay of the locked ``order`` in place (items, inventory, fields); returns
    what changed for the event. In the house, nights before today stay where they were."""
    arrival = arrival or order.arrival
    departure = departure or order.departure
    _check_room_type(order.store, room_type)
    if room is not None:
        _check_room(order.store, room, room_type.pk)
    in_house = order.status in Order.IN_HOUSE
    frozen = business_date(store=order.store) if in_house else None
    lines = _night_lines(order)
    old_plan = _plan(lines)
    before = {
        "arrival": order.arrival.isoformat(), "departure": order.departure.isoformat(),
        "room_type_id": order.room_type_id, "room_id": order.room_id,
    }
    new_plan = _reshape(order, lines, arrival=arrival, departure=departure, room_type=room_type, room=room, frozen_before=frozen)
    order.arrival, order.departure, order.room_type, order.room = arrival, departure, room_type, room
    if in_house and any(night < frozen and plan[1] != (room.pk if room else None) for night, plan in new_plan.items()):
        order.moved_in_house = True
    changes = _sync_inventory(order=order, old_status=order.status, old_plan=old_plan, new_plan=new_plan)
    _recompute_totals(order)
    after = {
        "arrival": arrival.isoformat(), "departure": departure.isoformat(),
        "room_type_id": room_type.pk, "room_id": room.pk if room else None,
    }
    return {"changes": {k: [before[k], after[k]] for k in before if before[k] != after[k]}, **changes}


@transaction.atomic
def order_modify(
    *, order: Order, actor, arrival: date | None = None, departure: date | None = None,
    room_type: RoomType | None = None, room: Room | None = _UNSET,
) -> Order:
    """Change dates, room type or room (the grid's drag-and-drop). Before arrival all of
    them; in the house only the room (and with it the type), from tonight on -- longer
    stays go through ``order_extend``, shorter ones through ``order_check_out``. A move
    onto a taken room or a sold-out type raises and changes nothing. A room of another
    type moves the order to that type (old type released, new type held)."""
    order = _lock(order)
    if order.status not in Order.ACTIVE:
        raise DomainError(
            OrderErrorCode.ORDER_NOT_ACTIVE, _("A %(status)s order cannot be changed.") % {"status": Status(order.status).label},
            extra={"status": order.status},
        )
    in_house = order.status in Order.IN_HOUSE
    new_arrival = arrival or order.arrival
    new_departure = departure or order.departure
    if in_house and (new_arrival != order.arrival or new_departure != order.departure):
        raise DomainError(
            OrderErrorCode.IN_HOUSE_CHANGE_NOT_ALLOWED,
            _("The guest is in the house: extend the stay or check out instead of changing dates."),
        )
    new_room = order.room if room is _UNSET else room
    if room_type is None:
        new_type = new_room.room_type if new_room is not None else order.room_type
    else:
        new_type = room_type
        if new_room is not None and new_room.room_type_id != new_type.pk:
            if room is _UNSET:
                new_room = None  # a type change without a room: back to type level
            else:
                raise _invalid(OrderErrorCode.ROOM_NOT_OF_TYPE, _("This room is not of the chosen room type."), "room")
    if in_house and new_room is None:
        raise DomainError(OrderErrorCode.ROOM_REQUIRED, _("A guest in the house needs a room."))
    if (new_arrival, new_departure, new_type.pk, new_room.pk if new_room else None) == (
        order.arrival, order.departure, order.room_type_id, order.room_id
    ):
        raise DomainError(OrderErrorCode.NOTHING_TO_CHANGE, _("Nothing to change."))
    if new_arrival != order.arrival or new_departure != order.departure:
        _check_stay_dates(
            store=order.store, arrival=new_arrival, departure=new_departure,
            allow_past_arrival=new_arrival == order.arrival,
        )
    if new_type.pk != order.room_type_id:
        _check_guests(new_type, order.adults, order.children)
    data = _move(order, room=new_room, room_type=new_type, arrival=new_arrival, departure=new_departure)
    _save(order, ["arrival", "departure", "room_type", "room", "total_amount", "due_amount", "moved_in_house"])
    only_room = set(data["changes"]) <= {"room_id"}
    _event(order, OrderEvent.Kind.ROOM_ASSIGNED if only_room else OrderEvent.Kind.MODIFIED, actor=actor,
           from_status=order.status, to_status=order.status, data=data)
    _after_commit("order.modified", order)
    return order


def order_assign_room(*, order: Order, actor, room: Room | None) -> Order:
    """Put the order in ``room`` (``None``: back to type level, before arrival only)."""
    return order_modify(order=order, actor=actor, room=room)


EDITABLE_FIELDS = ("notes", "adults", "children", "estimated_arrival_time")


@transaction.atomic
def order_update(*, order: Order, actor, **values: Any) -> Order:
    """Edit the order's details (notes, guest counts, estimated arrival time)."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    order = _lock(order)
    changes = {k: [_jsonable(getattr(order, k)), _jsonable(v)] for k, v in values.items() if getattr(order, k) != v}
    if not changes:
        return order
    if {"adults", "children"} & set(changes):
        if order.status not in Order.ACTIVE:
            raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("Guest counts of a closed order cannot change."))
        _check_guests(order.room_type, values.get("adults", order.adults), values.get("children", order.children))
    for key in changes:
        setattr(order, key, values[key])
    _save(order, list(changes))
    _event(order, OrderEvent.Kind.UPDATED, actor=actor, from_status=order.status, to_status=order.status,
           data={"changes": changes})
    return order


def _jsonable(value):
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


@transaction.atomic
def order_extra_add(*, order: Order, actor, extra: ExtraIn) -> OrderItem:
    """Add an extra (breakfast, late check-out...) to an order that is not closed."""
    order = _lock(order)
    if order.status not in Order.ACTIVE:
        raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("Extras cannot be added to a closed order."))
    unit = quantize(extra.unit_price, order.currency)
    item = OrderItem.objects.create(
        order=order, store_id=order.store_id, kind=OrderItem.Kind.EXTRA, service_date=extra.service_date,
        description=extra.description, quantity=extra.quantity, unit_price=unit, total_price=unit * extra.quantity,
    )
    _save(order, _recompute_totals(order))
    _event(order, OrderEvent.Kind.ITEM_ADDED, actor=actor, from_status=order.status, to_status=order.status,
           data={"item_id": item.pk, "description": item.description, "total_price": str(item.total_price)})
    return item


@transaction.atomic
def order_extra_remove(*, order: Order, actor, item_id: int) -> Order:
    order = _lock(order)
    if order.status not in Order.ACTIVE:
        raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("Extras of a closed order cannot be removed."))
    item = OrderItem.objects.filter(order=order, pk=item_id).first()
    if item is None:

        raise NotFoundError("not_found", _("Not found."))
    if item.kind != OrderItem.Kind.EXTRA:
        raise DomainError(OrderErrorCode.ITEM_NOT_EXTRA, _("Room nights change with the stay dates, not one by one."))
    item.delete()
    _save(order, _recompute_totals(order))
    _event(order, OrderEvent.Kind.ITEM_REMOVED, actor=actor, from_status=order.status, to_status=order.status,
           data={"item_id": item_id, "description": item.description, "total_price": str(item.total_price)})
    return order


def _mask_name(name: str) -> str:
    """A name as the event log keeps it: the first letter of each word, the rest starred
    (张三 -> 张*, 欧阳娜娜 -> 欧***, John Smith -> J*** S****)."""
    return " ".join(word[0] + "*" * max(len(word) - 1, 1) for word in name.split())


def _guest_data(contact, **more: Any) -> dict:
    # Ids and a masked name only: events are the outbox and the API's timeline, never a
    # place for a clear phone or document number.
    return {"contact_id": contact.pk, "name_masked": _mask_name(contact.full_name), **more}


def _show_primary(order: Order, contact) -> list[str]:
    """Point the order's display copies at ``contact`` (the primary guest, else the
    booker: as ``order_create`` sets them); the fields that changed."""
    values = {
        "primary_contact_name": (contact.full_name if contact else "")[:100],
        "primary_contact_phone_masked": contact.phone_masked if contact else "",
    }
    changed = [k for k, v in values.items() if getattr(order, k) != v]
    for key in changed:
        setattr(order, key, values[key])
    return changed


def _guest_taken() -> DomainError:
    return DomainError(OrderErrorCode.GUEST_ALREADY_ON_ORDER, _("This guest is already registered on this order."))


def _check_guests_open(order: Order) -> None:
    if order.status not in Order.ACTIVE:
        raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("Guests of a closed order cannot change."))


@transaction.atomic
def order_guest_add(*, order: Order, actor, person: PersonIn) -> OrderGuest:
    """Register one more person staying on an open order (a companion at the desk).

    The person becomes a contact of the store exactly as at booking (an existing profile
    with the same document or phone is reused). Refused on a closed order
    (``order_not_active``), for someone already on it (``guest_already_on_order``;
    ``UNIQUE (order, contact)`` decides under concurrency) and, in the house, for someone
    without an identity document given or on file (``guest_document_required``). The
    first guest is primary; ``person.is_primary`` makes the new one primary instead. An order without guest rows
    has its booker as the staying guest (what the pages and the check-in show): the
    booker is registered first, as primary, so adding a companion does not drop them."""

    order = _lock(order)
    _check_guests_open(order)
    contact = contact_find_or_create(
        store=order.store, full_name=person.full_name, phone=person.phone, id_type=person.id_type,
        id_number=person.id_number, contact_type=Contact.Type.GUEST, actor=actor,
    )
    rows = list(OrderGuest.objects.filter(order=order).select_related("contact"))
    if any(row.contact_id == contact.pk for row in rows):
        raise _guest_taken()
    if order.status in Order.IN_HOUSE and not contact.id_type:
        # Documents are registered at check-in (the check-in form asks for every guest's);
        # a guest joining a stay already in the house is registered now or not at all.
        # The contact just created, if any, goes with the rollback.
        raise _invalid(
            OrderErrorCode.GUEST_DOCUMENT_REQUIRED,
            _("A guest joining a stay in the house must be registered with an identity document."), "id_number",
        )
    events: list[dict] = []
    if not rows and order.booker_id is not None and order.booker_id != contact.pk:
        booker_row = OrderGuest.objects.create(order=order, contact=order.booker, is_primary=True)
        rows.append(booker_row)
        events.append(_guest_data(order.booker, is_primary=True, from_booker=True))
    current = next((row for row in rows if row.is_primary), None)
    is_primary = current is None or person.is_primary
    if is_primary and current is not None:
        # One primary per order (a partial unique index): the old one steps down first.
        OrderGuest.objects.filter(pk=current.pk).update(is_primary=False)
    try:
        with transaction.atomic():
            guest = OrderGuest.objects.create(order=order, contact=contact, is_primary=is_primary)
    except IntegrityError as exc:
        if "orderguest_once_per_order" in str(exc):
            raise _guest_taken() from exc
        raise
    events.append(_guest_data(contact, is_primary=is_primary))
    primary = contact if is_primary else current.contact
    _save(order, _show_primary(order, primary))
    for data in events:
        _event(order, OrderEvent.Kind.GUEST_ADDED, actor=actor, from_status=order.status, to_status=order.status, data=data)
    _after_commit("order.guest_added", order, contact_id=contact.pk)
    return guest


@transaction.atomic
def order_guest_remove(*, order: Order, actor, contact_id: int) -> Order:
    """Take a person off an open order's guests (``not_found`` if they are not on it).

    Removing the primary guest makes the next one (earliest added) primary. The last
    guest can go only when the order has a booker other than them: the booker is then
    the staying guest again (as for an order booked without guests); otherwise the order
    would have nobody to register (``order_guest_required``)."""
    order = _lock(order)
    _check_guests_open(order)
    rows = list(OrderGuest.objects.filter(order=order).select_related("contact").order_by("-is_primary", "id"))
    target = next((row for row in rows if row.contact_id == contact_id), None)
    if target is None:

        raise NotFoundError("not_found", _("Not found."))
    remaining = [row for row in rows if row is not target]
    if not remaining and (order.booker_id is None or order.booker_id == contact_id):
        raise DomainError(
            OrderErrorCode.ORDER_GUEST_REQUIRED,
            _("An order needs at least one staying guest: add the other guest before removing this one."),
        )
    target.delete()
    primary = next((row for row in remaining if row.is_primary), None)
    if primary is None and remaining:
        primary = remaining[0]
        OrderGuest.objects.filter(pk=primary.pk).update(is_primary=True)
        primary.is_primary = True
    _save(order, _show_primary(order, primary.contact if primary else order.booker))
    _event(order, OrderEvent.Kind.GUEST_REMOVED, actor=actor, from_status=order.status, to_status=order.status,
           data=_guest_data(target.contact, was_primary=target.is_primary,
                            primary_contact_id=primary.contact_id if primary else order.booker_id))
    _after_commit("order.guest_removed", order, contact_id=contact_id)
    return order


@transaction.atomic
def order_flag_conflict(*, order: Order, actor, reason: str, data: dict | None = None) -> Order:
    """Keep an order that could not be confirmed, marked for the desk's attention."""
    order = _lock(order)
    order.is_conflict, order.conflict_reason = True, reason[:255]
    _save(order, ["is_conflict", "conflict_reason"])
    _event(order, OrderEvent.Kind.CONFLICT, actor=actor, from_status=order.status, to_status=order.status,
           data={"reason": reason, **(data or {})})
    _after_commit("order.conflict", order, reason=reason)
    return order


# --- external intake ---------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeResult:
    order: Order
    # "confirmed": created and holding; "conflict": created, kept pending (inventory gone);
    # "duplicate": an order with this channel and external reference already existed.
    outcome: str


# Refusals of apps.rooms.inventory that mean "the inventory is gone" for an external order.
INVENTORY_REFUSALS = frozenset({"room_unavailable", "room_type_sold_out", "room_inactive"})


def order_intake_external(
    *, store: Store, actor, channel: Channel, external_ref: str, room_type: RoomType, arrival: date,
    departure: date, amount: Decimal | None = None, **kwargs: Any,
) -> IntakeResult:
    """An order pushed by an external system: created and confirmed; if the inventory is
    gone it is kept pending and flagged as a conflict, never dropped. One order per
    (channel, external reference): a repeat returns the existing order."""
    existing = Order.objects.filter(store=store, channel=channel, external_ref=external_ref).first()
    if existing is not None:
        return IntakeResult(existing, "duplicate")
    prices = None
    if amount is not None:
        prices = _split_amount(amount, nights_between(arrival, departure))
    try:
        with transaction.atomic():
            order = order_create(
                store=store, actor=actor, channel=channel, source=Order.Source.EXTERNAL, external_ref=external_ref,
                room_type=room_type, arrival=arrival, departure=departure, nightly_prices=prices, **kwargs,
            )
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


# --- channels ------------------------------------------------------------------------------

DEFAULT_CHANNELS = [
    # (code, name, type)
    ("direct", "直订", Channel.Type.DIRECT),
    ("walk_in", "散客", Channel.Type.WALK_IN),
    ("phone", "电话预订", Channel.Type.PHONE),
    ("ctrip", "携程", Channel.Type.OTA),
    ("meituan", "美团", Channel.Type.OTA),
    ("fliggy", "飞猪", Channel.Type.OTA),
    ("mall", "商城", Channel.Type.MALL),
]


def channel_defaults_ensure(*, store: Store) -> list[Channel]:
    """Create the default channels the store lacks (idempotent, safe under concurrency)."""
    Channel.objects.bulk_create(
        [Channel(store=store, code=code, name=name, channel_type=kind, sort_order=i) for i, (code, name, kind) in enumerate(DEFAULT_CHANNELS)],
        ignore_conflicts=True,
    )
    return list(Channel.objects.filter(store=store))


def _channel_taken(exc: IntegrityError) -> DomainValidationError:
    if "channel_code_unique_per_store" in str(exc):
        return _invalid(OrderErrorCode.CHANNEL_CODE_TAKEN, _("Another channel has this code."), "code")
    return _invalid(OrderErrorCode.CHANNEL_NAME_TAKEN, _("Another channel has this name."), "name")


def channel_create(
    *, store: Store, code: str, name: str, channel_type: str, description: str = "", is_active: bool = True, sort_order: int = 0,
) -> Channel:
    try:
        with transaction.atomic():
            return Channel.objects.create(
                store=store, code=code, name=name, channel_type=channel_type, description=description,
                is_active=is_active, sort_order=sort_order,
            )
    except IntegrityError as exc:
        raise _channel_taken(exc) from exc


def channel_update(*, channel: Channel, **values: Any) -> Channel:
    allowed = {"code", "name", "channel_type", "description", "is_active", "sort_order"}
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    for key, value in values.items():
        setattr(channel, key, value)
    try:
        with transaction.atomic():
            channel.save(update_fields=list(values) or None)
    except IntegrityError as exc:
        raise _channel_taken(exc) from exc
    return channel
