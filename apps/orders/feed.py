"""The order change feed: every change of an order (its ``OrderEvent`` rows, the outbox)
read in order with a polling cursor that never skips a change. The owner's app reads it
for its reminders (``apps.mobile``); webhooks read the same feed; the desk's live view
reads its version (``store_feed_version``), which also covers rooms' ARI change log
(``apps.rooms.ari``: bookings, locks, prices, restrictions).

**The outbox gap** (a poll never skips a row committed late) is ``apps.common.feed``'s:
the same cursor machinery serves rooms' ARI changes.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from apps.common.feed import CLOCK_MARGIN, FIRST_POLL_WAIT_S, FeedCursor, feed_poll, feed_position
from apps.orders.models import OrderEvent
from apps.rooms.models import AriChange

__all__ = ["CLOCK_MARGIN", "EVENT_FIELDS", "FIRST_POLL_WAIT_S", "FeedCursor", "order_change_seen", "order_changes_poll", "store_feed_version"]

# What a change shows of its order, as ``OrderEvent.objects.values()`` names it.
EVENT_FIELDS = (
    "id", "kind", "at", "store_id", "from_status", "to_status", "order_id", "order__code", "order__status",
    "order__primary_contact_name", "order__arrival", "order__departure", "order__room__number", "order__room_type__name",
    "order__channel__name", "actor__username", "actor__staff__display_name",
)


def _events(store_ids: list[int], kinds: Sequence[str], *, after: int, upto: int, limit: int, newest: bool = False) -> list[dict]:
    """Events with ``after < id <= upto``, at most ``limit``: the oldest first, or with
    ``newest`` the newest ones (still returned oldest first)."""
    if not store_ids or upto <= after:
        return []
    rows = list(
        OrderEvent.objects.filter(store_id__in=store_ids, kind__in=[str(k) for k in kinds], id__gt=after, id__lte=upto)
        .order_by("-id" if newest else "id")
        .values(*EVENT_FIELDS)[:limit]
    )
    if newest:
        rows.reverse()
    return rows


def order_changes_poll(*, store_ids: Sequence[int], cursor: FeedCursor | None, limit: int, kinds: Sequence[str]) -> dict:
    """Order events of the stores ``store_ids`` newer than ``cursor``, of ``kinds``, oldest
    first, at most ``limit``, each a dict of ``EVENT_FIELDS``; and the cursor to send next
    time. Without a cursor: the newest ``limit`` events. Returns ``{"events",
    "next_cursor", "has_more"}``. Never skips an event committed late
    (``apps.common.feed.feed_poll``). Two queries."""
    store_ids = list(store_ids)

    def fetch(*, after: int, upto: int, limit: int, newest: bool) -> list[dict]:
        return _events(store_ids, kinds, after=after, upto=upto, limit=limit, newest=newest)

    polled = feed_poll(model=OrderEvent, time_field="at", fetch=fetch, cursor=cursor, limit=limit)
    return {"events": polled["rows"], "next_cursor": polled["next_cursor"], "has_more": polled["has_more"]}


_VERSION_SQL = f"""
SELECT (SELECT coalesce(max(id), 0) FROM {OrderEvent._meta.db_table} WHERE store_id = %(store)s),
       (SELECT coalesce(max(id), 0) FROM {AriChange._meta.db_table} WHERE store_id = %(store)s)
"""


def store_feed_version(*, store_id: int) -> str:
    """A cheap version of everything the store's feeds carry: ``"<order event id>.<ARI
    change id>"``, the newest committed row of each for the store. It changes whenever an
    order of the store changes (an event) or what a channel reads of it does (a booking,
    a lock, a price, a restriction: ``apps.rooms.ari``); a client (the desk's live grid)
    compares it with the one it rendered and reloads when it moved. One statement, two
    index scans (``orderevent_store_id``, ``arichange_store_id``)."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL, {"store": store_id})
        event_id, ari_id = cursor.fetchone()
    return f"{event_id}.{ari_id}"


def order_change_seen(*, store_id: int, cursor: FeedCursor | None) -> tuple[bool, FeedCursor]:
    """Has any order of the store changed since ``cursor`` (None: the current position)?
    ``(changed, next cursor)``: the change feed's own polling (``order_changes_poll``,
    which never skips a change committed late), asked for one event of any kind. What
    the desk's live grid and today lists poll; one or two small queries."""
    if cursor is None:
        return False, feed_position(model=OrderEvent)
    result = order_changes_poll(store_ids=[store_id], cursor=cursor, limit=1, kinds=OrderEvent.Kind.values)
    return bool(result["events"]), FeedCursor.decode(result["next_cursor"])
