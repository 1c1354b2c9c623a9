"""A room's housekeeping status (dirty, cleaning, clean, inspected), moved by staff or by a
check-out, each move recorded."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.models import HousekeepingEvent, Room
from apps.rooms.services.checks import Housekeeping, logger


def housekeeping_allowed_from(current: str) -> list[str]:
    """The statuses a room in ``current`` may move to (dirty is always allowed)."""
    return sorted(Room.HOUSEKEEPING_TRANSITIONS.get(current, frozenset()) | {Housekeeping.DIRTY})


def _housekeeping_move(*, room: Room, status: str, actor, source: str) -> Room:
    """The transition recipe: lock the room (``FOR NO KEY UPDATE``: rows that reference it
    may still be inserted), check the move against ``Room.HOUSEKEEPING_TRANSITIONS`` (any
    room may be marked dirty: a guest left, a spill, an inspection failed), set the status
    and record the change. The room as it is now, or a refusal and nothing written."""
    with transaction.atomic():
        return _move(room=room, status=status, actor=actor, source=source)


def _move(*, room: Room, status: str, actor, source: str, fields: tuple[str, ...] | None = None) -> Room:
    """``_housekeeping_move`` in the caller's transaction (``fields``: the room's fields to
    read, all by default)."""
    if status not in Housekeeping.values:
        raise DomainValidationError(
            RoomsErrorCode.HOUSEKEEPING_STATUS_INVALID,
            _("Unknown housekeeping status."),
            extra={"fields": {"status": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Housekeeping.values)}]}},
        )
    rooms = Room.objects.select_for_update(no_key=True)
    locked = (rooms.only(*fields) if fields else rooms).get(pk=room.pk)
    current = locked.housekeeping
    if status != Housekeeping.DIRTY and status not in Room.HOUSEKEEPING_TRANSITIONS.get(current, frozenset()):
        raise DomainError(
            RoomsErrorCode.HOUSEKEEPING_TRANSITION_NOT_ALLOWED,
            _("A room cannot go from %(current)s to %(wanted)s.")
            % {"current": Housekeeping(current).label, "wanted": Housekeeping(status).label},
            extra={"from": current, "to": status, "allowed": housekeeping_allowed_from(current)},
        )
    locked.housekeeping, locked.housekeeping_at, locked.housekeeping_by = status, timezone.now(), actor
    locked.save(update_fields=["housekeeping", "housekeeping_at", "housekeeping_by"])
    HousekeepingEvent.objects.create(
        store_id=locked.store_id, room=locked, from_status=current, to_status=status, source=source, actor=actor,
        created_at=locked.housekeeping_at,
    )
    logger.info(
        "room.housekeeping_changed",
        extra={"room_id": locked.pk, "store_id": locked.store_id, "from": current, "to": status, "source": source},
    )
    return locked


def room_housekeeping_set(*, room: Room, status: str, actor) -> Room:
    """Staff change a room's housekeeping status; the move must be in ``HOUSEKEEPING_TRANSITIONS``
    (or be to dirty, always allowed). Records who and when, and a ``HousekeepingEvent``."""
    return _housekeeping_move(room=room, status=status, actor=actor, source=HousekeepingEvent.Source.MANUAL)


def room_mark_dirty(*, room: Room, actor) -> None:
    """A guest checked out of ``room``: it becomes dirty, whatever it was. Always allowed.
    Inside the check-out's transaction (the caller's: no savepoint of its own)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("room_mark_dirty() runs inside the check-out's transaction")
    _move(room=room, status=Housekeeping.DIRTY, actor=actor, source=HousekeepingEvent.Source.CHECK_OUT,
          fields=("id", "store_id", "housekeeping"))
