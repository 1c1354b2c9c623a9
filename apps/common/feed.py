"""A polling cursor over an append-only table that never skips a row: the machinery of
the change feeds (orders' ``OrderEvent`` feed, ``apps.orders.feed``; rooms' ARI change
log, ``apps.rooms.ari``). No table of its own: each feed names its model.

**The outbox gap.** Row ids come from a sequence when the row is inserted, but rows
become visible when their transaction commits, in any order: a poll that returned id 11
could later miss id 10, committed after it. So a poll returns only ids up to a bound
every lower id of which is *settled* (committed, or rolled back for good); see
``feed_poll``. The bound is read from PostgreSQL's catalog (the table's id sequence, and
the transactions holding a write lock on the table): hand-written SQL, because it is the
guarantee.
"""
from __future__ import annotations

import re
import time as systime
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db import connection
from django.db.models import Model
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError

# A first poll waits this long at most for the writes in flight to end (usually none).
FIRST_POLL_WAIT_S = 0.05
# First poll only, when writes are still in flight after the wait: rows older than
# the oldest of them by this margin are surely settled (app and DB clocks may differ).
CLOCK_MARGIN = timedelta(seconds=5)
CURSOR_INVALID = "cursor_invalid"

_CURSOR_RE = re.compile(r"^v1\.(\d{1,18})\.(\d{1,18})\.(\d{1,18})$")

# One statement, in this order: forget the statistics snapshot (a transaction keeps the
# first one it reads), read the id sequence and the clock, then find the start of the
# oldest transaction that holds a write lock on this tenant's table. Any transaction that
# inserts a row takes that lock (RowExclusiveLock, when its INSERT is parsed, before the
# id is drawn) and keeps it to its end. The sub-select is correlated to ``seq`` so that
# it runs after the sequence was read.
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
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid())
  FROM seq
"""
_OLDEST_SQL = """
SELECT min(a.xact_start) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'relation' AND l.relation = %(table)s::regclass AND l.mode = 'RowExclusiveLock'
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.pid <> pg_backend_pid()
"""


@dataclass(frozen=True)
class FeedCursor:
    """Where a client is: rows with ``id <= last_id`` were delivered; those in
    ``(last_id, pending_id]`` will be as soon as every transaction that started at or
    before ``pending_at`` (µs since the epoch, database clock) has ended."""

    last_id: int
    pending_id: int = 0
    pending_at: int = 0

    def encode(self) -> str:
        return f"v1.{self.last_id}.{max(self.pending_id, self.last_id)}.{self.pending_at if self.pending_id > self.last_id else 0}"

    @classmethod
    def decode(cls, raw: str, *, code: str = CURSOR_INVALID) -> FeedCursor:
        match = _CURSOR_RE.match(raw or "")
        if not match:
            message = _("Not a cursor from this API: send back the next_cursor of the previous answer.")
            raise DomainValidationError(code, _("The cursor is not valid."), extra={"fields": {"cursor": [message]}})
        last_id, pending_id, pending_at = (int(g) for g in match.groups())
        return cls(last_id=last_id, pending_id=max(pending_id, last_id), pending_at=pending_at)


def _micros(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _horizon(table: str) -> tuple[int, int, datetime | None]:
    with connection.cursor() as cursor:
        cursor.execute(_HORIZON_SQL, {"table": table})
        last_id, read_at, oldest = cursor.fetchone()
    return int(last_id), _micros(read_at), oldest


def _oldest_running(table: str) -> datetime | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(_OLDEST_SQL, {"table": table})
        return cursor.fetchone()[0]


def _settled(oldest: datetime | None, at_us: int) -> bool:
    """Has every writer that started at or before ``at_us`` ended?"""
    return oldest is None or _micros(oldest) > at_us


def feed_position(*, model: type[Model]) -> FeedCursor:
    """Where a client that wants only what comes next stands now, without waiting for the
    writes in flight (a page being drawn): while some are, nothing is claimed as delivered
    yet, so the first poll after they end reports a change (one refresh too many at worst,
    never one missed). One query."""
    last_id, read_at, oldest = _horizon(model._meta.db_table)
    return FeedCursor(last_id) if _settled(oldest, read_at) else FeedCursor(0, last_id, read_at)


# fetch(after, upto, limit, newest) -> rows (dicts with "id"), oldest first: the rows with
# after < id <= upto, at most limit, the oldest ones (or with newest, the newest ones).
Fetch = Callable[..., list[dict]]


def feed_poll(*, model: type[Model], time_field: str, fetch: Fetch, cursor: FeedCursor | None, limit: int) -> dict:
    """Rows of ``model`` newer than ``cursor`` as ``fetch`` selects them, oldest first, at
    most ``limit``; and the cursor to send next time. Without a cursor: the newest
    ``limit`` rows. Returns ``{"rows", "next_cursor", "has_more"}``.

    The bound (the outbox gap): the sequence's last value M read at time t is settled
    once every transaction that started at or before t and writes to the table has ended
    (an id is drawn inside its transaction, after the transaction started and took its
    write lock on the table, which it holds to its end). A poll reads (M, t) and the
    start of the oldest transaction holding that lock: if it started after t, M is
    settled now; else (M, t) goes into the cursor and is checked at the next poll.
    ``time_field``: when a row was written, no earlier than its transaction's start (for
    a first poll while a long transaction runs). Two queries (horizon, rows; more on a
    first poll while writes are in flight)."""
    table = model._meta.db_table
    last_id, read_at, oldest = _horizon(table)

    if cursor is None:
        deadline = systime.monotonic() + FIRST_POLL_WAIT_S
        while not _settled(oldest, read_at) and systime.monotonic() < deadline:
            systime.sleep(0.01)
            oldest = _oldest_running(table)
        if _settled(oldest, read_at):
            upto, following = last_id, FeedCursor(last_id)
        else:
            # A long transaction runs: deliver the history up to rows older than it (by
            # a margin for clock differences); the rest comes with the next polls.
            horizon = (
                model._default_manager.filter(id__lte=last_id, **{f"{time_field}__lt": oldest - CLOCK_MARGIN})
                .order_by("-id").values_list("id", flat=True).first()
                or 0
            )
            upto, following = horizon, FeedCursor(horizon, last_id, read_at)
        rows = fetch(after=0, upto=upto, limit=limit, newest=True) if upto > 0 else []
        return {"rows": rows, "next_cursor": following.encode(), "has_more": False}

    fresh_settled = _settled(oldest, read_at)
    pending_settled = cursor.pending_id > cursor.last_id and _settled(oldest, cursor.pending_at)
    upto = cursor.last_id
    if pending_settled:
        upto = cursor.pending_id
    if fresh_settled:
        upto = max(upto, last_id)
    rows = fetch(after=cursor.last_id, upto=upto, limit=limit + 1, newest=False) if upto > cursor.last_id else []
    has_more = len(rows) > limit
    rows = rows[:limit]
    if has_more:
        # Everything up to ``upto`` is settled already: say so with a moment that is.
        settled_at = read_at if fresh_settled else cursor.pending_at
        following = FeedCursor(rows[-1]["id"], upto, settled_at)
    elif fresh_settled:
        following = FeedCursor(upto)
    elif pending_settled:
        following = FeedCursor(upto, last_id, read_at)
    elif cursor.pending_id > cursor.last_id:
        following = cursor  # still waiting for the same transactions
    else:
        following = FeedCursor(cursor.last_id, last_id, read_at)
    return {"rows": rows, "next_cursor": following.encode(), "has_more": has_more}
