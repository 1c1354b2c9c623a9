"""The stay plan: what nights an order holds, in which room type and room, at what price,
and how a change of the stay is brought to inventory.

Inventory rule: an order in ``Order.HOLDING`` holds exactly its nights, each in the
room type (and room, once assigned) written on that night's room-night item; any other
order holds nothing. ``_sync_inventory`` compares what the order held before a change
with what it must hold after it and applies the difference through
``apps.rooms.inventory``, whose PostgreSQL constraints make overbooking impossible."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from apps.common.error_codes import CommonErrorCode
from apps.common.errors import DomainError, DomainValidationError
from apps.common.money import quantize
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Channel, Order, OrderItem
from apps.orders.services.recipe import _check_line_amount, _check_order_total, _invalid
from apps.rooms import inventory
from apps.rooms.inventory import MAX_STAY_NIGHTS, nights_between
from apps.rooms.models import Room, RoomType
from apps.rooms.quote import StayQuote, stay_quote, stay_quotes_many
from apps.tenancy.business_day import business_date
from apps.tenancy.models import Store
from apps.tenancy.selectors import setting_value

Plan = dict[date, tuple[int, int | None]]  # night -> (room type id, room id or None)


# How far ahead a stay may start, in days after the store's business date, unless the
# store (or the tenant) sets ``orders.booking_horizon_days``.
BOOKING_HORIZON_DAYS = 730


def booking_horizon_days(*, store: Store) -> int:
    value = setting_value(store=store, group="orders", key="booking_horizon_days", default=BOOKING_HORIZON_DAYS)
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return BOOKING_HORIZON_DAYS


def _check_horizon(*, store: Store, arrival: date, today: date) -> None:
    horizon = booking_horizon_days(store=store)
    last = today + timedelta(days=horizon)
    if arrival > last:
        message = _("Bookings are taken up to %(days)d days ahead: arrival on %(last)s at the latest.") % {
            "days": horizon, "last": last.isoformat()}
        raise DomainValidationError(OrderErrorCode.BEYOND_BOOKING_HORIZON, message, extra={
            "fields": {"arrival": [message]}, "horizon_days": horizon, "last_arrival": last.isoformat()})


def _check_stay_dates(
    *, store: Store, arrival: date, departure: date, allow_past_arrival: bool = False, today: date | None = None
) -> None:
    """``today``: the store's business date when the caller has read it already. A stay
    starts no later than the booking horizon (``booking_horizon_days``)."""
    if departure <= arrival:
        raise _invalid(OrderErrorCode.INVALID_STAY_DATES, _("Departure must be after arrival."), "departure")
    if (departure - arrival).days > MAX_STAY_NIGHTS:
        raise _invalid(
            OrderErrorCode.STAY_TOO_LONG, _("A stay is at most %(n)d nights.") % {"n": MAX_STAY_NIGHTS}, "departure"
        )
    today = today or business_date(store=store)
    if not allow_past_arrival and arrival < today:
        raise _invalid(OrderErrorCode.ARRIVAL_IN_PAST, _("Arrival cannot be in the past."), "arrival")
    _check_horizon(store=store, arrival=arrival, today=today)


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


def _check_notes(notes: str) -> None:
    if len(notes or "") > Order.NOTES_MAX_LENGTH:
        message = _("At most %(n)d characters.") % {"n": Order.NOTES_MAX_LENGTH}
        raise _invalid(CommonErrorCode.INVALID, message, "notes")


def _check_named_guests(*, adults: int, children: int, named: int) -> None:
    """No more guests named than the order's adults and children."""
    if named > adults + children:
        message = _("%(named)d guests named for %(n)d people: name at most one guest per adult or child.") % {
            "named": named, "n": adults + children}
        raise _invalid(OrderErrorCode.TOO_MANY_GUESTS, message, "guests")


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


def _quote_prices(quote: StayQuote) -> dict[date, Decimal]:
    """A quote's nightly prices, each within one posting (a percentage rule can price a
    night past it)."""
    prices = quote.prices()
    for price in prices.values():
        _check_line_amount(price, "room_type")
    return prices


def _prices(*, room_type: RoomType, arrival: date, departure: date) -> dict[date, Decimal]:
    """Nightly prices of the stay quote (``apps.rooms.quote``: LOS = the whole stay)."""
    return _quote_prices(stay_quote(room_type=room_type, arrival=arrival, departure=departure))


def _night_lines(order: Order) -> dict[date, OrderItem]:
    return {
        item.service_date: item
        for item in OrderItem.objects.filter(order=order, kind=OrderItem.Kind.ROOM_NIGHT).order_by("service_date")
    }


