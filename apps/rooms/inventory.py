"""Inventory: the only code that writes ``RoomNight`` and ``RoomTypeNight``.

Two guarantees, both enforced by PostgreSQL (see the models' constraints):

- room level: ``UNIQUE (room, night)`` on ``RoomNight`` -- a room is held by at most
  one stay or lock per night;
- type level: ``CHECK (held <= capacity - locked)`` on ``RoomTypeNight`` -- a room type
  is never held for more nights than it has sellable rooms.

The checks here only turn a refusal into a friendly error listing the nights: a hold
asks for a unit only where one is left (``ON CONFLICT ... DO UPDATE ... WHERE``) and a
room night only where the room is free (``ON CONFLICT DO NOTHING``), and reads what it
got. Lock order, to keep concurrent writers free of deadlocks: the room type row (FOR
SHARE, so capacity changes wait), then counter rows ordered by (room type, night) FOR
UPDATE (or the row locks an upsert takes, in the same order), then the room row (FOR
SHARE, so a deactivation waits or is seen), then room nights inserted in (room, night)
order. Services that change capacity lock the room type(s) FOR UPDATE first, then the
room FOR UPDATE.

Holding a new stay in a room is three statements (the type's row, the counters, the
room nights), releasing it three. Every statement is hand-written SQL: they are the
guarantee (each decides under concurrency what it can take). Callers run these inside their own
``transaction.atomic()``; a refusal leaves nothing held either way.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.models import Room, RoomNight


class RoomUnavailable(DomainError):
    def __init__(self, nights: Iterable[date], room_id: int | None = None):
        nights = sorted(set(nights))
        super().__init__(
            RoomsErrorCode.ROOM_UNAVAILABLE,
            _("The room is already taken on %(nights)s.") % {"nights": ", ".join(n.isoformat() for n in nights)},
            extra={"nights": [n.isoformat() for n in nights], "room_id": room_id},
        )


class RoomTypeSoldOut(DomainError):
    def __init__(self, nights: Iterable[date], room_type_id: int):
        nights = sorted(set(nights))
        super().__init__(
            RoomsErrorCode.ROOM_TYPE_SOLD_OUT,
            _("No room of this type is left on %(nights)s.") % {"nights": ", ".join(n.isoformat() for n in nights)},
            extra={"nights": [n.isoformat() for n in nights], "room_type_id": room_type_id},
        )


class RoomInactive(DomainError):
    def __init__(self, room_id: int):
        super().__init__(
            RoomsErrorCode.ROOM_INACTIVE, _("This room is out of service (deactivated)."), extra={"room_id": room_id}
        )


# The longest stay one can book: a stay holds at most this many nights.
MAX_STAY_NIGHTS = 90


def nights_between(start: date, end: date) -> list[date]:
    """The nights of a stay from ``start`` (arrival) to ``end`` (departure, exclusive)."""
    return [start + timedelta(days=i) for i in range((end - start).days)]


# Take one unit of a type's counter (``held`` for a stay, ``locked`` for a lock) on each
# night, in one statement: missing rows are created with the type's active rooms as
# capacity, existing ones are locked and bumped, in night order (the global lock order)
# -- but only where a unit is left: a full night is locked and left as it was, and not
# returned (an inserted row of a type without active rooms is returned with 0).
_TAKE_TEMPLATE = """
    INSERT INTO rooms_roomtypenight AS c (store_id, room_type_id, night, capacity, locked, held)
    SELECT %(store)s::bigint, %(type)s::bigint, n, r.rooms, {locked}, {held}
    FROM (SELECT count(*)::int AS rooms FROM rooms_room WHERE room_type_id = %(type)s::bigint AND is_active) r,
         unnest(%(nights)s::date[]) AS n
    ORDER BY n
    ON CONFLICT (room_type_id, night) DO UPDATE SET {column} = c.{column} + 1
    WHERE c.held + c.locked + 1 <= c.capacity
    RETURNING c.night, c.{column}
"""
_TAKE_SQL = {
    "held": _TAKE_TEMPLATE.format(column="held", held="LEAST(r.rooms, 1)", locked="0"),
    "locked": _TAKE_TEMPLATE.format(column="locked", held="0", locked="LEAST(r.rooms, 1)"),
}
# Give units back: lock the rows in night order first (a plain UPDATE locks in scan order).
_GIVE_BACK_TEMPLATE = """
    WITH rows AS (
        SELECT id FROM rooms_roomtypenight
        WHERE room_type_id = %(type)s AND night = ANY(%(nights)s::date[])
        ORDER BY night
        FOR UPDATE
    )
    UPDATE rooms_roomtypenight c SET {column} = c.{column} - 1 FROM rows WHERE c.id = rows.id
