"""The stay plan: what nights an order holds, in which room type and room, at what price,
and how a change of the stay is brought to inventory.

Inventory rule: an order in ``Order.HOLDING`` holds exactly its nights, each in the
room type (and room, once assigned) written on that night's room-night item; any other
order holds nothing. ``_sync_inventory`` compares what the order held before a change
with what it must hold after it and applies the difference through
``apps.rooms.inventory``, whose PostgreSQL constraints make overbooking impossible."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from apps.common.money import quantize
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Channel, Order, OrderItem
from apps.orders.services.recipe import _check_line_amount, _check_order_total, _invalid
from apps.rooms import inventory
from apps.rooms.inventory import MAX_STAY_NIGHTS, nights_between
from apps.rooms.models import Room, RoomType
from apps.rooms.selectors import stay_price_nights
from apps.tenancy.business_day import business_date
from apps.tenancy.models import Store

Plan = dict[date, tuple[int, int | None]]  # night -> (room type id, room id or None)


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
    prices = dict(stay_price_nights(room_type=room_type, arrival=arrival, departure=departure))
    for price in prices.values():
        _check_line_amount(price, "room_type")  # a percentage rule can price a night past one posting
    return prices


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
