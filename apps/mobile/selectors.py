"""Reads of the owner's app, composed from other apps' selectors: the compact room
status, the day's short lists, the order a desk action is about, and the order reminders
(a polling cursor over orders' event outbox). See docs/mobile_api.md.
"""
from __future__ import annotations

import re
import time as systime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from functools import cache

from django.db import connection
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError, NotFoundError
from apps.common.prepared import execute_prepared
from apps.mobile.error_codes import MobileErrorCode
from apps.orders.models import Order, OrderEvent
from apps.orders.selectors import today_lists
from apps.rooms.selectors import OCCUPIED, OUT_OF_ORDER, RESERVED, VACANT, room_grid
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


_ORDER_IN_STORE_SQL = "SELECT o.id, o.store_id FROM orders_order o WHERE o.id = %s AND o.store_id = %s"


def order_for_action(*, store: Store, order_id: int) -> Order:
    """The order of ``store`` a desk action (check-in, check-out) is about, else 404: the
    instance ``order_for_update`` gives (only its id and store; the service locks and
    re-reads it), as one prepared statement written once."""
    with connection.cursor() as cursor:
        execute_prepared(cursor, _ORDER_IN_STORE_SQL, [order_id, store.pk])
        row = cursor.fetchone()
    if row is None:
        raise NotFoundError("not_found", _("Not found."))
    return Order.from_db(connection.alias, ["id", "store_id"], row)


# --- reminders: a polling cursor over the orders' event outbox -------------------------------

# Event kinds a reminder is made of by default: new orders and every change of one.
# ``updated`` (notes, guest counts) and extras are left out unless asked for.
REMINDER_KINDS: tuple[str, ...] = (
    OrderEvent.Kind.CREATED, OrderEvent.Kind.CONFIRMED, OrderEvent.Kind.MODIFIED, OrderEvent.Kind.ROOM_ASSIGNED,
    OrderEvent.Kind.CANCELLED, OrderEvent.Kind.NO_SHOW, OrderEvent.Kind.CONFLICT, OrderEvent.Kind.CHECKED_IN,
    OrderEvent.Kind.EXTENDED, OrderEvent.Kind.CHECKED_OUT,
)
REMINDERS_MAX_LIMIT = 200
# A first poll waits this long at most for the writes in flight to end (usually none).
FIRST_POLL_WAIT_S = 0.05
# First poll only, when writes are still in flight after the wait: events older than
# the oldest of them by this margin are surely settled (app and DB clocks may differ).
CLOCK_MARGIN = timedelta(seconds=5)

_CURSOR_RE = re.compile(r"^v1\.(\d{1,18})\.(\d{1,18})\.(\d{1,18})$")

# One statement, in this order: forget the statistics snapshot (a transaction keeps the
# first one it reads), read the event id sequence and the clock, then find the start of
# the oldest transaction that holds a write lock on this tenant's event table. Any
# transaction that inserts an event takes that lock (RowExclusiveLock, when its INSERT is
# parsed, before the id is drawn) and keeps it to its end. The sub-select is correlated
# to ``seq`` so that it runs after the sequence was read.
_HORIZON_SQL = """
WITH clear AS MATERIALIZED (SELECT pg_stat_clear_snapshot()),
seq AS MATERIALIZED (
    SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence(%(table)s, 'id')::regclass), 0) AS last_id,
           clock_timestamp() AS read_at
      FROM clear
)
SELECT seq.last_id, seq.read_at,
       (SELECT min(a.xact_start) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE seq.read_at IS NOT NULL AND l.locktype = 'relation' AND l.relation = %(table)s::regclass
           AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid())
  FROM seq
"""
_OLDEST_SQL = """
SELECT min(a.xact_start) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'relation' AND l.relation = %(table)s::regclass AND l.mode = 'RowExclusiveLock'
   AND l.pid <> pg_backend_pid()
"""


