"""ARI (availability, rates, restrictions) for channels: what a channel manager, the mall
or an OTA's direct connection reads of a store, and the changes since a cursor so it
polls deltas, not the year (docs/rooms.md, "ARI for channels").

- ``ari_read``: per active room type and night of ``[start, end)``: rooms free
  (capacity - locked - held), the night's price (the rules without a length-of-stay
  bound, as ``price_calendar``: a stay's own price, LOS rules included, is its quote,
  ``apps.rooms.quote.stay_quote``), closed, closed to arrival, minimum stay.
- ``ari_changes_poll``: rows of the ARI change log (``AriChange``, written by triggers:
  bookings and cancellations, locks, rooms in or out of service, pricing rules, default
  prices, restrictions), oldest first, after a cursor that never skips a change
  committed late (``apps.common.feed``). A change names the room type, its kind and the
  nights it touched (``first_night``/``last_night``, both inclusive; null = open); the
  channel reads those nights again with ``ari_read``.
"""
from __future__ import annotations

from datetime import date

from apps.common.feed import FeedCursor, feed_poll
from apps.rooms.inventory import free_counts, nights_between
from apps.rooms.models import AriChange
from apps.rooms.quote import restrictions_between
from apps.rooms.selectors import (
    PRICE_CALENDAR_MAX_DAYS,
    _check_span,
    _night_prices,
    pricing_rules_many,
    room_types_on_sale,
)

ARI_MAX_DAYS = PRICE_CALENDAR_MAX_DAYS
CHANGE_FIELDS = ("id", "kind", "room_type_id", "first_night", "last_night", "at")


def ari_read(*, store, start: date, end: date, room_type_ids: list[int] | None = None) -> list[dict]:
    """Availability, rates and restrictions of the store's active room types (or of
    ``room_type_ids`` among them) for the nights ``[start, end)`` (at most 366), in
    display order. Three queries (types, free counts, restrictions; the rules come from
    the reference cache, one query when it is cold)."""
    _check_span(start, end, field_start="start", field_end="end", max_days=ARI_MAX_DAYS)
    types = room_types_on_sale(store=store)
    if room_type_ids is not None:
        wanted = set(room_type_ids)
        types = [t for t in types if t.pk in wanted]
    nights = nights_between(start, end)
    free = free_counts(store_id=store.pk, start=start, end=end)
    types = [t for t in types if t.pk in free]
    rules = pricing_rules_many(store=store, room_type_ids=[t.pk for t in types], start=start, end=end)
    restrictions = restrictions_between(store_id=store.pk, room_type_ids=[t.pk for t in types], start=start, end=end)
    out = []
    for t in types:
        prices = _night_prices(room_type=t, nights=nights, los=None, rules=rules[t.pk])
        rows = restrictions[t.pk]
        out.append({
            "room_type_id": t.pk, "name": t.name,
            "nights": [
                {
                    "date": p.night, "free": max(0, free[t.pk][p.night]), "price": p.price,
                    "closed": bool(r and r.closed), "closed_to_arrival": bool(r and r.closed_to_arrival),
                    "min_stay": (r.min_stay if r and r.min_stay else 1),
                }
                for p in prices
                for r in [rows.get(p.night)]
            ],
        })
    return out


def ari_changes_poll(*, store, cursor: FeedCursor | None, limit: int) -> dict:
    """The store's ARI changes newer than ``cursor``, oldest first, at most ``limit``, each
    a dict of ``CHANGE_FIELDS``; and the cursor to send next time. Without a cursor: the
    newest ``limit`` changes and a cursor from there (a channel reads the ARI it needs
    with ``ari_read`` first, then polls). Returns ``{"changes", "next_cursor", "has_more"}``.
    Two queries."""

    def fetch(*, after: int, upto: int, limit: int, newest: bool) -> list[dict]:
        rows = list(
            AriChange.objects.filter(store_id=store.pk, id__gt=after, id__lte=upto)
            .order_by("-id" if newest else "id").values(*CHANGE_FIELDS)[:limit]
        )
        if newest:
            rows.reverse()
        return rows

    polled = feed_poll(model=AriChange, time_field="at", fetch=fetch, cursor=cursor, limit=limit)
    return {"changes": polled["rows"], "next_cursor": polled["next_cursor"], "has_more": polled["has_more"]}
