"""Reads of API auth: the owner app's bearer tokens, DRF's long-lived keys, WeChat bindings.

Every API request reads its token with the token's user and staff profile: the rows are
kept in this process (``apps.tenancy.reference_cache``, area ``access``: the database
bumps it with any change of a token, user or profile), each request with its own copy
of the instances (``cached_copy``).
"""
from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.authtoken.models import Token

from apps.tenancy.models import ApiToken, WeChatBinding
from apps.tenancy.reference_cache import ACCESS, cached_copy


def token_hash(raw: str) -> str:
    """Tokens are stored only as the SHA-256 of their text."""
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def access_token_get(*, raw: str) -> ApiToken | None:
    """The access token ``raw`` with its user and the user's staff profile, revoked and
    expired ones too (the caller decides). Cached (no query) until a token, user or
    profile of the tenant changes; else one query."""
    key_hash = token_hash(raw)

    def load():
        return ApiToken.objects.select_related("user", "user__staff").filter(key_hash=key_hash, kind=ApiToken.Kind.ACCESS).first()

    return cached_copy(ACCESS, ("bearer", key_hash), load, keep_none=False)


def auth_token_get(*, key: str) -> Token | None:
    """DRF's long-lived API key ``key`` (``Authorization: Token <key>``, model
    ``rest_framework.authtoken.Token``) with its user and the user's staff profile. Cached
    like ``access_token_get``."""

    def load():
        return Token.objects.select_related("user", "user__staff").filter(key=key).first()

    return cached_copy(ACCESS, ("drf", key), load, keep_none=False)


def refresh_token_get(*, raw: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw), kind=ApiToken.Kind.REFRESH).first()


def wechat_binding_for_user(*, user: AbstractBaseUser) -> WeChatBinding | None:
    return WeChatBinding.objects.filter(user=user).first()


def wechat_binding_for_openid(*, openid: str) -> WeChatBinding | None:
    return WeChatBinding.objects.select_related("user").filter(openid=openid).first()
