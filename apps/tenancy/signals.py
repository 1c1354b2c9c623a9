"""Cache invalidation (STYLE 11: signals for framework hooks and cache invalidation only).

The database bumps the reference versions of every change (triggers, migration
``tenancy.0004``), which every process sees once the change commits. What it cannot do is
tell the request that made a change to read the versions again: a save or delete of a
model behind the reference cache (``apps.tenancy.reference_cache``) does that here, and
the services that change these tables with ``QuerySet.update()`` call
``reference_changed`` themselves (``token_family_revoke``, ``business_day_roll``).
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from guardian.models import UserObjectPermission

from apps.tenancy.models import ApiToken, StaffProfile, Store, StoreBusinessDay
from apps.tenancy.reference_cache import ACCESS, BUSINESS_DAY, forget_on_change


def connect() -> None:
    # ``last_login`` and ``last_used_at``: bookkeeping of use, not who the caller is or
    # what they may do.
    forget_on_change(ACCESS, get_user_model(), StaffProfile, ApiToken, Store, UserObjectPermission,
                     unless_only=frozenset({"last_login", "last_used_at"}))
    forget_on_change(BUSINESS_DAY, StoreBusinessDay)
