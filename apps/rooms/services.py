"""Writes of rooms: room types, rooms, locks, housekeeping, pricing rules.

Inventory rows (``RoomNight``, ``RoomTypeNight``) are written only through
``apps.rooms.inventory``; the services here call it inside their own transaction.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError, NotFoundError
from apps.rooms import inventory
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.inventory import RoomUnavailable, nights_between
from apps.rooms.models import HousekeepingEvent, PricingRule, Room, RoomLock, RoomNight, RoomType
from apps.tenancy.business_day import store_local_date

logger = logging.getLogger(__name__)

Housekeeping = Room.Housekeeping

# The longest lock the desk can set in one go; a longer closure is a deactivation.
LOCK_MAX_NIGHTS = 366


def _invalid(code: str, message: str, fields: dict[str, str | list[str]], **extra: Any) -> DomainValidationError:
    return DomainValidationError(
        code, message, extra={"fields": {k: v if isinstance(v, list) else [v] for k, v in fields.items()}, **extra}
    )


def _unique_violation(exc: IntegrityError, constraint: str) -> bool:
    return constraint in str(exc)


# --- housekeeping -------------------------------------------------------------------


def housekeeping_allowed_from(current: str) -> list[str]:
    """The statuses a room in ``current`` may move to (dirty is always allowed)."""
    return sorted(Room.HOUSEKEEPING_TRANSITIONS.get(current, frozenset()) | {Housekeeping.DIRTY})


def _housekeeping_move(*, room: Room, status: str, actor, source: str) -> Room:
    """The transition recipe: lock the room (``FOR NO KEY UPDATE``: rows that reference it
    may still be inserted), check the move against ``Room.HOUSEKEEPING_TRANSITIONS`` (any
    room may be marked dirty: a guest left, a spill, an inspection failed), set the status
    and record the change. The room as it is now, or a refusal and nothing written."""
    if status not in Housekeeping.values:
        raise DomainValidationError(
            RoomsErrorCode.HOUSEKEEPING_STATUS_INVALID,
            _("Unknown housekeeping status."),
            extra={"fields": {"status": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Housekeeping.values)}]}},
        )
    with transaction.atomic():
        locked = Room.objects.select_for_update(no_key=True).get(pk=room.pk)
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


def room_mark_dirty(*, room: Room, actor) -> Room:
    """A guest checked out of ``room``: it becomes dirty, whatever it was. Always allowed."""
    return _housekeeping_move(room=room, status=Housekeeping.DIRTY, actor=actor, source=HousekeepingEvent.Source.CHECK_OUT)


# --- room types ---------------------------------------------------------------------

ROOM_TYPE_FIELDS = frozenset({"name", "default_price", "capacity", "amenities", "description", "images", "is_active", "sort_order"})


def room_type_validate(*, store, name: str, default_price, capacity: int, instance: RoomType | None = None) -> None:
    """Friendly checks before the database's (name unique per store, price >= 0, capacity >= 1)."""
    fields: dict[str, str] = {}
    if not (name or "").strip():
        fields["name"] = _("This field may not be blank.")
    elif RoomType.objects.filter(store=store, name=name.strip()).exclude(pk=getattr(instance, "pk", None)).exists():
        fields["name"] = _("A room type with this name already exists in this store.")
    if default_price is None or Decimal(default_price) < 0:
        fields["default_price"] = _("Must be zero or more.")
    if capacity is None or int(capacity) < 1:
        fields["capacity"] = _("At least one guest.")
    if list(fields) == ["name"] and (name or "").strip():
        raise _invalid(RoomsErrorCode.ROOM_TYPE_NAME_TAKEN, fields["name"], fields)
    if fields:
        raise _invalid("invalid", _("Some fields are not valid."), fields)


