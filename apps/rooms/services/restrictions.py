"""Stay restrictions of a room type over a span of nights (the rate calendar's closed
dates and minimum stay): set, changed or cleared night by night. What a restriction does
to a stay is ``apps.rooms.quote`` (docs/rooms.md, "Restrictions")."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.inventory import nights_between
from apps.rooms.models import RoomType, StayRestriction
from apps.rooms.services.checks import _invalid, logger

# The longest span one call sets (a year of the calendar).
RESTRICTION_MAX_NIGHTS = 366


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


# A restriction the call leaves as it is, night by night (``None`` for ``min_stay`` clears it).
UNSET = _Unset()


def stay_restrictions_set(
    *, store, room_type: RoomType, start: date, end: date, actor, weekdays: Iterable[int] | None = None,
    closed: bool | _Unset = UNSET, closed_to_arrival: bool | _Unset = UNSET, min_stay: int | None | _Unset = UNSET,
) -> int:
    """Set the restrictions of ``room_type`` on the nights ``[start, end)`` (only those whose
    weekday, 0 = Monday, is in ``weekdays`` when given). Each of ``closed``,
    ``closed_to_arrival`` and ``min_stay`` is left as it is on every night when not given;
    ``min_stay`` None or 1 clears it. A night left without any restriction loses its row.
    Returns the number of nights touched. Field errors: ``restriction_invalid``."""
    fields: dict[str, str] = {}
    if room_type.store_id != store.pk:
        fields["room_type"] = _("No such room type in this store.")
    if end <= start:
        fields["end"] = _("Must be after the first night.")
    elif (end - start).days > RESTRICTION_MAX_NIGHTS:
        fields["end"] = _("At most %(days)d nights at a time.") % {"days": RESTRICTION_MAX_NIGHTS}
    days = None
    if weekdays is not None:
        days = {int(d) for d in weekdays}
        if not days or any(d < 0 or d > 6 for d in days):
            fields["weekdays"] = _("Weekdays are 0 (Monday) to 6 (Sunday).")
    if min_stay is not UNSET and min_stay is not None and not 1 <= int(min_stay) <= StayRestriction.MIN_STAY_MAX:
        fields["min_stay"] = _("From 1 to %(max)d nights.") % {"max": StayRestriction.MIN_STAY_MAX}
    if closed is UNSET and closed_to_arrival is UNSET and min_stay is UNSET:
        fields["closed"] = _("Give at least one of closed, closed_to_arrival, min_stay.")
    if fields:
        raise _invalid(RoomsErrorCode.RESTRICTION_INVALID, _("The restriction is not valid."), fields)
    if min_stay == 1:
        min_stay = None
    nights = [n for n in nights_between(start, end) if days is None or n.weekday() in days]
    if not nights:
        return 0
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        existing = {
            r.night: r for r in StayRestriction.objects.select_for_update().filter(room_type=room_type, night__in=nights)
        }
        upsert, delete = [], []
        for night in nights:
            row = existing.get(night) or StayRestriction(store=store, room_type=room_type, night=night)
            if closed is not UNSET:
                row.closed = bool(closed)
            if closed_to_arrival is not UNSET:
                row.closed_to_arrival = bool(closed_to_arrival)
            if min_stay is not UNSET:
                row.min_stay = min_stay
            row.updated_by = user
            if row.closed or row.closed_to_arrival or row.min_stay:
                upsert.append(row)
            elif row.pk is not None:
                delete.append(row.pk)
        if delete:
            StayRestriction.objects.filter(pk__in=delete).delete()
        if upsert:
            StayRestriction.objects.bulk_create(
                upsert, update_conflicts=True, unique_fields=["room_type", "night"],
                update_fields=["closed", "closed_to_arrival", "min_stay", "updated_at", "updated_by"],
            )
    logger.info("rooms.restrictions_set", extra={"store_id": store.pk, "room_type_id": room_type.pk,
                                                 "start": start.isoformat(), "end": end.isoformat(), "nights": len(nights)})
    return len(nights)
