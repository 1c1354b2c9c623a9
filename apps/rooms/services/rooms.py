"""Room types and rooms. A change of the sellable rooms of a type (a room added, moved to
another type, deactivated) changes its inventory counters from tonight on, under the
room types' row locks."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.rooms import inventory
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.models import Room, RoomNight, RoomType
from apps.rooms.services.checks import _invalid, _unique_violation, logger
from apps.tenancy.business_day import store_local_date

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
