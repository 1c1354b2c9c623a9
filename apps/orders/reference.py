"""Orders' reference data kept per process (``apps.tenancy.reference_cache``): channels.

PostgreSQL bumps the area's version with every change of ``orders_channel`` (trigger,
migration ``orders.0004``); a save or delete through the model also makes this process
and its current request forget the area at once, so the request sees its own change.
"""
from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from apps.tenancy.reference_cache import reference_changed

CHANNELS = "channels"


def _channels_changed(sender, **kwargs) -> None:
    reference_changed(CHANNELS)


def connect() -> None:
    from apps.orders.models import Channel

    post_save.connect(_channels_changed, sender=Channel, dispatch_uid="reference_cache.channels.save")
    post_delete.connect(_channels_changed, sender=Channel, dispatch_uid="reference_cache.channels.delete")
