from __future__ import annotations

import json
from datetime import time
from decimal import Decimal
from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from apps.common.prepared import execute_prepared
from apps.common.rows import Columns
from apps.tenancy.models import Setting, StaffProfile, Store
from apps.tenancy.roles import ACCESS, MANAGE


# A user's grants on stores (django-guardian object permissions). Roles are granted to
# users, never to groups (services.staff_grant_store), so guardian's group lookup is not
# needed. The content type is matched by its natural key, not a per-process cached id:
# ids need not agree across tenant schemas. Written once as SQL: the store scope runs on
# every request (compiling the equivalent querysets cost more CPU than running them).
_GRANTS = """
SELECT g.object_pk, p.codename
  FROM guardian_userobjectpermission g
  JOIN auth_permission p ON p.id = g.permission_id
  JOIN django_content_type ct ON ct.id = g.content_type_id
 WHERE g.user_id = %(user)s AND ct.app_label = 'tenancy' AND ct.model = 'store' AND p.codename = ANY(%(perms)s)
"""


@cache
def _store_columns() -> Columns:
    return Columns(Store, "s")


def _grants_params(user: AbstractBaseUser, **more) -> dict:
    return {"user": user.pk, "perms": [ACCESS, MANAGE], **more}


def store_list_for_user(*, user: AbstractBaseUser, perm: str = ACCESS) -> QuerySet[Store]:
    """The active stores ``user`` holds ``perm`` on (all of them for a tenant admin), by id.
    A queryset (one query) for callers that filter further; ``store_list_with_perms``
    gives every store with its permissions at once."""
    stores = Store.objects.filter(is_active=True).order_by("id")
    if not user.is_authenticated:
        return stores.none()
    if user.is_superuser:
        return stores
    from guardian.models import UserObjectPermission

    grants = UserObjectPermission.objects.filter(
        user_id=user.pk, object_pk=Cast(OuterRef("pk"), output_field=CharField()),
        content_type__app_label="tenancy", content_type__model="store", permission__codename=perm,
    )
    return stores.filter(Exists(grants))


def store_list_with_perms(*, user: AbstractBaseUser) -> list[Store]:
    """The active stores ``user`` may work in (every store for a tenant admin), by id, each
    with ``perms``: the frozenset of its permissions (``access_store``, ``manage_store``).
    One query."""
    if not user.is_authenticated:
        return []
    columns = _store_columns()
    if user.is_superuser:
        sql = f"SELECT {columns.sql()} FROM tenancy_store s WHERE s.is_active ORDER BY s.id"
        params: dict = {}
        everything = frozenset((ACCESS, MANAGE))
    else:
        sql = (
            f"SELECT {columns.sql()}, gr.perms FROM tenancy_store s"
            f" JOIN (SELECT object_pk, array_agg(codename) AS perms FROM ({_GRANTS}) x GROUP BY object_pk) gr"
            f" ON gr.object_pk = s.id::text"
            f" WHERE s.is_active ORDER BY s.id"
        )
        params = _grants_params(user)
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        rows = cursor.fetchall()
    stores = []
    for row in rows:
        store = columns.build(row)
        store.perms = everything if user.is_superuser else frozenset(row[columns.width])
        if ACCESS in store.perms:
            stores.append(store)
    return stores


def store_get_with_perms(*, user: AbstractBaseUser, store_id: int) -> tuple[Store | None, frozenset[str]]:
    """The active store ``store_id`` (None if there is none) and the permissions ``user``
    holds on it (a subset of {access_store, manage_store}; both for a tenant admin). One query."""
    columns = _store_columns()
    if user.is_authenticated and not user.is_superuser:
        sql = (
            f"SELECT {columns.sql()}, ARRAY(SELECT x.codename FROM ({_GRANTS}) x WHERE x.object_pk = s.id::text)"
            f" FROM tenancy_store s WHERE s.id = %(store)s AND s.is_active"
        )
        params = _grants_params(user, store=store_id)
    else:
        sql = f"SELECT {columns.sql()} FROM tenancy_store s WHERE s.id = %(store)s AND s.is_active"
        params = {"store": store_id}
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        row = cursor.fetchone()
    if row is None:
        return None, frozenset()
    store = columns.build(row)
    if not user.is_authenticated:
        return store, frozenset()
    if user.is_superuser:
        return store, frozenset((ACCESS, MANAGE))
    return store, frozenset(row[columns.width])


def store_perms_for_user(*, user: AbstractBaseUser, store: Store) -> set[str]:
    """The store permissions ``user`` holds on ``store``: a subset of {access_store, manage_store}."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {ACCESS, MANAGE}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT x.codename FROM ({_GRANTS}) x WHERE x.object_pk = %(store)s",
                       _grants_params(user, store=str(store.pk)))
        return {codename for (codename,) in cursor.fetchall()}


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