def room_type_create(
    *, store, name: str, default_price: Decimal, capacity: int = 2, amenities: Iterable[str] = (), description: str = "",
    images: Iterable[str] = (), is_active: bool = True, sort_order: int = 0, actor=None,
) -> RoomType:
    room_type_validate(store=store, name=name, default_price=default_price, capacity=capacity)
    try:
        with transaction.atomic():
            room_type = RoomType.objects.create(
                store=store, name=name.strip(), default_price=default_price, capacity=capacity, amenities=list(amenities),
                description=description, images=list(images), is_active=is_active, sort_order=sort_order,
            )
    except IntegrityError as exc:
        if not _unique_violation(exc, "roomtype_name_unique_per_store"):
            raise
        raise _invalid(RoomsErrorCode.ROOM_TYPE_NAME_TAKEN, _("A room type with this name already exists in this store."),
                       {"name": _("A room type with this name already exists in this store.")}) from exc
    logger.info("room_type.created", extra={"room_type_id": room_type.pk, "store_id": store.pk, "actor_id": getattr(actor, "pk", None)})
    return room_type


def room_type_update(*, room_type: RoomType, actor=None, **changes: Any) -> RoomType:
    """Change a room type's description, price, capacity or active flag.

    Deactivating a type stops new sales of it (``free_counts`` leaves it out); stays
    already booked keep their rooms.
    """
    unknown = set(changes) - ROOM_TYPE_FIELDS
    if unknown:
        raise TypeError(f"room_type_update: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        locked = RoomType.objects.select_for_update(no_key=True).get(pk=room_type.pk)
        for key, value in changes.items():
            if key in {"amenities", "images"}:
                value = list(value)
            elif key == "name":
                value = (value or "").strip()
            setattr(locked, key, value)
        room_type_validate(
            store=locked.store, name=locked.name, default_price=locked.default_price, capacity=locked.capacity, instance=locked
        )
        if changes:
            try:
                with transaction.atomic():
                    locked.save(update_fields=sorted(changes))
            except IntegrityError as exc:
                if not _unique_violation(exc, "roomtype_name_unique_per_store"):
                    raise
                raise _invalid(RoomsErrorCode.ROOM_TYPE_NAME_TAKEN, _("A room type with this name already exists in this store."),
                               {"name": _("A room type with this name already exists in this store.")}) from exc
    logger.info("room_type.updated", extra={"room_type_id": locked.pk, "fields": sorted(changes), "actor_id": getattr(actor, "pk", None)})
    return locked


# --- rooms --------------------------------------------------------------------------

ROOM_FIELDS = frozenset({"number", "floor", "description", "sort_order", "room_type", "is_active"})


def room_validate(*, store, number: str, room_type: RoomType, instance: Room | None = None) -> None:
    """Friendly checks before the database's: number unique per store, type of the same store."""
    fields: dict[str, str] = {}
    codes: set[str] = set()
    if not (number or "").strip():
        fields["number"] = _("This field may not be blank.")
        codes.add("invalid")
    elif Room.objects.filter(store=store, number=number.strip()).exclude(pk=getattr(instance, "pk", None)).exists():
        fields["number"] = _("A room with this number already exists in this store.")
        codes.add(RoomsErrorCode.ROOM_NUMBER_TAKEN)
    if room_type is None or room_type.store_id != store.pk:
        fields["room_type"] = _("No such room type in this store.")
        codes.add("invalid")
    elif not room_type.is_active and (instance is None or instance.room_type_id != room_type.pk):
        fields["room_type"] = _("This room type is not active.")
        codes.add(RoomsErrorCode.ROOM_TYPE_INACTIVE)
    if fields:
        # one specific refusal keeps its own code; several at once are plain "invalid"
        code = codes.pop() if len(codes) == 1 else "invalid"
        message = next(iter(fields.values())) if len(fields) == 1 else _("Some fields are not valid.")
        raise _invalid(code, message, fields)


def _room_number_taken(exc: IntegrityError) -> DomainValidationError:
    message = _("A room with this number already exists in this store.")
    return _invalid(RoomsErrorCode.ROOM_NUMBER_TAKEN, message, {"number": message})


def _lock_room_types(type_ids: Iterable[int]) -> None:
    """Lock room types in id order (FOR NO KEY UPDATE: conflicts with the FOR SHARE that
    inventory holds take, not with foreign-key checks): capacity changes wait for in-flight holds."""
    list(RoomType.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(type_ids))).order_by("pk").values_list("pk", flat=True))


