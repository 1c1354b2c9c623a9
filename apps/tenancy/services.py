from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from apps.common.error_codes import CommonErrorCode
from apps.common.errors import DomainValidationError
from apps.tenancy.auth_services import user_sessions_end
from apps.tenancy.error_codes import TenancyErrorCode
from apps.tenancy.models import ChangeRecord, Setting, StaffProfile, Store
from apps.tenancy.roles import ALL_STORE_PERMS, ROLE_STORE_PERMS
from apps.tenancy.selectors import _parse

logger = logging.getLogger(__name__)
User = get_user_model()


def store_create(*, name: str, code: str, address: str = "", phone: str = "", time_zone: str = "Asia/Shanghai") -> Store:
    if Store.objects.filter(code=code).exists():
        raise DomainValidationError(
            TenancyErrorCode.STORE_CODE_TAKEN, _("A store with this code already exists."), extra={"fields": {"code": [_("Already taken.")]}}
        )
    with transaction.atomic():
        store = Store.objects.create(name=name, code=code, address=address, phone=phone, time_zone=time_zone)
        store_setup(store=store)
    logger.info("store.created", extra={"store_id": store.pk})
    return store


def store_setup(*, store: Store) -> None:
    """What a new store starts with, from the apps above this one: each callable named in
    ``PMS_STORE_SETUP`` (dotted paths, e.g. orders' default channels, so that a channel
    manager's first order to a new store finds its channel) is called with ``store=``.
    Named in settings rather than imported: tenancy sits below the apps it calls here."""
    for path in settings.PMS_STORE_SETUP:
        import_string(path)(store=store)


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    role: str,
    stores: list[Store] | tuple[Store, ...] = (),
    display_name: str = "",
    email: str = "",
) -> "User":
    """Create a staff account with a preset role and its store grants."""
    if User.objects.filter(username=username).exists():
        raise DomainValidationError(
            TenancyErrorCode.USERNAME_TAKEN, _("This user name is taken."), extra={"fields": {"username": [_("Already taken.")]}}
        )
    is_admin = role == StaffProfile.Role.TENANT_ADMIN
    user = User.objects.create_user(
        username=username, password=password, email=email, is_staff=is_admin, is_superuser=is_admin
    )
    profile = StaffProfile.objects.create(
        user=user, role=role, display_name=display_name, current_store=stores[0] if stores else None
    )
    for store in stores:
        staff_grant_store(profile=profile, store=store)
    logger.info("staff.created", extra={"user_id": user.pk, "role": role})
    return user


def staff_grant_store(*, profile: StaffProfile, store: Store) -> None:
    """Give ``profile``'s user the store permissions of their role on ``store``."""
    for perm in ROLE_STORE_PERMS[profile.role]:
        assign_perm(f"tenancy.{perm}", profile.user, store)


def staff_revoke_store(*, profile: StaffProfile, store: Store) -> None:
    for perm in ALL_STORE_PERMS:
        remove_perm(f"tenancy.{perm}", profile.user, store)
    if profile.current_store_id == store.pk:
        profile.current_store = None
        profile.save(update_fields=["current_store"])


def staff_set_current_store(*, profile: StaffProfile, store: Store) -> StaffProfile:
    """Remember the store the user works in; the caller has checked the grant."""
    profile.current_store = store
    profile.save(update_fields=["current_store"])
    return profile


def setting_set(
    *, store: Store | None, group: str, key: str, value: str, value_type: str = Setting.ValueType.STRING,
    description: str = "", is_sensitive: bool = False,
) -> Setting:
    """Create or replace a setting; ``store=None`` sets the tenant-wide value."""
    too_long = {name: [_("At most %(max)d characters.") % {"max": Setting.NAME_MAX_LENGTH}]
                for name, text in (("group", group), ("key", key)) if len(text) > Setting.NAME_MAX_LENGTH}
    if too_long:
        raise DomainValidationError(CommonErrorCode.INVALID, _("Some fields are not valid."), extra={"fields": too_long})
    try:
        _parse(value, value_type)
    except (ValueError, ArithmeticError) as exc:
        raise DomainValidationError(
            TenancyErrorCode.SETTING_VALUE_INVALID,
            _("This value does not fit the setting's type."),
            extra={"fields": {"value": [str(exc)]}},
        ) from exc
    # update_or_create retries the lookup if a concurrent writer inserts first; the
    # partial unique constraints make that race end in one row.
    setting, _created = Setting.objects.update_or_create(
        store=store, group=group, key=key,
        defaults={"value": value, "value_type": value_type, "description": description, "is_sensitive": is_sensitive},
    )
    return setting


# --- the back office: staff, stores, change records (docs/backoffice.md) -------------------


def _password_check(password: str, user=None) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise DomainValidationError(
            TenancyErrorCode.PASSWORD_INVALID, _("This password cannot be used."), extra={"fields": {"password": list(exc.messages)}},
        ) from exc


