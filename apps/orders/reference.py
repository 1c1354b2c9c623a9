"""Orders' reference data kept per process (``apps.tenancy.reference_cache``): channels.

PostgreSQL bumps the area's version with every change of ``orders_channel`` (trigger,
migration ``orders.0004``); a save or delete through the model also makes this process
and its current request forget the area at once, so the request sees its own change.
"""
from __future__ import annotations

from apps.tenancy.reference_cache import forget_on_change

CHANNELS = "channels"


def connect() -> None:
    from apps.orders.models import Channel

    forget_on_change(CHANNELS, Channel)