def _plan(lines: dict[date, OrderItem]) -> Plan:
    return {night: (item.room_type_id, item.room_id) for night, item in lines.items()}


def _stay_items(order: Order) -> tuple[dict[date, OrderItem], Decimal]:
    """The locked order's room-night lines by night (``_night_lines``) and the total of its
    other items not yet charged on a folio (extras), in one read: what check-out reads of
    its items."""
    lines: dict[date, OrderItem] = {}
    others = Decimal(0)
    for item in OrderItem.objects.filter(order=order).order_by("service_date", "id"):
        if item.kind == OrderItem.Kind.ROOM_NIGHT:
            lines[item.service_date] = item
        elif not item.posted:
            others += item.total_price
    return lines, others


def _recompute_totals(order: Order, *, unposted_total: Decimal | None = None) -> list[str]:
    """The order's total: what its folios have charged (``charged_amount``) plus its lines
    not yet charged (``unposted_total``: their sum, when the caller has every line of the
    locked order in hand), unless the stay was called off; and what is due
    (docs/folios.md, "One balance")."""
    if order.status in Order.CALLED_OFF:
        unposted_total = Decimal(0)
    elif unposted_total is None:
        unposted_total = (
            OrderItem.objects.filter(order=order, posted=False).aggregate(s=Sum("total_price"))["s"] or Decimal(0)
        )
    _check_order_total(order.charged_amount + unposted_total)
    order.total_amount = quantize(order.charged_amount + unposted_total, order.currency)
    order.due_amount = order.total_amount - order.paid_amount
    return ["total_amount", "due_amount"]


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


@dataclass(frozen=True)
class NightRate:
    """A night of a stay after a change: its room type, the rate it had (None: a new
    night), the rate it gets, where that rate comes from, and whether a folio charged it."""

    night: date
    room_type_id: int
    old: Decimal | None
    new: Decimal
    source: str
    posted: bool

    @property
    def changed(self) -> bool:
        return self.old is not None and self.old != self.new


@dataclass(frozen=True)
class Reprice:
    """What a change of the stay does to its rates (``_reprice``): every night of the new
    stay, and the nights dropped from it."""

    nights: list[NightRate]
    removed: list[date]

    @property
    def posted_changes(self) -> list[NightRate]:
        """Posted nights whose rate moves: the folio's adjustment (docs/orders.md, "Re-pricing")."""
        return [n for n in self.nights if n.posted and n.changed]

    @property
    def adjustment(self) -> Decimal:
        """New less old rates of the posted nights: < 0 a discount, > 0 a charge on the folio."""
        return sum((n.new - n.old for n in self.posted_changes), Decimal(0))

    @property
    def unposted_total(self) -> Decimal:
        return sum((n.new for n in self.nights if not n.posted), Decimal(0))

    def as_data(self) -> list[dict[str, str]]:
        """The nights whose rate moved, for the event."""
        return [{"night": n.night.isoformat(), "from": str(n.old), "to": str(n.new), "posted": n.posted}
                for n in self.nights if n.changed]


def _frozen(item: OrderItem | None, night: date, frozen_before: date | None) -> bool:
    """A night that keeps its room type and room through the change: spent in the house
    (before ``frozen_before``) or already charged on a folio."""
    return item is not None and (item.posted or (frozen_before is not None and night < frozen_before))


def _reprice(
    order: Order, lines: dict[date, OrderItem], *, arrival: date, departure: date, room_type: RoomType,
    frozen_before: date | None = None, whole: bool,
) -> Reprice:
    """The rates of the stay ``[arrival, departure)`` in ``room_type`` after a change: the one
    re-pricing rule (docs/orders.md, "Re-pricing"), used by every change and by the quotes.
    Reads, never writes.

    Prices come from the pricing rules with LOS = the whole new stay. ``whole`` (the dates
    changed: an extension, a shortening or a move of the dates before arrival): every night
    priced by the rules gets the new rate, posted or not. Otherwise only new nights and
    nights moved to another room type are priced. A night whose rate a channel or a manager
    set (``rate_source``) keeps it. Frozen nights (``_frozen``) keep their room type."""
    nights = nights_between(arrival, departure)
    plan: list[tuple[date, int, OrderItem | None]] = []
    for night in nights:
        item = lines.get(night)
        type_id = item.room_type_id if _frozen(item, night, frozen_before) else room_type.pk
        plan.append((night, type_id, item))
    to_price = {
        type_id for night, type_id, item in plan
        if item is None or (item.rate_source == OrderItem.RateSource.RULES and (whole or item.room_type_id != type_id))
    }
    prices: dict[int, dict[date, Decimal]] = {}
    if to_price == {room_type.pk}:
        prices[room_type.pk] = _prices(room_type=room_type, arrival=arrival, departure=departure)
    elif to_price:  # nights of the stay in other types (a guest moved in the house): one query for all
        types = list(RoomType.objects.filter(pk__in=to_price))
        for type_id, quote in stay_quotes_many(store=order.store, room_types=types, arrival=arrival,
                                               departure=departure).items():
            prices[type_id] = _quote_prices(quote)
    out = []
    for night, type_id, item in plan:
        if item is None:
            out.append(NightRate(night, type_id, None, prices[type_id][night], OrderItem.RateSource.RULES, False))
            continue
        reprice = item.rate_source == OrderItem.RateSource.RULES and (whole or item.room_type_id != type_id)
        new = prices[type_id][night] if reprice else item.unit_price
        out.append(NightRate(night, type_id, item.unit_price, new, item.rate_source, item.posted))
    return Reprice(nights=out, removed=sorted(n for n in lines if n < arrival or n >= departure))


