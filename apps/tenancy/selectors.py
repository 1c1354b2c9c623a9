from __future__ import annotations

import json
from datetime import time
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from guardian.models import UserObjectPermission

from apps.common.queries import one_or_none
from apps.tenancy.models import ChangeRecord, Setting, StaffProfile, Store
from apps.tenancy.reference_cache import ACCESS as REFERENCE_ACCESS
from apps.tenancy.reference_cache import cached, cached_copies
from apps.tenancy.roles import ACCESS, ALL_STORE_PERMS, MANAGE


# A user's grants on stores (django-guardian object permissions). Roles are granted to
# users, never to groups (services.staff_grant_store), so guardian's group lookup is not
# needed. The content type is matched by its natural key, not a per-process cached id:
# ids need not agree across tenant schemas.
def _grants(user: AbstractBaseUser, perms: list[str]) -> QuerySet[UserObjectPermission]:
    return UserObjectPermission.objects.filter(
        user_id=user.pk, content_type__app_label="tenancy", content_type__model="store", permission__codename__in=perms,
    )


def _with_perms(stores: QuerySet[Store], user: AbstractBaseUser) -> QuerySet[Store]:
    """``stores`` annotated with ``granted``: the user's codenames on each (one query)."""
    granted = _grants(user, list(ALL_STORE_PERMS)).filter(object_pk=Cast(OuterRef("pk"), output_field=CharField()))
    return stores.annotate(granted=ArraySubquery(granted.values("permission__codename")))


def store_list_active() -> QuerySet[Store]:
    """The tenant's active stores, by id (one query)."""
    return Store.objects.filter(is_active=True).order_by("id")


def store_get_active(*, store_id: int) -> Store | None:
    """The active store ``store_id``, or None."""
    return one_or_none(Store.objects.filter(pk=store_id, is_active=True))


def store_get(*, store_id: int) -> Store | None:
    """The store ``store_id`` (active or not), or None; the caller's own copy. Reference
    data (area ``access``): the tenant's stores in one query, then none."""
    return cached_copies(REFERENCE_ACCESS, "stores_by_id", lambda: {s.pk: s for s in Store.objects.all()}).get(store_id)


def store_list_by_ids(*, store_ids) -> list[Store]:
    """The stores ``store_ids`` (active or not), by id (one query)."""
    return list(Store.objects.filter(pk__in=list(store_ids)).order_by("id"))


def store_list_for_user(*, user: AbstractBaseUser, perm: str = ACCESS) -> QuerySet[Store]:
    """The active stores ``user`` holds ``perm`` on (all of them for a tenant admin), by id.
    A queryset (one query) for callers that filter further; ``store_list_with_perms``
    gives every store with its permissions at once."""
    stores = Store.objects.filter(is_active=True).order_by("id")
    if not user.is_authenticated:
        return stores.none()
    if user.is_superuser:
        return stores
    grants = _grants(user, [perm]).filter(object_pk=Cast(OuterRef("pk"), output_field=CharField()))
    return stores.filter(Exists(grants))


# The store scope runs on every request: the stores and grants are kept in this process
# (``apps.tenancy.reference_cache``, area ``access``: a change of a store, a grant, a user
# or a profile bumps it) as rows, rebuilt into fresh instances for each caller.
_EVERYTHING = frozenset(ALL_STORE_PERMS)


def _store_rows(stores: QuerySet[Store], user: AbstractBaseUser) -> tuple[tuple[tuple, frozenset[str]], ...]:
    """``(store row, the user's permissions on it)`` for each store of ``stores`` (one query)."""
    if user.is_superuser:
        return tuple((_row(store), _EVERYTHING) for store in stores)
    return tuple((_row(store), frozenset(store.granted)) for store in _with_perms(stores, user))


def _row(store: Store) -> tuple:
    return tuple(getattr(store, f.attname) for f in Store._meta.concrete_fields)


def _store(row: tuple) -> Store:
    return Store.from_db("default", [f.attname for f in Store._meta.concrete_fields], row)


def store_list_with_perms(*, user: AbstractBaseUser) -> list[Store]:
    """The active stores ``user`` may work in (every store for a tenant admin), by id, each
    with ``perms``: the frozenset of its permissions (``access_store``, ``manage_store``).
    Cached; else one query."""
    if not user.is_authenticated:
        return []

    def load():
        return _store_rows(Store.objects.filter(is_active=True).order_by("id"), user)

    found = []
    for row, perms in cached(REFERENCE_ACCESS, ("stores", user.pk), load):
        if ACCESS in perms:
            store = _store(row)
            store.perms = perms
            found.append(store)
    return found


