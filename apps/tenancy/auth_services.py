"""Writes of API auth: log in, refresh (rotation), log out, WeChat binding, integration
tokens, and revoking a user's tokens (password change, deactivation).

Tokens are opaque random strings; only their SHA-256 is stored (``ApiToken``), in the
tenant's schema. One log-in starts a token family; refreshing rotates the pair inside
the family; presenting a refresh token that was already exchanged revokes the family
(someone holds a copy). See docs/api.md.
"""
from __future__ import annotations

import dataclasses
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser, update_last_login
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name

from apps.common.errors import DomainError, NotFoundError
from apps.common.faults import transient_fault
from apps.tenancy.auth_selectors import refresh_token_get, token_hash, wechat_binding_for_openid
from apps.tenancy.error_codes import TenancyErrorCode
from apps.tenancy.models import ApiToken, UserDevice, WeChatBinding
from apps.tenancy.reference_cache import ACCESS, reference_changed
from apps.tenancy.throttling import (
    device_token_issue,
    login_attempt,
    login_attempt_given_back,
    login_attempt_succeeded,
)
from apps.tenancy.wechat import ERR_CODE_INVALID, ERR_CODE_USED, WeChatError, WeChatSession, wechat_client

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    user: AbstractBaseUser
    family: uuid.UUID
    # the signed device token of a password log-in (``device_id``; apps/tenancy/throttling.py)
    device_id: str | None = None


def _new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_pair_issue(*, user: AbstractBaseUser, device: UserDevice | None = None, family: uuid.UUID | None = None) -> TokenPair:
    """A new access/refresh pair for ``user``; a new family unless ``family`` is given (refresh)."""
    now = timezone.now()
    family = family or uuid.uuid4()
    access, refresh = _new_token("at_"), _new_token("rt_")
    access_exp = now + timedelta(seconds=settings.PMS_ACCESS_TOKEN_SECONDS)
    refresh_exp = now + timedelta(seconds=settings.PMS_REFRESH_TOKEN_SECONDS)
    common = {"user": user, "family": family, "device": device, "created_at": now, "last_used_at": now}
    ApiToken.objects.bulk_create([
        ApiToken(kind=ApiToken.Kind.ACCESS, key_hash=token_hash(access), expires_at=access_exp, **common),
        ApiToken(kind=ApiToken.Kind.REFRESH, key_hash=token_hash(refresh), expires_at=refresh_exp, **common),
    ])
    return TokenPair(access, refresh, access_exp, refresh_exp, user, family)


@transaction.atomic
def token_family_revoke(*, family: uuid.UUID, reason: str) -> int:
    """Revoke every live token of ``family``; returns how many were revoked. Every
    process forgets the tokens it cached once this commits."""
    revoked = ApiToken.objects.filter(family=family, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason
    )
    reference_changed(ACCESS)
    return revoked


# (schema, token id) -> when this process last wrote the token's ``last_used_at``.
_touched: dict[tuple[str, int], datetime] = {}


def access_token_touch(*, token: ApiToken, now: datetime) -> None:
    """Record use, at most once per ``PMS_TOKEN_TOUCH_SECONDS`` and process (not a write
    per request). The token may come from the reference cache, its ``last_used_at`` as it
    was when cached: the process remembers its own writes."""
    key = (connection.schema_name, token.pk)
    last = max(filter(None, (_touched.get(key), token.last_used_at)), default=None)
    if last is None or (now - last).total_seconds() >= settings.PMS_TOKEN_TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        if len(_touched) > 10_000:
            _touched.clear()
        _touched[key] = now


def device_register(*, user: AbstractBaseUser, device_type: str = UserDevice.DeviceType.OTHER,
                    device_token: str = "", app_version: str = "") -> UserDevice:
    """Create or refresh the device ``user`` logs in from (``pms_tenant_user_devices``)."""
    device, _created = UserDevice.objects.update_or_create(
        user=user, device_type=device_type, device_token=device_token,
        defaults={"app_version": app_version, "last_login_at": timezone.now(), "status": UserDevice.Status.ACTIVE},
    )
    return device


def _login_complete(*, user: AbstractBaseUser, device: dict | None) -> TokenPair:
    with transaction.atomic():
        update_last_login(None, user)
        registered = device_register(user=user, **device) if device else None
        pair = token_pair_issue(user=user, device=registered)
    logger.info("auth.logged_in", extra={"user_id": user.pk, "family": str(pair.family)})
    return pair