@dataclass(frozen=True)
class ReminderCursor:
    """Where a client is: events with ``id <= last_id`` were delivered; those in
    ``(last_id, pending_id]`` will be as soon as every transaction that started at or
    before ``pending_at`` (µs since the epoch, database clock) has ended."""

    last_id: int
    pending_id: int = 0
    pending_at: int = 0

    def encode(self) -> str:
        return f"v1.{self.last_id}.{max(self.pending_id, self.last_id)}.{self.pending_at if self.pending_id > self.last_id else 0}"

    @classmethod
    def decode(cls, raw: str) -> ReminderCursor:
        match = _CURSOR_RE.match(raw or "")
        if not match:
            message = _("Not a cursor from this API: send back the next_cursor of the previous answer.")
            raise DomainValidationError(
                MobileErrorCode.CURSOR_INVALID, _("The cursor is not valid."), extra={"fields": {"cursor": [message]}},
            )
        last_id, pending_id, pending_at = (int(g) for g in match.groups())
        return cls(last_id=last_id, pending_id=max(pending_id, last_id), pending_at=pending_at)


def _micros(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _horizon() -> tuple[int, int, datetime | None]:
    with connection.cursor() as cursor:
        cursor.execute(_HORIZON_SQL, {"table": OrderEvent._meta.db_table})
        last_id, read_at, oldest = cursor.fetchone()
    return int(last_id), _micros(read_at), oldest


def _oldest_running() -> datetime | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(_OLDEST_SQL, {"table": OrderEvent._meta.db_table})
        return cursor.fetchone()[0]


def _settled(oldest: datetime | None, at_us: int) -> bool:
    """Has every event writer that started at or before ``at_us`` ended?"""
    return oldest is None or _micros(oldest) > at_us


_EVENT_FIELDS = (
    "id", "kind", "at", "store_id", "from_status", "to_status", "order_id", "order__code", "order__status",
    "order__primary_contact_name", "order__arrival", "order__departure", "order__room__number", "order__room_type__name",
    "order__channel__name", "actor__username", "actor__staff__display_name",
)


@cache
def _events_sql(direction: str) -> str:
    """The events of some stores and kinds with what a reminder shows of their order, in
    ``_EVENT_FIELDS`` order: what ``OrderEvent.objects.values(*_EVENT_FIELDS)`` selects
    (inner joins where the key is NOT NULL), by id in ``direction`` (ASC / DESC),
    written once per direction instead of compiled per poll."""
    from django.contrib.auth import get_user_model

    from apps.orders.models import Channel
    from apps.rooms.models import Room, RoomType
    from apps.tenancy.models import StaffProfile

    t = {m: connection.ops.quote_name(m._meta.db_table) for m in (OrderEvent, Order, Room, RoomType, Channel, StaffProfile)}
    user = connection.ops.quote_name(get_user_model()._meta.db_table)
    return f"""
SELECT e.id, e.kind, e.at, e.store_id, e.from_status, e.to_status, e.order_id, o.code, o.status,
       o.primary_contact_name, o.arrival, o.departure, r.number, rt.name, ch.name, u.username, p.display_name
  FROM {t[OrderEvent]} e
  JOIN {t[Order]} o ON o.id = e.order_id
  LEFT JOIN {t[Room]} r ON r.id = o.room_id
  JOIN {t[RoomType]} rt ON rt.id = o.room_type_id
  JOIN {t[Channel]} ch ON ch.id = o.channel_id
  LEFT JOIN {user} u ON u.id = e.actor_id
  LEFT JOIN {t[StaffProfile]} p ON p.user_id = u.id
 WHERE e.store_id = ANY(%(stores)s) AND e.kind = ANY(%(kinds)s) AND e.id > %(after)s AND e.id <= %(upto)s
 ORDER BY e.id {direction} LIMIT %(limit)s
"""


def _events(store_ids: list[int], kinds: Sequence[str], *, after: int, upto: int, limit: int, newest: bool = False) -> list[dict]:
    """Events with ``after < id <= upto``, at most ``limit``: the oldest first, or with
    ``newest`` the newest ones (still returned oldest first)."""
    if not store_ids or upto <= after:
        return []
    sql = _events_sql("DESC" if newest else "ASC")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"stores": store_ids, "kinds": [str(k) for k in kinds], "after": after, "upto": upto, "limit": limit})
        rows = [dict(zip(_EVENT_FIELDS, row)) for row in cursor.fetchall()]
    if newest:
        rows.reverse()
    return rows


