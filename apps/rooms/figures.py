"""Set-based figures of rooms for the night audit and reports: how many rooms a store has
and how many of them are locked (out of sale) per night. Read-only, one statement each,
whatever the number of stores or nights. Hand-written SQL: set-based aggregates over the
rooms app's own tables (``rooms_room``, ``rooms_roomnight``)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import connection
from django.db.models import Count, Exists, OuterRef

from apps.common.periods import StorePeriod, unnest_params
from apps.rooms.models import Room, RoomNight


def rooms_out_of_order_count(*, store, night: date) -> tuple[int, int]:
    """The store's active rooms and, of them, those locked on ``night`` (maintenance, out
    of order, hold): what the night audit counts as rooms and rooms out of order. One query."""
    locked = RoomNight.objects.filter(room_id=OuterRef("pk"), night=night, kind=RoomNight.Kind.LOCK)
    counts = Room.objects.filter(store=store, is_active=True).aggregate(total=Count("id"), locked=Count("id", filter=Exists(locked)))
    return counts["total"], counts["locked"]


# Per store: its active rooms (night NULL; a store with several periods counted once), then
# per night of its periods the active rooms locked that night. Locks hold room nights (``kind = 'lock'``), one per room and night.
_ROOM_NIGHTS_SQL = """
WITH p AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(store_id, first, last)
)
SELECT ps.store_id, NULL::date, count(r.id)
  FROM (SELECT DISTINCT store_id FROM p) ps LEFT JOIN rooms_room r ON r.store_id = ps.store_id AND r.is_active
 GROUP BY ps.store_id
UNION ALL
SELECT rn.store_id, rn.night, count(*)
  FROM p JOIN rooms_roomnight rn ON rn.store_id = p.store_id AND rn.kind = 'lock' AND rn.night >= p.first AND rn.night <= p.last
  JOIN rooms_room r ON r.id = rn.room_id AND r.is_active
 GROUP BY rn.store_id, rn.night
"""


def room_nights(*, periods: Sequence[StorePeriod]) -> tuple[dict[int, int], dict[tuple[int, date], int]]:
    """``(rooms, locked)``: each store's active rooms, and the active rooms locked on each
    night of its period, by (store id, night) (nights without a lock are absent). One query."""
    rooms: dict[int, int] = {}
    locked: dict[tuple[int, date], int] = {}
    if not periods:
        return rooms, locked
    with connection.cursor() as cursor:
        cursor.execute(_ROOM_NIGHTS_SQL, unnest_params(periods))
        for store_id, night, n in cursor.fetchall():
            if night is None:
                rooms[store_id] = n
            else:
                locked[(store_id, night)] = n
    return rooms, locked
