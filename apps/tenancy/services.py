from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from apps.common.error_codes import CommonErrorCode
from apps.common.errors import DomainValidationError
from apps.tenancy.error_codes import TenancyErrorCode
from apps.tenancy.models import Setting, StaffProfile, Store
from apps.tenancy.roles import ROLE_STORE_PERMS
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
    for perm in ROLE_STORE_PERMS[StaffProfile.Role.TENANT_ADMIN]:
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