def reminders_poll(*, stores: Iterable[Store], cursor: ReminderCursor | None, limit: int,
                   kinds: Sequence[str] = REMINDER_KINDS) -> dict:
    """Order events of ``stores`` newer than ``cursor``, oldest first, at most ``limit``,
    and the cursor to send next time. Without a cursor: the newest ``limit`` events.

    **The outbox gap.** Event ids come from a sequence when the row is inserted, but
    rows become visible when their transaction commits, in any order: a poll that
    returned id 11 could later miss id 10, committed after it. So a poll returns only
    ids up to a bound every lower id of which is *settled* (committed, or rolled back
    for good): the sequence's last value M read at time t is settled once every
    transaction that started at or before t and writes to the event table has ended (an
    id is drawn inside its transaction, after the transaction started and took its
    write lock on the table, which it holds to its end). A poll reads (M, t) and the
    start of the oldest transaction holding that lock: if it started after t, M is
    settled now; else (M, t) goes into the cursor and is checked at the next poll.
    Two queries (horizon, events; more on a first poll while writes are in flight).
    """
    store_by_id = {s.pk: s for s in stores}
    store_ids = list(store_by_id)
    last_id, read_at, oldest = _horizon()

    if cursor is None:
        deadline = systime.monotonic() + FIRST_POLL_WAIT_S
        while not _settled(oldest, read_at) and systime.monotonic() < deadline:
            systime.sleep(0.01)
            oldest = _oldest_running()
        if _settled(oldest, read_at):
            upto, following = last_id, ReminderCursor(last_id)
        else:
            # A long transaction runs: deliver the history up to events older than it
            # (by a margin for clock differences); the rest comes with the next polls.
            horizon = (
                OrderEvent.objects.filter(id__lte=last_id, at__lt=oldest - CLOCK_MARGIN).order_by("-id").values_list("id", flat=True).first()
                or 0
            )
            upto, following = horizon, ReminderCursor(horizon, last_id, read_at)
        rows = _events(store_ids, kinds, after=0, upto=upto, limit=limit, newest=True)
        return {"events": [_event_row(r, store_by_id) for r in rows], "next_cursor": following.encode(), "has_more": False}

    fresh_settled = _settled(oldest, read_at)
    pending_settled = cursor.pending_id > cursor.last_id and _settled(oldest, cursor.pending_at)
    upto = cursor.last_id
    if pending_settled:
        upto = cursor.pending_id
    if fresh_settled:
        upto = max(upto, last_id)
    rows = _events(store_ids, kinds, after=cursor.last_id, upto=upto, limit=limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    if has_more:
        # Everything up to ``upto`` is settled already: say so with a moment that is.
        settled_at = read_at if fresh_settled else cursor.pending_at
        following = ReminderCursor(rows[-1]["id"], upto, settled_at)
    elif fresh_settled:
        following = ReminderCursor(upto)
    elif pending_settled:
        following = ReminderCursor(upto, last_id, read_at)
    elif cursor.pending_id > cursor.last_id:
        following = cursor  # still waiting for the same transactions
    else:
        following = ReminderCursor(cursor.last_id, last_id, read_at)
    return {"events": [_event_row(r, store_by_id) for r in rows], "next_cursor": following.encode(), "has_more": has_more}


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
