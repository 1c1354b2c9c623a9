"""Cache invalidation and one framework hook (STYLE 11: signals for framework hooks and
cache invalidation only): ending the sessions of a user saved inactive.

The database bumps the reference versions of every change (triggers, migration
``tenancy.0004``), which every process sees once the change commits. What it cannot do is
tell the request that made a change to read the versions again: a save or delete of a
model behind the reference cache (``apps.tenancy.reference_cache``) does that here, and
the services that change these tables with ``QuerySet.update()`` call
``reference_changed`` themselves (``token_family_revoke``, ``business_day_roll``).
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import post_save
from django_tenants.utils import get_public_schema_name
from guardian.models import UserObjectPermission

from apps.tenancy.models import ApiToken, StaffProfile, Store, StoreBusinessDay
from apps.tenancy.reference_cache import ACCESS, BUSINESS_DAY, forget_on_change


def _end_sessions_of_deactivated_user(sender, instance, update_fields=None, **kwargs) -> None:
    """A user saved inactive loses its sessions (not only refused while inactive: a
    reactivated account must log in again). A framework hook: Django's forms and the admin
    save users, no service of ours. Tokens are revoked by the database itself (trigger of
    ``tenancy.0005``), which also covers ``QuerySet.update()``; sessions of a user
    deactivated that way are refused while inactive (``ModelBackend``) but not deleted."""
    if instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    if connection.schema_name == get_public_schema_name():
        return
    from apps.tenancy.auth_services import user_sessions_end

    user_sessions_end(user=instance)


def connect() -> None:
    post_save.connect(_end_sessions_of_deactivated_user, sender=get_user_model(), dispatch_uid="tenancy.end_sessions")
    # ``last_login`` and ``last_used_at``: bookkeeping of use, not who the caller is or
    # what they may do.
    forget_on_change(ACCESS, get_user_model(), StaffProfile, ApiToken, Store, UserObjectPermission,
                     unless_only=frozenset({"last_login", "last_used_at"}))
    forget_on_change(BUSINESS_DAY, StoreBusinessDay)