def store_get_with_perms(*, user: AbstractBaseUser, store_id: int) -> tuple[Store | None, frozenset[str]]:
    """The active store ``store_id`` (None if there is none) and the permissions ``user``
    holds on it (a subset of {access_store, manage_store, clean_store}; all for a tenant admin). Cached;
    else one query."""
    if not user.is_authenticated:
        return one_or_none(Store.objects.filter(pk=store_id, is_active=True)), frozenset()

    def load():
        return _store_rows(Store.objects.filter(pk=store_id, is_active=True), user)

    rows = cached(REFERENCE_ACCESS, ("store", user.pk, store_id), load)
    if not rows:
        return None, frozenset()
    row, perms = rows[0]
    return _store(row), perms


def store_perms_for_user(*, user: AbstractBaseUser, store: Store) -> set[str]:
    """The store permissions ``user`` holds on ``store``: a subset of {access_store, manage_store}."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(ALL_STORE_PERMS)

    def load():
        return frozenset(_grants(user, list(ALL_STORE_PERMS)).filter(object_pk=str(store.pk)).values_list("permission__codename", flat=True))

    return set(cached(REFERENCE_ACCESS, ("perms", user.pk, store.pk), load))


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


# --- the back office's staff page -------------------------------------------------------


def staff_stores_by_user(*, user_ids) -> dict[int, set[int]]:
    """user id -> ids of the stores they hold any grant on (one query)."""
    found: dict[int, set[int]] = {}
    rows = _grants_all().filter(user_id__in=list(user_ids)).values_list("user_id", "object_pk")
    for user_id, object_pk in rows:
        found.setdefault(user_id, set()).add(int(object_pk))
    return found


def _grants_all() -> QuerySet[UserObjectPermission]:
    return UserObjectPermission.objects.filter(
        content_type__app_label="tenancy", content_type__model="store", permission__codename__in=list(ALL_STORE_PERMS),
    )


def staff_manageable_store_ids(*, user: AbstractBaseUser) -> set[int] | None:
    """The stores whose staff ``user`` manages: None for a tenant admin (every store and
    every employee), else the active stores they hold ``manage_store`` on."""
    if user.is_superuser:
        return None
    return set(store_list_for_user(user=user, perm=MANAGE).values_list("pk", flat=True))


def staff_list_manageable(*, user: AbstractBaseUser) -> list[StaffProfile]:
    """The employees ``user`` may manage, each with ``store_ids`` (a set): every one for a
    tenant admin; for a store manager, those whose stores are all among the stores he
    manages (never a tenant admin). Two queries whatever the number of employees."""
    manageable = staff_manageable_store_ids(user=user)
    profiles = list(StaffProfile.objects.select_related("user", "current_store").order_by("user__username"))
    stores_of = staff_stores_by_user(user_ids=[p.user_id for p in profiles])
    found = []
    for profile in profiles:
        profile.store_ids = stores_of.get(profile.user_id, set())
        if manageable is None or (
            profile.role != StaffProfile.Role.TENANT_ADMIN and not profile.user.is_superuser
            and profile.store_ids and profile.store_ids <= manageable
        ):
            found.append(profile)
    return found


def staff_get_manageable(*, user: AbstractBaseUser, user_id: int) -> StaffProfile | None:
    """The employee ``user_id`` if ``user`` may manage them, else None (pages answer 404)."""
    profile = one_or_none(StaffProfile.objects.select_related("user").filter(user_id=user_id))
    if profile is None:
        return None
    profile.store_ids = staff_stores_by_user(user_ids=[profile.user_id]).get(profile.user_id, set())
    manageable = staff_manageable_store_ids(user=user)
    if manageable is None:
        return profile
    if profile.role == StaffProfile.Role.TENANT_ADMIN or profile.user.is_superuser:
        return None
    return profile if profile.store_ids and profile.store_ids <= manageable else None


def change_list(*, store: Store, limit: int = 200):
    """The latest change records of ``store`` and the tenant-wide ones, with their actors (one query)."""
    return list(
        ChangeRecord.objects.filter(Q(store=store) | Q(store__isnull=True))
        .select_related("actor", "actor__staff").order_by("-created_at", "-id")[:limit]
    )
