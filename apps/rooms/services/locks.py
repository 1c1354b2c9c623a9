"""Locks: a room out of sale for some nights (maintenance, out of order, hold). A lock holds
its room nights like a stay, so it is refused over a stay (and the reverse)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, NotFoundError
from apps.rooms import inventory
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.inventory import RoomUnavailable, nights_between
from apps.rooms.models import Room, RoomLock, RoomNight
from apps.rooms.services.checks import LOCK_MAX_NIGHTS, _invalid, logger
from apps.tenancy.business_day import store_local_date


class RoomLockOverlap(RoomUnavailable):
    """The room is already locked on some of the nights (a lock-vs-lock refusal)."""

    def __init__(self, nights: Iterable[date], room_id: int, lock_ids: Iterable[int]):
        nights = sorted(set(nights))
        DomainError.__init__(
            self,
            RoomsErrorCode.ROOM_LOCK_OVERLAP,
            _("The room is already locked on %(nights)s.") % {"nights": ", ".join(n.isoformat() for n in nights)},
            extra={"nights": [n.isoformat() for n in nights], "room_id": room_id, "lock_ids": sorted(set(lock_ids))},
        )


class RoomLockOverStay(RoomUnavailable):
    """The room has a stay on some of the nights (code ``room_unavailable``)."""

    def __init__(self, nights: Iterable[date], room_id: int, order_ids: Iterable[int]):
        nights = sorted(set(nights))
        DomainError.__init__(
            self,
            RoomsErrorCode.ROOM_UNAVAILABLE,
            _("Guests are booked in this room on %(nights)s; move them first.")
            % {"nights": ", ".join(n.isoformat() for n in nights)},
            extra={"nights": [n.isoformat() for n in nights], "room_id": room_id, "order_ids": sorted(set(order_ids))},
        )


def _refuse_if_held(room_id: int, nights: list[date]) -> None:
    holders = list(RoomNight.objects.filter(room_id=room_id, night__in=nights).values_list("night", "kind", "order_id", "lock_id"))
    stays = [(n, o) for n, kind, o, _l in holders if kind == RoomNight.Kind.STAY]
    if stays:
        raise RoomLockOverStay([n for n, _o in stays], room_id, [o for _n, o in stays])
    if holders:
        raise RoomLockOverlap([h[0] for h in holders], room_id, [h[3] for h in holders])


def _share_lock_room(room_id: int) -> Room:
    """Room type FOR SHARE, then room FOR SHARE (inventory's lock order); the type is then stable."""
    room_type_id = Room.objects.filter(pk=room_id).values_list("room_type_id", flat=True).get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM rooms_roomtype WHERE id = %s FOR SHARE", [room_type_id])
        cursor.execute("SELECT room_type_id FROM rooms_room WHERE id = %s FOR SHARE", [room_id])
        (current_type_id,) = cursor.fetchone()
    if current_type_id != room_type_id:
        raise DomainError(RoomsErrorCode.CONCURRENT_CHANGE, _("The room was changed meanwhile; please try again."))
    return Room.objects.get(pk=room_id)


def room_lock_create(
    *, store, room: Room, lock_type: str, start_date: date, end_date: date, reason: str = "", actor=None,
) -> RoomLock:
    """Take ``room`` out of sale for the nights ``[start_date, end_date)``.

    Refused over another lock (``room_lock_overlap``), over a stay
    (``room_unavailable``), when stays booked at type level need the room
    (``room_type_sold_out``), on an inactive room, or for nights before today.
    """
    if lock_type not in RoomLock.LockType.values:
        raise _invalid("invalid", _("Unknown lock type."), {"lock_type": _("Choose one of: %(choices)s.") % {"choices": ", ".join(RoomLock.LockType.values)}})
    if end_date <= start_date:
        raise _invalid(RoomsErrorCode.INVALID_DATE_RANGE, _("The end date must be after the start date."),
                       {"end_date": _("Must be after the start date.")})
    if (end_date - start_date).days > LOCK_MAX_NIGHTS:
        raise _invalid(RoomsErrorCode.DATE_SPAN_TOO_LONG, _("At most %(days)d days at a time.") % {"days": LOCK_MAX_NIGHTS},
                       {"end_date": _("At most %(days)d days after the start.") % {"days": LOCK_MAX_NIGHTS}}, max_days=LOCK_MAX_NIGHTS)
    if room.store_id != store.pk:
        raise NotFoundError("not_found", _("Not found."))
    today = store_local_date(store=store)
    if start_date < today:
        raise _invalid(RoomsErrorCode.ROOM_LOCK_IN_PAST, _("A lock cannot start before today."),
                       {"start_date": _("Today (%(today)s) or later.") % {"today": today.isoformat()}})
    nights = nights_between(start_date, end_date)
    with transaction.atomic():
        room = _share_lock_room(room.pk)
        if not room.is_active:
            raise inventory.RoomInactive(room.pk)
        _refuse_if_held(room.pk, nights)
        lock = RoomLock.objects.create(
            store=store, room=room, lock_type=lock_type, start_date=start_date, end_date=end_date,
            reason=reason, created_by=actor,
        )
        try:
            inventory.hold_lock(store_id=store.pk, lock_id=lock.pk, room=room, nights=nights)
        except RoomUnavailable:
            # A concurrent holder won the UNIQUE (room, night) race: say who.
            _refuse_if_held(room.pk, nights)
            raise
    logger.info(
        "room_lock.created",
        extra={"lock_id": lock.pk, "room_id": room.pk, "store_id": store.pk, "nights": len(nights), "actor_id": getattr(actor, "pk", None)},
    )
    return lock


def room_lock_release(*, lock: RoomLock, actor=None) -> RoomLock:
    """Give the lock's nights back from today (or its start, if later). The row stays, with who and when."""
    with transaction.atomic():
        # of=self: never lock the joined store row (every insert referencing the store would wait)
        locked = RoomLock.objects.select_for_update(of=("self",), no_key=True).select_related("room", "store").get(pk=lock.pk)
        if locked.released_at is not None:
            raise DomainError(
                RoomsErrorCode.ROOM_LOCK_RELEASED, _("This lock was already released."),
                extra={"released_at": locked.released_at.isoformat()},
            )
        first = max(store_local_date(store=locked.store), locked.start_date)
        nights = nights_between(first, locked.end_date) if first < locked.end_date else []
        if nights:
            inventory.release_lock(store_id=locked.store_id, lock_id=locked.pk, room=locked.room, nights=nights)
        locked.released_at = timezone.now()
        locked.released_by = actor
        locked.save(update_fields=["released_at", "released_by"])
    logger.info("room_lock.released", extra={"lock_id": locked.pk, "nights": len(nights), "actor_id": getattr(actor, "pk", None)})
    return locked