"""
_GIVE_BACK_SQL = {column: _GIVE_BACK_TEMPLATE.format(column=column) for column in ("held", "locked")}
# Room nights of a stay or a lock in one statement: the room row FOR SHARE (a concurrent
# deactivation or type change, FOR NO KEY UPDATE of the room, waits for us or we see its
# result), then the nights in night order; a night another holder has (committed, or
# committed while we waited on its row) is skipped. Returns the room's state and the
# nights inserted.
_ROOM_NIGHTS_SQL = """
    WITH room AS (
        SELECT id, is_active, room_type_id FROM rooms_room WHERE id = %(room)s FOR SHARE
    ), inserted AS (
        INSERT INTO rooms_roomnight (store_id, room_id, night, kind, order_id, lock_id)
        SELECT %(store)s::bigint, room.id, n, %(kind)s::text, %(order)s::bigint, %(lock)s::bigint
        FROM room, unnest(%(nights)s::date[]) AS n
        WHERE room.is_active AND (%(type)s::bigint IS NULL OR room.room_type_id = %(type)s::bigint)
        ORDER BY n
        ON CONFLICT (room_id, night) DO NOTHING
        RETURNING night
    )
    SELECT room.is_active, room.room_type_id, ARRAY(SELECT night FROM inserted) FROM room
"""


def _take(cursor, *, store_id: int, column: str, room_type_id: int, nights: list[date]) -> None:
    """One unit of ``column`` on every night, or ``RoomTypeSoldOut`` and nothing taken."""
    cursor.execute(_TAKE_SQL[column], {"store": store_id, "type": room_type_id, "nights": nights})
    taken = [night for night, units in cursor.fetchall() if units >= 1]
    if len(taken) < len(nights):
        if taken:
            _give_back(cursor, column=column, room_type_id=room_type_id, nights=taken)
        raise RoomTypeSoldOut(set(nights) - set(taken), room_type_id)


def _give_back(cursor, *, column: str, room_type_id: int, nights: list[date]) -> None:
    cursor.execute(_GIVE_BACK_SQL[column], {"type": room_type_id, "nights": nights})
    if cursor.rowcount != len(nights):
        # Giving back what was never taken: a bug in the caller, not a refusal.
        raise AssertionError(f"inventory: {column} of room type {room_type_id} given back for nights never taken")


def _lock_room_type(cursor, room_type_id: int) -> None:
    # Capacity changes take FOR UPDATE on the room type; make them wait for us.
    cursor.execute("SELECT id FROM rooms_roomtype WHERE id = %s FOR SHARE", [room_type_id])


def _insert_room_nights(
    cursor, *, store_id: int, room_id: int, nights: list[date], order_id=None, lock_id=None,
    room_type_id: int | None = None,
) -> None:
    """The room nights, or a refusal (``RoomInactive``, ``RoomUnavailable``) and none inserted."""
    kind = (RoomNight.Kind.STAY if order_id is not None else RoomNight.Kind.LOCK).value
    cursor.execute(_ROOM_NIGHTS_SQL, {
        "store": store_id, "room": room_id, "nights": nights, "kind": kind, "order": order_id, "lock": lock_id,
        "type": room_type_id,
    })
    row = cursor.fetchone()
    if row is None or not row[0]:
        raise RoomInactive(room_id)
    is_active, room_type, inserted = row
    if room_type_id is not None and room_type != room_type_id:
        # the stay is held at the level of another type: the room changed type meanwhile
        raise RoomUnavailable(nights, room_id)
    if len(inserted) < len(nights):
        if inserted:
            cursor.execute("DELETE FROM rooms_roomnight WHERE room_id = %s AND night = ANY(%s::date[])", [room_id, inserted])
        raise RoomUnavailable(set(nights) - set(inserted), room_id)


def _delete_stay_nights(cursor, *, order_id: int, nights: list[date] | None = None) -> None:
    if nights is None:
        cursor.execute("DELETE FROM rooms_roomnight WHERE order_id = %s AND kind = 'stay'", [order_id])
    else:
        cursor.execute(
            "DELETE FROM rooms_roomnight WHERE order_id = %s AND kind = 'stay' AND night = ANY(%s::date[])", [order_id, nights],
        )


# What a hold would refuse, read without taking anything: the nights the type's counters
# have no unit left on (the same test as _TAKE_SQL's), then the nights the room is
# already held or locked on.
_REFUSAL_SQL = """
    SELECT ARRAY(SELECT c.night FROM rooms_roomtypenight c
                  WHERE c.room_type_id = %(type)s::bigint AND c.night = ANY(%(nights)s::date[])
                    AND c.held + c.locked + 1 > c.capacity ORDER BY c.night),
           ARRAY(SELECT n.night FROM rooms_roomnight n
                  WHERE n.room_id = %(room)s::bigint AND n.night = ANY(%(nights)s::date[]) ORDER BY n.night)
