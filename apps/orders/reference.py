"""Orders' reference data kept per process (``apps.tenancy.reference_cache``): channels
and the stores' cancellation policies.

PostgreSQL bumps an area's version with every change of its table (triggers: migration
``orders.0004`` for ``orders_channel``, ``orders.0006`` for ``orders_cancellationpolicy``);
a save or delete through the model also makes this process and its current request forget
the area at once, so the request sees its own change.
"""
from __future__ import annotations

from apps.tenancy.reference_cache import forget_on_change

CHANNELS = "channels"
CANCELLATION_POLICY = "cancellation_policy"


def connect() -> None:
    from apps.orders.models import CancellationPolicy, Channel

    forget_on_change(CHANNELS, Channel)
    forget_on_change(CANCELLATION_POLICY, CancellationPolicy)
