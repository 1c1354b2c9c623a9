"""Inventory: the only code that writes ``RoomNight`` and ``RoomTypeNight``.

Two guarantees, both enforced by PostgreSQL (see the models' constraints):

- room level: ``UNIQUE (room, night)`` on ``RoomNight`` -- a room is held by at most
  one stay or lock per night;
- type level: ``CHECK (held <= capacity - locked)`` on ``RoomTypeNight`` -- a room type
  is never held for more nights than it has sellable rooms.

The Python checks below only turn a refusal into a friendly error listing the nights.
Lock order, to keep concurrent writers free of deadlocks: the room type row (FOR SHARE,
so capacity changes wait), then counter rows ordered by (room type, night) FOR UPDATE,
then the room row (FOR SHARE, so a deactivation waits or is seen), then room nights
inserted in (room, night) order. Services that change capacity lock the room type(s)
FOR UPDATE first, then the room FOR UPDATE.

Callers run these inside their own ``transaction.atomic()``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.models import Room, RoomNight

RoomTypeNights = dict[int, list[date]]


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


def nights_between(start: date, end: date) -> list[date]:
    """The nights of a stay from ``start`` (arrival) to ``end`` (departure, exclusive)."""
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _lock_counters(store_id: int, wanted: RoomTypeNights) -> dict[tuple[int, date], tuple[int, int, int]]:
    """Create missing counter rows and lock all wanted ones, in a global order.

    Returns ``{(room_type_id, night): (capacity, locked, held)}``.
    """
    type_ids = sorted(wanted)
    with connection.cursor() as cursor:
        # Capacity changes take FOR UPDATE on the room type; make them wait for us.
        cursor.execute("SELECT id FROM rooms_roomtype WHERE id = ANY(%s) ORDER BY id FOR SHARE", [type_ids])
        for type_id in type_ids:
            cursor.execute(
                """
                INSERT INTO rooms_roomtypenight (store_id, room_type_id, night, capacity, locked, held)
                SELECT %s, %s, n, (SELECT count(*) FROM rooms_room WHERE room_type_id = %s AND is_active), 0, 0
                FROM unnest(%s::date[]) AS n
                ORDER BY n
                ON CONFLICT (room_type_id, night) DO NOTHING
                """,
                [store_id, type_id, type_id, sorted(set(wanted[type_id]))],
            )
        pairs_types, pairs_nights = [], []
        for type_id in type_ids:
            for night in sorted(set(wanted[type_id])):
                pairs_types.append(type_id)
                pairs_nights.append(night)
        cursor.execute(
            """
            SELECT c.room_type_id, c.night, c.capacity, c.locked, c.held
            FROM rooms_roomtypenight c
            JOIN unnest(%s::bigint[], %s::date[]) AS w(room_type_id, night)
              ON c.room_type_id = w.room_type_id AND c.night = w.night
            ORDER BY c.room_type_id, c.night
            FOR UPDATE OF c
            """,
            [pairs_types, pairs_nights],
        )
        return {(row[0], row[1]): (row[2], row[3], row[4]) for row in cursor.fetchall()}


def _bump(column: str, delta: int, wanted: RoomTypeNights) -> None:
    with connection.cursor() as cursor:
        for type_id, nights in sorted(wanted.items()):
            cursor.execute(
                f"UPDATE rooms_roomtypenight SET {column} = {column} + %s WHERE room_type_id = %s AND night = ANY(%s::date[])",
                [delta, type_id, sorted(set(nights))],
            )


def _insert_room_nights(
    *, store_id: int, room_id: int, nights: list[date], order_id=None, lock_id=None, room_type_id: int | None = None
) -> None:
    # FOR SHARE: a concurrent deactivation or type change (FOR NO KEY UPDATE of the room)
    # waits for us, or we see its result.
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_active, room_type_id FROM rooms_room WHERE id = %s FOR SHARE", [room_id])
        row = cursor.fetchone()
    if row is None or not row[0]:
        raise RoomInactive(room_id)
    if room_type_id is not None and row[1] != room_type_id:
        # the stay is held at the level of another type: the room changed type meanwhile
        raise RoomUnavailable(nights, room_id)
    taken = set(RoomNight.objects.filter(room_id=room_id, night__in=nights).values_list("night", flat=True))
    if taken:
        raise RoomUnavailable(taken, room_id)
    kind = RoomNight.Kind.STAY if order_id is not None else RoomNight.Kind.LOCK
    rows = [
        RoomNight(store_id=store_id, room_id=room_id, night=n, kind=kind, order_id=order_id, lock_id=lock_id)
        for n in sorted(nights)
    ]
    try:
        with transaction.atomic():  # savepoint: a concurrent holder makes this insert fail
            RoomNight.objects.bulk_create(rows)
    except IntegrityError as exc:
        if "roomnight_one_holder_per_room_night" not in str(exc):
            raise
        raise RoomUnavailable(nights, room_id) from exc


def hold_stay(*, store_id: int, order_id: int, room_type_id: int, nights: list[date], room_id: int | None = None) -> None:
    """Hold one unit of ``room_type_id`` for each night, and ``room_id`` too if given."""
    if not nights:
        return
    counters = _lock_counters(store_id, {room_type_id: nights})
    full = [n for (t, n), (cap, locked, held) in counters.items() if held + locked + 1 > cap]
    if full:
        raise RoomTypeSoldOut(full, room_type_id)
    _bump("held", +1, {room_type_id: nights})
    if room_id is not None:
        _insert_room_nights(
            store_id=store_id, room_id=room_id, nights=nights, order_id=order_id, room_type_id=room_type_id
        )


def release_stay(*, store_id: int, order_id: int, room_type_id: int, nights: list[date]) -> None:
    """Give back what ``hold_stay`` took for these nights (room nights included)."""
    if not nights:
        return
    _lock_counters(store_id, {room_type_id: nights})
    _bump("held", -1, {room_type_id: nights})
    RoomNight.objects.filter(order_id=order_id, kind=RoomNight.Kind.STAY, night__in=nights).delete()


def assign_room(
    *, store_id: int, order_id: int, room_id: int, nights: list[date], room_type_id: int | None = None
) -> None:
    """Put a stay (already held at type level) in a room; replaces any previous room.

    With ``room_type_id`` (the type the stay holds), a room of another type is refused,
    checked under the room's row lock so a concurrent type change cannot slip between.
    """
    RoomNight.objects.filter(order_id=order_id, kind=RoomNight.Kind.STAY, night__in=nights).delete()
    if nights:
        _insert_room_nights(
            store_id=store_id, room_id=room_id, nights=nights, order_id=order_id, room_type_id=room_type_id
        )


def unassign_room(*, order_id: int) -> None:
    RoomNight.objects.filter(order_id=order_id, kind=RoomNight.Kind.STAY).delete()


def hold_lock(*, store_id: int, lock_id: int, room: Room, nights: list[date]) -> None:
    """Take ``room`` out of sale for ``nights`` (refused over a stay or another lock)."""
    counters = _lock_counters(store_id, {room.room_type_id: nights})
    full = [n for (t, n), (cap, locked, held) in counters.items() if held + locked + 1 > cap]
    if full:
        # Every room of the type is needed by stays booked at type level.
        raise RoomTypeSoldOut(full, room.room_type_id)
    _bump("locked", +1, {room.room_type_id: nights})
    _insert_room_nights(store_id=store_id, room_id=room.pk, nights=nights, lock_id=lock_id)


def release_lock(*, store_id: int, lock_id: int, room: Room, nights: list[date]) -> None:
    released = list(RoomNight.objects.filter(lock_id=lock_id, night__in=nights).values_list("night", flat=True))
    if not released:
        return
    _lock_counters(store_id, {room.room_type_id: released})
    _bump("locked", -1, {room.room_type_id: released})
    RoomNight.objects.filter(lock_id=lock_id, night__in=released).delete()


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


def free_counts(*, store_id: int, start: date, end: date) -> dict[int, dict[date, int]]:
    """Rooms free per active room type and night in ``[start, end)``: two queries."""
    from django.db.models import Count, Q

    from apps.rooms.models import RoomType, RoomTypeNight

    nights = nights_between(start, end)
    base = dict(
        RoomType.objects.filter(store_id=store_id, is_active=True)
        .annotate(n=Count("rooms", filter=Q(rooms__is_active=True)))
        .values_list("id", "n")
    )
    result: dict[int, dict[date, int]] = defaultdict(dict)
    for type_id, n in base.items():
        for night in nights:
            result[type_id][night] = n
    for type_id, night, cap, locked, held in RoomTypeNight.objects.filter(
        store_id=store_id, night__gte=start, night__lt=end, room_type_id__in=list(base)
    ).values_list("room_type_id", "night", "capacity", "locked", "held"):
        result[type_id][night] = cap - locked - held
    return dict(result)


def lock_counters(*, store_id: int, wanted: dict[int, Iterable[date]]) -> None:
    """Lock the counter rows of these (room type, night)s in the global lock order,
    creating missing ones.

    For a caller that both releases and holds in one transaction (a stay moved to other
    dates or another type): ``release_stay`` and ``hold_stay`` each lock in order, but two
    calls one after the other do not, so two such callers moving in opposite directions
    could deadlock. Calling this first with the union of both sets takes every lock up
    front, in order; the later calls find them already held.
    """
    nights = {type_id: sorted(set(n)) for type_id, n in wanted.items()}
    nights = {type_id: n for type_id, n in nights.items() if n}
    if nights:
        _lock_counters(store_id, nights)