def auth_credentials_check(*, request, username: str, password: str, ip: str | None, device_id: str | None = None):
    """The active user with these credentials, else ``DomainError`` 401 ``invalid_credentials``.
    Counted by the log-in throttle before the password is checked (429 ``throttled`` over a
    limit); returns ``(user, attempt)``."""
    attempt = login_attempt(username=username, ip=ip, device_token=device_id)
    try:
        user = authenticate(request, username=username, password=password)
    except Exception as exc:
        if transient_fault(exc):  # answered 503: the attempt counts against nobody
            login_attempt_given_back(attempt)
        raise
    if user is None or not user.is_active:
        raise DomainError(TenancyErrorCode.INVALID_CREDENTIALS, _("Wrong user name or password."), status=401)
    login_attempt_succeeded(attempt)
    return user


def auth_login(*, request, username: str, password: str, ip: str | None, device: dict | None = None,
               device_id: str | None = None) -> TokenPair:
    """Staff credentials -> a new token family, and a device token for the next log-ins from
    this device (``device_id``: counted per device, not locked by strangers' failures)."""
    user = auth_credentials_check(request=request, username=username, password=password, ip=ip, device_id=device_id)
    pair = _login_complete(user=user, device=device)
    return dataclasses.replace(pair, device_id=device_token_issue(username=username, previous=device_id))


