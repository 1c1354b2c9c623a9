"""Writes of rooms, one module per concern: ``housekeeping`` (a room's cleaning status and its
history), ``rooms`` (room types and rooms: capacity changes reach inventory), ``locks``
(rooms taken out of sale for some nights), ``pricing`` (pricing rules), ``restrictions``
(closed dates and minimum stay); ``checks``: the
field errors they share. Inventory itself (holds of stays and locks) is
``apps.rooms.inventory``.

Callers import from ``apps.rooms.services`` (this package's face).
"""
from apps.rooms.services.checks import LOCK_MAX_NIGHTS
from apps.rooms.services.housekeeping import housekeeping_allowed_from, room_housekeeping_set, room_mark_dirty
from apps.rooms.services.locks import RoomLockOverlap, RoomLockOverStay, room_lock_create, room_lock_release
from apps.rooms.services.pricing import (
    PRICING_RULE_FIELDS,
    pricing_rule_create,
    pricing_rule_delete,
    pricing_rule_update,
    pricing_rule_validate,
)
from apps.rooms.services.restrictions import UNSET, stay_restrictions_set
from apps.rooms.services.rooms import (
    ROOM_FIELDS,
    ROOM_TYPE_FIELDS,
    room_activate,
    room_create,
    room_deactivate,
    room_type_create,
    room_type_update,
    room_type_validate,
    room_update,
    room_validate,
)

__all__ = [
    "LOCK_MAX_NIGHTS",
    "PRICING_RULE_FIELDS",
    "ROOM_FIELDS",
    "ROOM_TYPE_FIELDS",
    "RoomLockOverStay",
    "RoomLockOverlap",
    "UNSET",
    "housekeeping_allowed_from",
    "pricing_rule_create",
    "pricing_rule_delete",
    "pricing_rule_update",
    "pricing_rule_validate",
    "room_activate",
    "room_create",
    "room_deactivate",
    "room_housekeeping_set",
    "room_lock_create",
    "room_lock_release",
    "room_mark_dirty",
    "room_type_create",
    "room_type_update",
    "room_type_validate",
    "room_update",
    "room_validate",
    "stay_restrictions_set",
]