"""


def stay_refusal(*, room_type_id: int, nights: list[date], room_id: int | None = None) -> DomainError | None:
    """The refusal ``hold_stay`` would give now for these nights (``RoomTypeSoldOut``,
    else ``RoomUnavailable``), read from committed rows in one statement, or None.

    Only a shortcut for answering a stay that cannot be had before writing anything
    (a booking refused after its contact, order and lines were written costs ~8 more
    statements, then a rollback): it takes no lock, so None promises nothing and the
    hold still decides. A refusal here is one the hold would also have given at that
    moment: the nights were held by committed orders or locks."""
    with connection.cursor() as cursor:
        cursor.execute(_REFUSAL_SQL, {"type": room_type_id, "nights": sorted(set(nights)), "room": room_id})
        sold_out, taken = cursor.fetchone()
    if sold_out:
        return RoomTypeSoldOut(sold_out, room_type_id)
    if taken:
        return RoomUnavailable(taken, room_id)
    return None


def hold_stay(*, store_id: int, order_id: int, room_type_id: int, nights: list[date], room_id: int | None = None) -> None:
    """Hold one unit of ``room_type_id`` for each night, and ``room_id`` too if given.

    Three statements (the type's row, the counters, the room nights). A refusal
    (``RoomTypeSoldOut``, ``RoomUnavailable``, ``RoomInactive``) leaves nothing held.
    """
    nights = sorted(set(nights))
    if not nights:
        return
    with connection.cursor() as cursor:
        _lock_room_type(cursor, room_type_id)
        _take(cursor, store_id=store_id, column="held", room_type_id=room_type_id, nights=nights)
        if room_id is not None:
            try:
                _insert_room_nights(
                    cursor, store_id=store_id, room_id=room_id, nights=nights, order_id=order_id, room_type_id=room_type_id
                )
            except (RoomUnavailable, RoomInactive):
                _give_back(cursor, column="held", room_type_id=room_type_id, nights=nights)
                raise


def release_stay(*, store_id: int, order_id: int, room_type_id: int, nights: list[date]) -> None:
    """Give back what ``hold_stay`` took for these nights (room nights included). Three statements."""
    nights = sorted(set(nights))
    if not nights:
        return
    with connection.cursor() as cursor:
        _lock_room_type(cursor, room_type_id)
        _give_back(cursor, column="held", room_type_id=room_type_id, nights=nights)
        _delete_stay_nights(cursor, order_id=order_id, nights=nights)


def assign_room(
    *, store_id: int, order_id: int, room_id: int, nights: list[date], room_type_id: int | None = None
) -> None:
    """Put a stay (already held at type level) in a room; replaces any previous room.

    With ``room_type_id`` (the type the stay holds), a room of another type is refused,
    checked under the room's row lock so a concurrent type change cannot slip between.
    """
    nights = sorted(set(nights))
    with connection.cursor() as cursor:
        _delete_stay_nights(cursor, order_id=order_id, nights=nights)
        if nights:
            _insert_room_nights(
                cursor, store_id=store_id, room_id=room_id, nights=nights, order_id=order_id, room_type_id=room_type_id
            )


def unassign_room(*, order_id: int) -> None:
    with connection.cursor() as cursor:
        _delete_stay_nights(cursor, order_id=order_id)


def hold_lock(*, store_id: int, lock_id: int, room: Room, nights: list[date]) -> None:
    """Take ``room`` out of sale for ``nights`` (refused over a stay or another lock, or
    when stays booked at type level need every room of the type: ``RoomTypeSoldOut``)."""
    nights = sorted(set(nights))
    if not nights:
        return
    with connection.cursor() as cursor:
        _lock_room_type(cursor, room.room_type_id)
        _take(cursor, store_id=store_id, column="locked", room_type_id=room.room_type_id, nights=nights)
        try:
            _insert_room_nights(cursor, store_id=store_id, room_id=room.pk, nights=nights, lock_id=lock_id)
        except (RoomUnavailable, RoomInactive):
            _give_back(cursor, column="locked", room_type_id=room.room_type_id, nights=nights)
            raise


def release_lock(*, store_id: int, lock_id: int, room: Room, nights: list[date]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT night FROM rooms_roomnight WHERE lock_id = %s AND night = ANY(%s::date[]) ORDER BY night",
            [lock_id, sorted(set(nights))],
        )
        released = [night for (night,) in cursor.fetchall()]
        if not released:
            return
        _lock_room_type(cursor, room.room_type_id)
        _give_back(cursor, column="locked", room_type_id=room.room_type_id, nights=released)
        cursor.execute("DELETE FROM rooms_roomnight WHERE lock_id = %s AND night = ANY(%s::date[])", [lock_id, released])


def capacity_change(*, room_type_id: int, delta: int, from_night: date) -> None:
    """A room joined (+1) or left (-1) a type from ``from_night`` on.

    Refused with ``RoomTypeSoldOut`` if the type would be oversold on some night.
    The caller holds ``SELECT ... FOR UPDATE`` on the room type row.
    """
    from django.db.models import F

    from apps.rooms.models import RoomTypeNight

    if delta < 0:
        short = list(
            RoomTypeNight.objects.filter(
                room_type_id=room_type_id, night__gte=from_night, held__gt=F("capacity") + delta - F("locked")
            ).values_list("night", flat=True)
        )
        if short:
            raise RoomTypeSoldOut(short, room_type_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE rooms_roomtypenight SET capacity = capacity + %s WHERE room_type_id = %s AND night >= %s",
            [delta, room_type_id, from_night],
        )


_FREE_COUNTS_SQL = """
    SELECT t.id, %(start)s::date + i, COALESCE(c.capacity - c.locked - c.held, r.rooms)::int
    FROM rooms_roomtype t
    CROSS JOIN LATERAL (
        SELECT count(*) AS rooms FROM rooms_room WHERE room_type_id = t.id AND is_active
    ) r
    CROSS JOIN generate_series(0, %(days)s::int - 1) AS i
    LEFT JOIN rooms_roomtypenight c ON c.room_type_id = t.id AND c.night = %(start)s::date + i
    WHERE t.store_id = %(store)s AND t.is_active
"""


def free_counts(*, store_id: int, start: date, end: date) -> dict[int, dict[date, int]]:
    """Rooms free per active room type and night in ``[start, end)``: one query.

    A night with a counter row has ``capacity - locked - held``; a night nobody has
    held or locked yet has no row (rows are created lazily) and every active room of
    the type is free.
    """
    result: dict[int, dict[date, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_FREE_COUNTS_SQL, {"store": store_id, "start": start, "days": (end - start).days})
        for type_id, night, free in cursor.fetchall():
            result[type_id][night] = free
    return dict(result)


def lock_counters(*, store_id: int, wanted: dict[int, Iterable[date]]) -> None:
    """Lock the counter rows of these (room type, night)s in the global lock order,
    creating missing ones. Three statements, however many types.

    For a caller that both releases and holds in one transaction (a stay moved to other
    dates or another type): ``release_stay`` and ``hold_stay`` each lock in order, but two
    calls one after the other do not, so two such callers moving in opposite directions
    could deadlock. Calling this first with the union of both sets takes every lock up
    front, in order; the later calls find them already held.
    """
    pairs = sorted({(type_id, night) for type_id, nights in wanted.items() for night in nights})
    if not pairs:
        return
    types, nights = [t for t, _n in pairs], [n for _t, n in pairs]
    with connection.cursor() as cursor:
        # Capacity changes take FOR UPDATE on the room type; make them wait for us.
        cursor.execute("SELECT id FROM rooms_roomtype WHERE id = ANY(%s) ORDER BY id FOR SHARE", [sorted(set(types))])
        cursor.execute(
            """
            INSERT INTO rooms_roomtypenight (store_id, room_type_id, night, capacity, locked, held)
            SELECT %s, w.room_type_id, w.night, r.rooms, 0, 0
            FROM unnest(%s::bigint[], %s::date[]) AS w(room_type_id, night)
            CROSS JOIN LATERAL (
                SELECT count(*)::int AS rooms FROM rooms_room WHERE room_type_id = w.room_type_id AND is_active
            ) r
            ORDER BY w.room_type_id, w.night
            ON CONFLICT (room_type_id, night) DO NOTHING
            """,
            [store_id, types, nights],
        )
        cursor.execute(
            """
            SELECT 1 FROM rooms_roomtypenight c
            JOIN unnest(%s::bigint[], %s::date[]) AS w(room_type_id, night)
              ON c.room_type_id = w.room_type_id AND c.night = w.night
            ORDER BY c.room_type_id, c.night
            FOR UPDATE OF c
            """,
            [types, nights],
        )
