"""Reads of the front desk: the room status grid (房态图), composed from what rooms and
orders each know.

Rooms know the rooms, their types, housekeeping and locks (``apps.rooms.selectors``) and
how many rooms of a type are left to sell per night (``apps.rooms.inventory``); orders
know the stays (``apps.orders.selectors.stay_blocks``). The grid puts them on one
timeline: a constant number of queries whatever the rooms and days.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError
from apps.folios.selectors import deposits_held_between
from apps.orders.models import Order
from apps.orders.selectors import desk_stays, stay_blocks
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.inventory import free_counts, nights_between
from apps.rooms.selectors import grid_room_types, grid_rooms, lock_blocks
from apps.tenancy.models import Store

GRID_MAX_DAYS = 90

# Occupancy of a room on a night, derived from its blocks (never stored).
VACANT, RESERVED, OCCUPIED, OUT_OF_ORDER = "vacant", "reserved", "occupied", "out_of_order"
OCCUPANCY_STATES = (VACANT, RESERVED, OCCUPIED, OUT_OF_ORDER)


def room_grid(*, store: Store, start: date, days: int, desk: bool = False, today: date | None = None) -> dict:
    """Everything the room status grid (房态图) shows for ``days`` nights from ``start``.

    Returns ``{"start", "end", "dates", "room_types", "rooms"}``:

    - ``room_types``: active types with ``free``, the rooms left to sell per night;
    - ``rooms``: active rooms with type, housekeeping, ``occupancy`` per night
      (vacant / reserved / occupied / out_of_order, derived from the blocks: occupied
      where the guest came, ``Order.ARRIVED``) and ``blocks``: stays (guest, status,
      channel) and locks (their held room nights), clipped to the window
      (``start``/``end``, end exclusive).

    A constant number of queries (rooms, types, locks, free counts, stays), whatever the
    rooms and days.

    With ``desk`` (the grid page), the stays come from ``apps.orders.selectors.desk_stays``
    (the same query with the money figures, pending, unassigned and due-out orders) and
    one query more reads the deposits held (``apps.folios.selectors.deposits_held_between``):
    every stay block gets ``due``, ``paid``, ``deposit`` and ``is_conflict``; pending
    orders with a room are blocks of their room (``status`` pending_confirmation; they
    hold nothing, so occupancy is unchanged); ``unassigned`` lists per room type id the
    pending or confirmed orders without a room (the 未排房 lane); a guest in the house
    due out ``today`` or earlier keeps a block on ``today`` (``due_out``: still in the
    room on the last day until checked out).
    """
    if days < 1 or days > GRID_MAX_DAYS:
        raise DomainValidationError(
            RoomsErrorCode.DATE_SPAN_TOO_LONG,
            _("The grid shows 1 to %(days)d days.") % {"days": GRID_MAX_DAYS},
            extra={"fields": {"days": [_("From 1 to %(days)d.") % {"days": GRID_MAX_DAYS}]}, "max_days": GRID_MAX_DAYS},
        )
    end = start + timedelta(days=days)
    dates = nights_between(start, end)
    rooms = grid_rooms(store=store)
    types = grid_room_types(store=store)
    locks = lock_blocks(store=store, start=start, end=end)
    free = free_counts(store_id=store.pk, start=start, end=end)
    extra = desk_stays(store=store, start=start, end=end) if desk else None
    stays = extra["stays"] if desk else stay_blocks(store=store, start=start, end=end)

    blocks: dict[int, list[dict]] = {room["id"]: [] for room in rooms}
    occupancy: dict[int, list[str]] = {room["id"]: [VACANT] * days for room in rooms}
    one_day = timedelta(days=1)
    # Locks come in date order per room (SQL), then the stays: a room whose list is no
    # longer in order (a stay before a lock, a stay that moved room) is sorted at the end.
    unsorted = set()
    for lock in locks:
        room_id, first, last = lock["room_id"], lock["first_night"], lock["last_night"]
        if room_id not in blocks:
            continue  # an inactive room
        i, j = (first - start).days, (last - start).days + 1
        blocks[room_id].append({
            "kind": "lock", "start": first, "end": last + one_day, "lock_id": lock["lock_id"],
            "lock_type": lock["lock_type"], "reason": lock["reason"], "lock_start": lock["lock_start"],
            "lock_end": lock["lock_end"],
        })
        occupancy[room_id][i:j] = [OUT_OF_ORDER] * (j - i)
    for stay in stays:
        room_id = stay["room_id"]
        if room_id not in blocks:
            continue
        arrival, departure, status = stay["arrival"], stay["departure"], stay["status"]
        first = arrival if arrival > start else start
        after = departure if departure < end else end
        i, j = (first - start).days, (after - start).days
        room_blocks = blocks[room_id]
        if room_blocks and room_blocks[-1]["start"] > first:
            unsorted.add(room_id)  # e.g. a stay that moved room in the house
        blk = {
            "kind": "stay", "start": first, "end": after, "order_id": stay["order_id"], "arrival": arrival,
            "departure": departure, "status": status, "guest_name": stay["guest_name"] or "", "channel": stay["channel"] or "",
        }
        if desk:
            blk.update(due=stay["due"], paid=stay["paid"], is_conflict=stay["is_conflict"])
        room_blocks.append(blk)
        occupancy[room_id][i:j] = [OCCUPIED if status in Order.ARRIVED else RESERVED] * (j - i)
    unassigned: dict[int, list[dict]] = {}
    if desk:
        deposits = deposits_held_between(store=store, start=start, end=end)
        for stay in extra["pending"]:
            if stay["room_id"] in blocks:
                blocks[stay["room_id"]].append(_desk_block(stay, start, end))
                unsorted.add(stay["room_id"])
        shown_today = today is not None and start <= today < end
        for stay in extra["due_out"]:
            if shown_today and stay["room_id"] in blocks:
                blk = _desk_block(stay, start, end)
                blk["start"] = today
                blocks[stay["room_id"]].append(blk)
                unsorted.add(stay["room_id"])
        for stay in extra["unassigned"]:
            unassigned.setdefault(stay["room_type_id"], []).append(_desk_block(stay, start, end))
        in_house = Order.IN_HOUSE
        for room_blocks in blocks.values():
            for blk in room_blocks:
                if blk["kind"] == "stay":
                    blk["deposit"] = deposits.get(blk["order_id"])
                    if shown_today and blk["status"] in in_house and blk["departure"] <= today:
                        blk["due_out"] = True
                        blk["end"] = max(blk["end"], today + one_day)
        for lane in unassigned.values():
            for blk in lane:
                blk["deposit"] = deposits.get(blk["order_id"])
    for room_id in unsorted:
        blocks[room_id].sort(key=_block_start)

    result = {
        "start": start,
        "end": end,
        "dates": dates,
        "room_types": [
            {"id": t["id"], "name": t["name"], "default_price": t["default_price"],
             "free": [free.get(t["id"], {}).get(d, 0) for d in dates]}
            for t in types
        ],
        "rooms": [
            {
                "id": room["id"], "number": room["number"], "floor": room["floor"], "room_type_id": room["room_type_id"],
                "room_type_name": room["room_type__name"], "housekeeping": room["housekeeping"],
                "housekeeping_at": room["housekeeping_at"], "occupancy": occupancy[room["id"]], "blocks": blocks[room["id"]],
            }
            for room in rooms
        ],
    }
    if desk:
        result["unassigned"] = unassigned
    return result


def _desk_block(stay: dict, start: date, end: date) -> dict:
    arrival, departure = stay["arrival"], stay["departure"]
    return {
        "kind": "stay", "start": max(arrival, start), "end": min(departure, end), "order_id": stay["order_id"],
        "arrival": arrival, "departure": departure, "status": stay["status"], "guest_name": stay["guest_name"] or "",
        "channel": stay["channel"] or "", "due": stay["due"], "paid": stay["paid"], "is_conflict": stay["is_conflict"],
    }


def _block_start(block: dict) -> date:
    return block["start"]
