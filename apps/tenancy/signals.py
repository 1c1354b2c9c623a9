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
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django_tenants.utils import get_public_schema_name
from guardian.models import UserObjectPermission
from rest_framework.authtoken.models import Token

from apps.tenancy.models import ApiToken, StaffProfile, Store, StoreBusinessDay
from apps.tenancy.reference_cache import ACCESS, BUSINESS_DAY, reference_changed


def _in_a_tenant() -> bool:
    return connection.schema_name not in (None, get_public_schema_name())


def _access_changed(sender, instance=None, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login", "last_used_at"}:
        return  # bookkeeping of use, not who the caller is or what they may do
    if _in_a_tenant():
        reference_changed(ACCESS)


def _business_day_changed(sender, **kwargs) -> None:
    if _in_a_tenant():
        reference_changed(BUSINESS_DAY)


def connect() -> None:
    for model in (get_user_model(), StaffProfile, ApiToken, Token, Store, UserObjectPermission):
        post_save.connect(_access_changed, sender=model, dispatch_uid=f"reference_cache.access.save.{model.__name__}")
        post_delete.connect(_access_changed, sender=model, dispatch_uid=f"reference_cache.access.delete.{model.__name__}")
    post_save.connect(_business_day_changed, sender=StoreBusinessDay, dispatch_uid="reference_cache.business_day.save")
    post_delete.connect(_business_day_changed, sender=StoreBusinessDay, dispatch_uid="reference_cache.business_day.delete")
