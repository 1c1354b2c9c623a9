"""Reads of API auth: the owner app's bearer tokens, integration tokens, WeChat bindings.

Every API request reads its token with the token's user and staff profile: the rows are
kept in this process (``apps.tenancy.reference_cache``, area ``access``: the database
bumps it with any change of a token, user or profile), each request with its own copy
of the instances (``cached_copy``).
"""
from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from apps.tenancy.models import ApiToken, WeChatBinding
from apps.tenancy.reference_cache import ACCESS, cached_copy


def token_hash(raw: str) -> str:
    """Tokens are stored only as the SHA-256 of their text."""
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def _token_get(*, raw: str, kind: str) -> ApiToken | None:
    key_hash = token_hash(raw)

    def load():
        return ApiToken.objects.select_related("user", "user__staff").filter(key_hash=key_hash, kind=kind).first()

    return cached_copy(ACCESS, (kind, key_hash), load, keep_none=False)


def access_token_get(*, raw: str) -> ApiToken | None:
    """The access token ``raw`` with its user and the user's staff profile, revoked and
    expired ones too (the caller decides). Cached (no query) until a token, user or
    profile of the tenant changes; else one query."""
    return _token_get(raw=raw, kind=ApiToken.Kind.ACCESS)


def integration_token_get(*, raw: str) -> ApiToken | None:
    """The integration token ``raw`` (``Authorization: Token <key>``), revoked and expired
    ones too; cached like ``access_token_get``. Keys of the release before (DRF's, 40 hex
    digits) were moved here as their hash by migration ``tenancy.0005``."""
    return _token_get(raw=raw, kind=ApiToken.Kind.INTEGRATION)


def integration_token_list(*, user: AbstractBaseUser | None = None) -> QuerySet[ApiToken]:
    """Integration tokens, newest first: ``user``'s, or the tenant's (``user=None``)."""
    rows = ApiToken.objects.select_related("user").filter(kind=ApiToken.Kind.INTEGRATION).order_by("-created_at", "-pk")
    return rows.filter(user=user) if user is not None else rows


def refresh_token_get(*, raw: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw), kind=ApiToken.Kind.REFRESH).first()


def wechat_binding_for_user(*, user: AbstractBaseUser) -> WeChatBinding | None:
    return WeChatBinding.objects.filter(user=user).first()


def wechat_binding_for_openid(*, openid: str) -> WeChatBinding | None:
    return WeChatBinding.objects.select_related("user").filter(openid=openid).first()