def _reshape(
    order: Order, lines: dict[date, OrderItem], *, arrival: date, departure: date, room_type: RoomType,
    room: Room | None, frozen_before: date | None = None, whole: bool = False,
) -> tuple[Plan, Reprice]:
    """Rewrite the room-night items for a stay ``[arrival, departure)`` in ``room_type`` /
    ``room`` at the rates of ``_reprice`` (``whole``: the dates changed). Nights before
    ``frozen_before`` (already spent in the house) and nights a folio charged keep their
    room and type. A posted night's line takes its new rate too: the caller has the folio
    post the difference (``Reprice.adjustment``), so the line says what the night costs,
    its charge and the adjustment included. Returns the new plan and the re-pricing;
    ``lines`` is updated in place to the new items."""
    reprice = _reprice(order, lines, arrival=arrival, departure=departure, room_type=room_type,
                       frozen_before=frozen_before, whole=whole)
    if reprice.removed:
        OrderItem.objects.filter(pk__in=[lines[n].pk for n in reprice.removed]).delete()
        for n in reprice.removed:
            del lines[n]
    types = {room_type.pk: room_type}
    changed, created = [], []
    for rate in reprice.nights:
        night = rate.night
        item = lines.get(night)
        frozen = _frozen(item, night, frozen_before)
        room_id = item.room_id if frozen else (room.pk if room is not None else None)
        if item is None:
            item = OrderItem(
                order=order, store_id=order.store_id, kind=OrderItem.Kind.ROOM_NIGHT, service_date=night,
                description=_night_description(room_type, night), quantity=1, unit_price=rate.new, total_price=rate.new,
                room_type_id=room_type.pk, room_id=room_id, rate_source=OrderItem.RateSource.RULES,
            )
            created.append(item)
            lines[night] = item
            continue
        before = (item.room_type_id, item.room_id, item.unit_price)
        if item.room_type_id != rate.room_type_id:
            item.room_type_id = rate.room_type_id
            item.description = _night_description(types.get(rate.room_type_id) or room_type, night)
        item.room_id = room_id
        item.unit_price = item.total_price = rate.new
        if (item.room_type_id, item.room_id, item.unit_price) != before:
            changed.append(item)
    if created:
        OrderItem.objects.bulk_create(created)
    if changed:
        OrderItem.objects.bulk_update(changed, ["room_type", "room", "unit_price", "total_price", "description"])
    return _plan(lines), reprice


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
    dates_changed = (arrival, departure) != (order.arrival, order.departure)
    new_plan, repriced = _reshape(order, lines, arrival=arrival, departure=departure, room_type=room_type, room=room,
                                  frozen_before=frozen, whole=dates_changed)
    if repriced.posted_changes:  # dates change before arrival only, and a type change never moves a posted night
        raise DomainError(
            OrderErrorCode.NIGHT_POSTED, _("A night of this stay is already on the folio; it cannot be re-priced here."),
            extra={"nights": [n.night.isoformat() for n in repriced.posted_changes]},
        )
    order.arrival, order.departure, order.room_type, order.room = arrival, departure, room_type, room
    if in_house and any(night < frozen and plan[1] != (room.pk if room else None) for night, plan in new_plan.items()):
        order.moved_in_house = True
    changes = _sync_inventory(order=order, old_status=order.status, old_plan=old_plan, new_plan=new_plan)
    _recompute_totals(order)
    after = {
        "arrival": arrival.isoformat(), "departure": departure.isoformat(),
        "room_type_id": room_type.pk, "room_id": room.pk if room else None,
    }
    data = {"changes": {k: [before[k], after[k]] for k in before if before[k] != after[k]}, **changes}
    if repriced.as_data():
        data["repriced"] = repriced.as_data()
    return data
