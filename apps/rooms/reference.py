"""Rooms' reference data kept per process (``apps.tenancy.reference_cache``): the room
catalog, room types with their pricing rules and what each room is (``ROOM_IDENTITY``).

PostgreSQL bumps the area's version with every change of them (triggers, migration
``rooms.0005``; a room's housekeeping status is not part of it); a save or delete through
the models also makes this process and its current request forget the area at once, so
the request sees its own change.
"""
from __future__ import annotations

from apps.tenancy.reference_cache import forget_on_change

ROOM_CATALOG = "room_catalog"
# What a room is, kept in the catalog; its housekeeping fields are read fresh.
ROOM_IDENTITY = ("id", "store_id", "room_type_id", "number", "floor", "description", "is_active", "sort_order")


def connect() -> None:
    from apps.rooms.models import PricingRule, Room, RoomType

    forget_on_change(ROOM_CATALOG, RoomType, PricingRule, Room,
                     unless_only=frozenset({"housekeeping", "housekeeping_at", "housekeeping_by"}))