def auth_refresh(*, raw_refresh: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token is used up.

    A refresh token that was already exchanged (or is being exchanged concurrently)
    revokes its whole family: two holders of one token means it was copied.
    """
    token = refresh_token_get(raw=raw_refresh)
    invalid = DomainError(TenancyErrorCode.REFRESH_TOKEN_INVALID, _("The refresh token is not valid. Log in again."), status=401)
    if token is None:
        raise invalid
    if token.revoked_at is not None and token.revoke_reason != ApiToken.RevokeReason.ROTATED:
        raise invalid  # logged out, or already revoked for reuse
    if token.revoked_at is None and token.expires_at > timezone.now() and token.user.is_active:
        with transaction.atomic():
            # compare-and-set: of two concurrent exchanges exactly one wins
            won = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoke_reason=ApiToken.RevokeReason.ROTATED
            )
            if won:
                return token_pair_issue(user=token.user, device=token.device, family=token.family)
    elif token.revoked_at is None:
        raise invalid  # expired, or the user was deactivated
    revoked = token_family_revoke(family=token.family, reason=ApiToken.RevokeReason.REUSE)
    logger.warning("auth.refresh_reused", extra={"user_id": token.user_id, "family": str(token.family), "revoked": revoked})
    raise DomainError(
        TenancyErrorCode.REFRESH_TOKEN_REUSED,
        _("This refresh token was already used; every session of this log-in is now closed. Log in again."),
        status=401,
    )


def auth_logout(*, token: ApiToken) -> None:
    """Revoke the access token ``token`` and every token of its family."""
    token_family_revoke(family=token.family, reason=ApiToken.RevokeReason.LOGOUT)
    if token.device_id:
        UserDevice.objects.filter(pk=token.device_id).update(status=UserDevice.Status.LOGGED_OUT)
    logger.info("auth.logged_out", extra={"user_id": token.user_id, "family": str(token.family)})


def _code2session(code: str) -> WeChatSession:
    try:
        return wechat_client().code2session(code)
    except WeChatError as exc:
        if exc.errcode == ERR_CODE_INVALID:
            raise DomainError(TenancyErrorCode.WECHAT_CODE_INVALID, _("This WeChat log-in code is not valid."), status=400) from exc
        if exc.errcode == ERR_CODE_USED:
            raise DomainError(TenancyErrorCode.WECHAT_CODE_USED, _("This WeChat log-in code was already used."), status=400) from exc
        raise DomainError(
            TenancyErrorCode.WECHAT_UNAVAILABLE, _("WeChat log-in is not available right now. Try again later."),
            extra={"wechat_errcode": exc.errcode}, status=503,
        ) from exc


def wechat_bind(*, user: AbstractBaseUser, code: str) -> WeChatBinding:
    """Link the WeChat account behind ``code`` to ``user`` (replacing the user's previous one)."""
    session = _code2session(code)
    taken = DomainError(
        TenancyErrorCode.WECHAT_OPENID_TAKEN, _("This WeChat account is already linked to another staff account."), status=409
    )
    existing = wechat_binding_for_openid(openid=session["openid"])
    if existing is not None and existing.user_id != user.pk:
        raise taken
    try:
        with transaction.atomic():
            binding, _created = WeChatBinding.objects.update_or_create(
                user=user, defaults={"openid": session["openid"], "unionid": session["unionid"] or ""}
            )
    except IntegrityError as exc:  # bound to another account concurrently: the UNIQUE openid decides
        raise taken from exc
    logger.info("auth.wechat_bound", extra={"user_id": user.pk})
    return binding


def wechat_unbind(*, user: AbstractBaseUser) -> None:
    deleted, _rows = WeChatBinding.objects.filter(user=user).delete()
    if not deleted:
        raise NotFoundError(TenancyErrorCode.WECHAT_NOT_BOUND, _("No WeChat account is linked to this staff account."))
    logger.info("auth.wechat_unbound", extra={"user_id": user.pk})


def wechat_login(*, code: str, device: dict | None = None) -> TokenPair:
    """``wx.login`` code -> a new token family for the staff account its openid is bound to."""
    session = _code2session(code)
    binding = wechat_binding_for_openid(openid=session["openid"])
    if binding is None or not binding.user.is_active:
        raise DomainError(
            TenancyErrorCode.WECHAT_NOT_BOUND,
            _("This WeChat account is not linked to a staff account. Log in with your user name and password, then link it."),
            status=401,
        )
    WeChatBinding.objects.filter(pk=binding.pk).update(last_login_at=timezone.now())
    return _login_complete(user=binding.user, device=device)



# --- integration tokens (``Authorization: Token <key>``) ------------------------------------


def integration_token_create(*, user: AbstractBaseUser, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new integration token of ``user``: returns the row and the key, shown this once
    (only its hash is stored). Expires after ``days`` (``PMS_INTEGRATION_TOKEN_DAYS``)."""
    now = timezone.now()
    raw = _new_token("it_")
    token = ApiToken.objects.create(
        user=user, kind=ApiToken.Kind.INTEGRATION, name=name, key_hash=token_hash(raw), family=uuid.uuid4(),
        created_at=now, last_used_at=None,
        expires_at=now + timedelta(days=days if days is not None else settings.PMS_INTEGRATION_TOKEN_DAYS),
    )
    logger.info("auth.integration_token_created", extra={"user_id": user.pk, "token_id": token.pk})
    return token, raw


@transaction.atomic
def integration_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke one integration token (idempotent: a revoked one stays as it was)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=ApiToken.RevokeReason.REVOKED
    )
    reference_changed(ACCESS)
    token.refresh_from_db(fields=["revoked_at", "revoke_reason"])
    logger.info("auth.integration_token_revoked", extra={"user_id": token.user_id, "token_id": token.pk})
    return token


@transaction.atomic
def user_tokens_revoke(*, user: AbstractBaseUser, reason: str) -> int:
    """Revoke every live token of ``user`` (the app's families and integration tokens)."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoke_reason=reason)
    reference_changed(ACCESS)
    logger.info("auth.user_tokens_revoked", extra={"user_id": user.pk, "reason": reason, "revoked": revoked})
    return revoked


def user_sessions_end(*, user: AbstractBaseUser) -> int:
    """Delete the back-office and admin sessions of ``user`` (this tenant's session table;
    sessions are signed blobs, so each live one is decoded: a tenant has a few dozen)."""
    from django.contrib.sessions.models import Session

    ended = [s.pk for s in Session.objects.filter(expire_date__gt=timezone.now())
             if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)]
    Session.objects.filter(pk__in=ended).delete()
    logger.info("auth.user_sessions_ended", extra={"user_id": user.pk, "sessions": len(ended)})
    return len(ended)


class PasswordChangeRevokesTokens:
    """Listed in ``AUTH_PASSWORD_VALIDATORS`` for its ``password_changed`` hook, which Django
    calls when a user saved after ``set_password`` (every path that changes a password: our
    services, the admin's forms, the password-change form, ``manage.py changepassword``) and
    not when it rehashes a password at log-in. Validates nothing.

    Sessions need nothing here: Django keys each session to the password's hash and ends the
    others itself (the form that changed it keeps its own). Deactivation revokes tokens in
    the database (trigger of migration ``tenancy.0005``), whatever path sets ``is_active``.
    """

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None and connection.schema_name != get_public_schema_name():
            user_tokens_revoke(user=user, reason=ApiToken.RevokeReason.PASSWORD)

    def get_help_text(self):
        return _("Changing the password signs this account out of the app and revokes its API tokens.")