def room_create(
    *, store, room_type: RoomType, number: str, floor: str = "", description: str = "", is_active: bool = True,
    sort_order: int = 0, actor=None,
) -> Room:
    """Add a room; an active one adds one unit to its type's capacity from today on."""
    room_validate(store=store, number=number, room_type=room_type)
    try:
        with transaction.atomic():
            _lock_room_types([room_type.pk])
            room = Room.objects.create(
                store=store, room_type=room_type, number=number.strip(), floor=floor, description=description,
                is_active=is_active, sort_order=sort_order,
            )
            if is_active:
                inventory.capacity_change(room_type_id=room_type.pk, delta=+1, from_night=store_local_date(store=store))
    except IntegrityError as exc:
        if not _unique_violation(exc, "room_number_unique_per_store"):
            raise
        raise _room_number_taken(exc) from exc
    logger.info("room.created", extra={"room_id": room.pk, "store_id": store.pk, "actor_id": getattr(actor, "pk", None)})
    return room


def _future_holds(room: Room, today: date) -> list[date]:
    return list(RoomNight.objects.filter(room_id=room.pk, night__gte=today).order_by("night").values_list("night", flat=True)[:31])


def room_update(*, room: Room, actor=None, **changes: Any) -> Room:
    """Change a room. A type change or a deactivation moves capacity from today on and is
    refused while the room holds stays or locks from today on (``room_has_future_holds``)
    or when the old type would be oversold (``room_type_sold_out``)."""
    unknown = set(changes) - ROOM_FIELDS
    if unknown:
        raise TypeError(f"room_update: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        current = Room.objects.select_related("store").get(pk=room.pk)
        new_type: RoomType = changes.get("room_type", current.room_type)
        type_ids = {current.room_type_id, new_type.pk}
        _lock_room_types(type_ids)
        locked = Room.objects.select_for_update(of=("self",), no_key=True).select_related("room_type", "store").get(pk=room.pk)
        if locked.room_type_id not in type_ids:  # changed between our read and our lock
            raise DomainError(RoomsErrorCode.CONCURRENT_CHANGE, _("The room was changed meanwhile; please try again."))
        store = locked.store
        old_type_id, old_active = locked.room_type_id, locked.is_active
        new_active = bool(changes.get("is_active", old_active))
        number = (changes.get("number", locked.number) or "").strip()
        room_validate(store=store, number=number, room_type=new_type, instance=locked)
        for key, value in changes.items():
            setattr(locked, key, number if key == "number" else value)
        moves = old_active and (not new_active or new_type.pk != old_type_id)
        today = store_local_date(store=store)
        if moves:
            held = _future_holds(locked, today)
            if held:
                raise DomainError(
                    RoomsErrorCode.ROOM_HAS_FUTURE_HOLDS,
                    _("The room has stays or locks from %(night)s on; move or release them first.") % {"night": held[0].isoformat()},
                    extra={"nights": [n.isoformat() for n in held], "room_id": locked.pk},
                )
        if old_active and (moves or new_type.pk != old_type_id):
            inventory.capacity_change(room_type_id=old_type_id, delta=-1, from_night=today)
        if new_active and (not old_active or new_type.pk != old_type_id):
            inventory.capacity_change(room_type_id=new_type.pk, delta=+1, from_night=today)
        fields = sorted(changes)
        if fields:
            try:
                with transaction.atomic():
                    locked.save(update_fields=fields)
            except IntegrityError as exc:
                if not _unique_violation(exc, "room_number_unique_per_store"):
                    raise
                raise _room_number_taken(exc) from exc
    logger.info("room.updated", extra={"room_id": locked.pk, "fields": fields, "actor_id": getattr(actor, "pk", None)})
    return locked


def room_activate(*, room: Room, actor=None) -> Room:
    return room_update(room=room, is_active=True, actor=actor)


def room_deactivate(*, room: Room, actor=None) -> Room:
    """Take a room out of service for good (refused while it holds stays or locks from today on)."""
    return room_update(room=room, is_active=False, actor=actor)


# --- locks --------------------------------------------------------------------------


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


# --- pricing rules ------------------------------------------------------------------

PRICING_RULE_FIELDS = frozenset({
    "room_type", "name", "date_range_start", "date_range_end", "days_of_week", "min_los", "max_los",
    "adjustment_type", "adjustment_value", "priority", "is_active",
})


def pricing_rule_validate(*, store, values: dict[str, Any]) -> dict[str, Any]:
    """Check a rule's values (friendly twin of the table's CHECKs); returns them normalised."""
    v = dict(values)
    fields: dict[str, str] = {}
    room_type = v.get("room_type")
    if room_type is None or room_type.store_id != store.pk:
        fields["room_type"] = _("No such room type in this store.")
    v["name"] = (v.get("name") or "").strip()
    if not v["name"]:
        fields["name"] = _("This field may not be blank.")
    start, end = v.get("date_range_start"), v.get("date_range_end")
    if start and end and end < start:
        fields["date_range_end"] = _("Must be on or after the first night.")
    days = v.get("days_of_week") or []
    try:
        days = sorted({int(d) for d in days})
    except (TypeError, ValueError):
        days = [-1]
    if any(d < 0 or d > 6 for d in days):
        fields["days_of_week"] = _("Weekdays are 0 (Monday) to 6 (Sunday).")
    v["days_of_week"] = days
    min_los, max_los = v.get("min_los"), v.get("max_los")
    if min_los is not None and min_los < 1:
        fields["min_los"] = _("At least one night.")
    if max_los is not None and max_los < 1:
        fields["max_los"] = _("At least one night.")
    if min_los is not None and max_los is not None and max_los < min_los:
        fields["max_los"] = _("Must not be less than the minimum nights.")
    kind = v.get("adjustment_type")
    try:
        value = Decimal(v.get("adjustment_value"))
    except (TypeError, InvalidOperation):
        value = None
        fields["adjustment_value"] = _("A number is required.")
    if kind not in PricingRule.AdjustmentType.values:
        fields["adjustment_type"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(PricingRule.AdjustmentType.values)}
    elif value is not None and kind == PricingRule.AdjustmentType.FIXED and value < 0:
        fields["adjustment_value"] = _("A fixed price must be zero or more.")
    elif value is not None and kind == PricingRule.AdjustmentType.PERCENT and value <= -100:
        fields["adjustment_value"] = _("A percentage must be above -100.")
    if fields:
        raise _invalid(RoomsErrorCode.PRICING_RULE_INVALID, _("This pricing rule is not coherent."), fields)
    v["adjustment_value"] = value
    return v


def pricing_rule_create(
    *, store, room_type: RoomType, name: str, adjustment_type: str, adjustment_value: Decimal,
    date_range_start: date | None = None, date_range_end: date | None = None, days_of_week: Iterable[int] = (),
    min_los: int | None = None, max_los: int | None = None, priority: int = 0, is_active: bool = True, actor=None,
) -> PricingRule:
    values = pricing_rule_validate(store=store, values={
        "room_type": room_type, "name": name, "adjustment_type": adjustment_type, "adjustment_value": adjustment_value,
        "date_range_start": date_range_start, "date_range_end": date_range_end, "days_of_week": days_of_week,
        "min_los": min_los, "max_los": max_los, "priority": priority, "is_active": is_active,
    })
    rule = PricingRule.objects.create(store=store, **values)
    logger.info("pricing_rule.created", extra={"rule_id": rule.pk, "room_type_id": room_type.pk, "actor_id": getattr(actor, "pk", None)})
    return rule


def pricing_rule_update(*, rule: PricingRule, actor=None, **changes: Any) -> PricingRule:
    unknown = set(changes) - PRICING_RULE_FIELDS
    if unknown:
        raise TypeError(f"pricing_rule_update: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        locked = PricingRule.objects.select_for_update(of=("self",), no_key=True).select_related("store", "room_type").get(pk=rule.pk)
        current = {f: getattr(locked, f) for f in PRICING_RULE_FIELDS}
        values = pricing_rule_validate(store=locked.store, values={**current, **changes})
        for key in changes:
            setattr(locked, key, values[key])
        if changes:
            locked.save(update_fields=sorted(changes))
    logger.info("pricing_rule.updated", extra={"rule_id": locked.pk, "fields": sorted(changes), "actor_id": getattr(actor, "pk", None)})
    return locked


def pricing_rule_delete(*, rule: PricingRule, actor=None) -> None:
    """Rules are configuration, not history: prices already quoted live on the orders."""
    rule_id = rule.pk
    PricingRule.objects.filter(pk=rule_id).delete()
    logger.info("pricing_rule.deleted", extra={"rule_id": rule_id, "actor_id": getattr(actor, "pk", None)})
