"""Rooms' reference data kept per process (``apps.tenancy.reference_cache``): the room
catalog, room types with their pricing rules and what each room is (``ROOM_IDENTITY``).

PostgreSQL bumps the area's version with every change of them (triggers, migration
``rooms.0005``; a room's housekeeping status is not part of it); a save or delete through
the models also makes this process and its current request forget the area at once, so
the request sees its own change.
"""
from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from apps.tenancy.reference_cache import reference_changed

ROOM_CATALOG = "room_catalog"
# What a room is, kept in the catalog; its housekeeping fields are read fresh.
ROOM_IDENTITY = ("id", "store_id", "room_type_id", "number", "floor", "description", "is_active", "sort_order")
_HOUSEKEEPING = {"housekeeping", "housekeeping_at", "housekeeping_by"}


def _catalog_changed(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= _HOUSEKEEPING:
        return
    reference_changed(ROOM_CATALOG)


def connect() -> None:
    from apps.rooms.models import PricingRule, Room, RoomType

    for model in (RoomType, PricingRule, Room):
        post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"reference_cache.room_catalog.save.{model.__name__}")
        post_delete.connect(_catalog_changed, sender=model, dispatch_uid=f"reference_cache.room_catalog.delete.{model.__name__}")
