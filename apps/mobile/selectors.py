"""Reads of the owner's app, composed from other apps' selectors: the compact room
status (the front desk's grid), the day's short lists, and the order reminders (the
orders' change feed, ``apps.orders.feed``). See docs/mobile_api.md.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError
from apps.frontdesk.selectors import OCCUPIED, OUT_OF_ORDER, RESERVED, VACANT, room_grid
from apps.mobile.error_codes import MobileErrorCode
from apps.orders.feed import FeedCursor, order_changes_poll
from apps.orders.models import OrderEvent
from apps.orders.selectors import today_lists
from apps.tenancy.models import Store

# --- room status ---------------------------------------------------------------------

ROOM_STATUS_MAX_DAYS = 31
# One letter per night: vacant, reserved (booked, not arrived), occupied (guest in, or
# was: checked out), out of order (locked).
STATE_CODES = {VACANT: "V", RESERVED: "R", OCCUPIED: "O", OUT_OF_ORDER: "X"}


def room_status_compact(*, store: Store, start: date, days: int) -> dict:
    """The room grid of ``store`` for ``days`` nights from ``start``, compact: per room one
    state letter per night (``states``), its stays and locks in the window; per type the
    rooms free per night; counts of the first night. The grid's constant 6 queries."""
    if days < 1 or days > ROOM_STATUS_MAX_DAYS:
        message = _("From 1 to %(days)d days.") % {"days": ROOM_STATUS_MAX_DAYS}
        raise DomainValidationError(
            MobileErrorCode.DATE_SPAN_TOO_LONG, _("The room status shows 1 to %(days)d days.") % {"days": ROOM_STATUS_MAX_DAYS},
            extra={"fields": {"days": [message]}, "max_days": ROOM_STATUS_MAX_DAYS},
        )
    grid = room_grid(store=store, start=start, days=days)
    first = dict.fromkeys(STATE_CODES.values(), 0)
    housekeeping: dict[str, int] = {}
    rooms = []
    for room in grid["rooms"]:
        states = "".join(STATE_CODES[s] for s in room["occupancy"])
        first[states[0]] += 1
        housekeeping[room["housekeeping"]] = housekeeping.get(room["housekeeping"], 0) + 1
        stays, locks = [], []
        for block in room["blocks"]:
            if block["kind"] == "stay":
                stays.append({
                    "order_id": block["order_id"], "status": block["status"], "guest_name": block["guest_name"],
                    "arrival": block["arrival"], "departure": block["departure"],
                })
            else:
                locks.append({"lock_id": block["lock_id"], "lock_type": block["lock_type"], "start": block["lock_start"],
                              "end": block["lock_end"]})
        rooms.append({
            "id": room["id"], "number": room["number"], "floor": room["floor"], "room_type_id": room["room_type_id"],
            "housekeeping": room["housekeeping"], "states": states, "stays": stays, "locks": locks,
        })
    return {
        "start": grid["start"],
        "end": grid["end"],
        "dates": grid["dates"],
        "room_types": [{"id": t["id"], "name": t["name"], "free": t["free"]} for t in grid["room_types"]],
        "rooms": rooms,
        "first_night": first,
        "housekeeping": housekeeping,
    }


# --- today ------------------------------------------------------------------------------

TODAY_MAX_LIMIT = 100
_TODAY_KEYS = ("id", "code", "status", "guest_name", "room_id", "room_number", "room_type_name", "arrival", "departure",
               "adults", "children", "estimated_arrival_time", "channel", "due_amount")


def today_compact(*, store: Store, day: date, limit: int) -> dict:
    """The desk's day (orders' ``today_lists``, one query) with full counts and at most
    ``limit`` entries per list, each a short row."""

    def short(rows: list[dict], overdue: bool) -> list[dict]:
        return [{**{k: row[k] for k in _TODAY_KEYS}, **({"overdue": row["overdue"]} if overdue else {})} for row in rows[:limit]]

    lists = today_lists(store=store, day=day)
    return {
        "date": lists["date"],
        "counts": lists["counts"],
        "arrivals": short(lists["arrivals"], True),
        "in_house": short(lists["in_house"], False),
        "departures": short(lists["departures"], True),
    }


# --- reminders: the orders' change feed ---------------------------------------------------------

# Event kinds a reminder is made of by default: new orders and every change of one.
# ``updated`` (notes, guest counts) and extras are left out unless asked for.
REMINDER_KINDS: tuple[str, ...] = (
    OrderEvent.Kind.CREATED, OrderEvent.Kind.CONFIRMED, OrderEvent.Kind.MODIFIED, OrderEvent.Kind.ROOM_ASSIGNED,
    OrderEvent.Kind.CANCELLED, OrderEvent.Kind.NO_SHOW, OrderEvent.Kind.CONFLICT, OrderEvent.Kind.CHECKED_IN,
    OrderEvent.Kind.EXTENDED, OrderEvent.Kind.CHECKED_OUT,
)
REMINDERS_MAX_LIMIT = 200


def reminders_poll(*, stores: Iterable[Store], cursor: FeedCursor | None, limit: int,
                   kinds: Sequence[str] = REMINDER_KINDS) -> dict:
    """Order changes of ``stores`` newer than ``cursor`` (the orders' change feed, which
    never skips one), oldest first, at most ``limit``, each as a reminder; and the cursor
    to send next time. Without a cursor: the newest ``limit`` events. Two queries."""
    store_by_id = {s.pk: s for s in stores}
    feed = order_changes_poll(store_ids=list(store_by_id), cursor=cursor, limit=limit, kinds=kinds)
    return {**feed, "events": [_event_row(row, store_by_id) for row in feed["events"]]}


def _event_row(row: dict, stores: dict[int, Store]) -> dict:
    kind = row["kind"]
    try:
        kind_label = str(OrderEvent.Kind(kind).label)
    except ValueError:
        kind_label = kind
    guest = row["order__primary_contact_name"] or ""
    store = stores.get(row["store_id"])
    return {
        "id": row["id"],
        "kind": kind,
        "kind_label": kind_label,
        "at": row["at"],
        "store_id": row["store_id"],
        "store_name": store.name if store else "",
        "from_status": row["from_status"] or None,
        "to_status": row["to_status"] or None,
        "actor_name": row["actor__staff__display_name"] or row["actor__username"] or "",
        "summary": _("%(kind)s: %(guest)s, %(arrival)s to %(departure)s") % {
            "kind": kind_label, "guest": guest or row["order__code"],
            "arrival": row["order__arrival"].strftime("%m-%d"), "departure": row["order__departure"].strftime("%m-%d"),
        },
        "order": {
            "id": row["order_id"],
            "code": row["order__code"],
            "status": row["order__status"],
            "guest_name": guest,
            "arrival": row["order__arrival"],
            "departure": row["order__departure"],
            "room_number": row["order__room__number"],
            "room_type_name": row["order__room_type__name"],
            "channel": row["order__channel__name"],
        },
    }
