from __future__ import annotations

import json
from datetime import time
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from apps.tenancy.models import Setting, StaffProfile, Store
from apps.tenancy.roles import ACCESS, MANAGE


def store_list_for_user(*, user: AbstractBaseUser, perm: str = ACCESS) -> QuerySet[Store]:
    """The active stores ``user`` holds ``perm`` on (all of them for a tenant admin)."""
    stores = Store.objects.filter(is_active=True)
    if not user.is_authenticated:
        return stores.none()
    if user.is_superuser:
        return stores
    return get_objects_for_user(
        user, f"tenancy.{perm}", klass=stores, accept_global_perms=False, with_superuser=False
    ).order_by("id")


def store_perms_for_user(*, user: AbstractBaseUser, store: Store) -> set[str]:
    """The store permissions ``user`` holds on ``store``: a subset of {access_store, manage_store}."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {ACCESS, MANAGE}
    from guardian.models import UserObjectPermission

    # One query. Roles are granted to users, never to groups (services.staff_grant_store),
    # so guardian's separate group lookup is skipped. The content type is matched by its
    # natural key, not a per-process cached id: ids need not agree across tenant schemas.
    return set(
        UserObjectPermission.objects.filter(
            user_id=user.pk,
            object_pk=str(store.pk),
            content_type__app_label="tenancy",
            content_type__model="store",
            permission__codename__in=(ACCESS, MANAGE),
        ).values_list("permission__codename", flat=True)
    )


def staff_role(*, user: AbstractBaseUser) -> str | None:
    if user.is_superuser:
        return StaffProfile.Role.TENANT_ADMIN
    profile = getattr(user, "staff", None)
    return profile.role if profile else None


def _parse(value: str, value_type: str):
    if value_type == Setting.ValueType.INT:
        return int(value)
    if value_type == Setting.ValueType.DECIMAL:
        return Decimal(value)
    if value_type == Setting.ValueType.BOOL:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if value_type == Setting.ValueType.JSON:
        return json.loads(value)
    if value_type == Setting.ValueType.TIME:
        return time.fromisoformat(value)
    return value


def setting_list_effective(*, store: Store) -> list[Setting]:
    """Every setting that applies to ``store``: its overrides, else the tenant-wide value."""
    rows = Setting.objects.filter(Q(store__isnull=True) | Q(store=store)).order_by("group", "key")
    effective: dict[tuple[str, str], Setting] = {}
    for row in rows:
        current = effective.get((row.group, row.key))
        if current is None or (current.store_id is None and row.store_id is not None):
            effective[(row.group, row.key)] = row
    return list(effective.values())


def setting_value(*, store: Store | None, group: str, key: str, default=None):
    """The typed value of a setting for ``store`` (store override first, then tenant-wide)."""
    rows = list(
        Setting.objects.filter(group=group, key=key)
        .filter(Q(store__isnull=True) | Q(store=store))
        .order_by("store_id")  # NULL sorts last in ascending order in PostgreSQL
    )
    if not rows:
        return default
    row = rows[0]
    return _parse(row.value, row.value_type)
