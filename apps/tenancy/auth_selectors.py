"""Reads of API auth: the owner app's bearer tokens, DRF's long-lived keys, WeChat bindings."""
from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.authtoken.models import Token

from apps.tenancy.models import ApiToken, WeChatBinding


def token_hash(raw: str) -> str:
    """Tokens are stored only as the SHA-256 of their text."""
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def access_token_get(*, raw: str) -> ApiToken | None:
    """The access token ``raw`` with its user and the user's staff profile (no profile:
    ``user.staff`` raises without a query), revoked and expired ones too. One query."""
    return (
        ApiToken.objects.select_related("user", "user__staff")
        .filter(key_hash=token_hash(raw), kind=ApiToken.Kind.ACCESS).first()
    )


def auth_token_get(*, key: str) -> Token | None:
    """DRF's long-lived API key ``key`` (``Authorization: Token <key>``, model
    ``rest_framework.authtoken.Token``) with its user and the user's staff profile. One query."""
    return Token.objects.select_related("user", "user__staff").filter(key=key).first()


def refresh_token_get(*, raw: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw), kind=ApiToken.Kind.REFRESH).first()


def wechat_binding_for_user(*, user: AbstractBaseUser) -> WeChatBinding | None:
    return WeChatBinding.objects.filter(user=user).first()


def wechat_binding_for_openid(*, openid: str) -> WeChatBinding | None:
    return WeChatBinding.objects.select_related("user").filter(openid=openid).first()