def _grants_replace(*, profile: StaffProfile, stores) -> None:
    """The user's store grants become exactly those of their role on ``stores``."""
    UserObjectPermission.objects.filter(
        user_id=profile.user_id, content_type__app_label="tenancy", content_type__model="store",
    ).delete()
    for store in stores:
        staff_grant_store(profile=profile, store=store)


@transaction.atomic
def staff_add(
    *, username: str, password: str, role: str, stores, display_name: str = "", phone: str = "", email: str = "",
) -> "User":
    """One employee in one step: the user, the profile, the role and its store grants.
    A password the validators refuse and a role other than tenant admin without a store
    are refused, and nothing is created."""
    username = (username or "").strip()
    stores = list(stores)
    if role != StaffProfile.Role.TENANT_ADMIN and not stores:
        raise DomainValidationError(
            TenancyErrorCode.STORE_REQUIRED, _("Choose at least one store."), extra={"fields": {"stores": [_("Choose at least one store.")]}},
        )
    _password_check(password, user=User(username=username))
    user = staff_create(username=username, password=password, role=role, stores=stores, display_name=display_name, email=email)
    if phone:
        StaffProfile.objects.filter(user=user).update(phone=phone)
    return user


@transaction.atomic
def staff_update(*, profile: StaffProfile, role: str, stores, display_name: str, phone: str = "") -> StaffProfile:
    """Change an employee's role, stores and name; their grants follow the new role."""
    stores = list(stores)
    if role != StaffProfile.Role.TENANT_ADMIN and not stores:
        raise DomainValidationError(
            TenancyErrorCode.STORE_REQUIRED, _("Choose at least one store."), extra={"fields": {"stores": [_("Choose at least one store.")]}},
        )
    profile = StaffProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    profile.role, profile.display_name, profile.phone = role, display_name, phone
    if profile.current_store_id not in {s.pk for s in stores}:
        profile.current_store = stores[0] if stores else None
    profile.save(update_fields=["role", "display_name", "phone", "current_store"])
    is_admin = role == StaffProfile.Role.TENANT_ADMIN
    user = profile.user
    if (user.is_staff, user.is_superuser) != (is_admin, is_admin):
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])
    _grants_replace(profile=profile, stores=stores)
    logger.info("staff.updated", extra={"user_id": user.pk, "role": role})
    return profile


def staff_set_active(*, user, active: bool) -> None:
    """Deactivate (or reactivate) an account. Deactivating ends its sessions (signal) and
    revokes its API tokens (trigger of ``tenancy.0005``) in the same transaction."""
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    logger.info("staff.activated" if active else "staff.deactivated", extra={"user_id": user.pk})


def staff_password_set(*, user, password: str) -> None:
    """A new password set by a manager; the user's other sessions and API tokens end
    (``PasswordChangeRevokesTokens`` and Django's session hash)."""
    _password_check(password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    user_sessions_end(user=user)
    logger.info("staff.password_set", extra={"user_id": user.pk})


STORE_PROFILE_FIELDS = frozenset({"name", "address", "phone", "currency", "logo", "time_zone"})


def store_update(*, store: Store, **values) -> Store:
    unknown = set(values) - STORE_PROFILE_FIELDS
    if unknown:
        raise TypeError(f"store_update: unknown fields {sorted(unknown)}")
    for key, value in values.items():
        setattr(store, key, value.strip() if isinstance(value, str) else value)
    if values:
        store.save(update_fields=sorted(values))
    return store


def store_set_active(*, store: Store, active: bool) -> Store:
    """Retire (or reopen) a store. Its rows stay; nobody works in a retired store (the
    scope answers 404). The last active store of a tenant is not retired."""
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        if not active and locked.is_active and not Store.objects.filter(is_active=True).exclude(pk=store.pk).exists():
            raise DomainValidationError(TenancyErrorCode.STORE_LAST_ACTIVE, _("The last open store cannot be retired."))
        if locked.is_active != active:
            locked.is_active = active
            locked.save(update_fields=["is_active"])
    logger.info("store.reopened" if active else "store.retired", extra={"store_id": store.pk})
    return locked


def change_record(*, store: Store | None, actor, area: str, obj=None, object_id="", object_label: str = "", action: str,
                  before: dict | None = None, after: dict | None = None):
    """Append who changed what (``ChangeRecord``). ``before``/``after``: only the fields
    that changed (texts as shown), e.g. ``{"name": "旧名"}`` → ``{"name": "新名"}``."""
    before, after = dict(before or {}), dict(after or {})
    if action == "update":
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
        if not changed:
            return None
    return ChangeRecord.objects.create(
        store=store, actor=actor if getattr(actor, "pk", None) else None, area=area,
        object_id=str(object_id or getattr(obj, "pk", "") or ""), object_label=(object_label or (str(obj) if obj is not None else ""))[:200],
        action=action, before=before, after=after,
    )
