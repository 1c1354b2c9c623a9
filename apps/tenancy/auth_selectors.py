"""Reads of API auth: the owner app's bearer tokens, DRF's long-lived keys, WeChat bindings."""
from __future__ import annotations

import hashlib
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from rest_framework.authtoken.models import Token

from apps.common.prepared import execute_prepared
from apps.common.rows import Columns
from apps.tenancy.models import ApiToken, StaffProfile, WeChatBinding


def token_hash(raw: str) -> str:
    """Tokens are stored only as the SHA-256 of their text."""
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def _user_with_staff(row, offset: int, user_cols: Columns, staff_cols: Columns) -> AbstractBaseUser:
    """The user at ``offset`` of ``row`` with its LEFT JOINed staff profile (or its absence)
    cached both ways, as ``select_related("user__staff")`` leaves them."""
    user = user_cols.build(row, offset)
    offset += user_cols.width
    profile = None if staff_cols.is_null(row, offset) else staff_cols.build(row, offset)
    if profile is not None:
        StaffProfile.user.field.set_cached_value(profile, user)
    StaffProfile.user.field.remote_field.set_cached_value(user, profile)  # user.staff
    return user


@cache
def _token_query(model: type, *match: str) -> tuple[str, Columns, Columns, Columns]:
    """SELECT a row of the token ``model`` (alias t) whose ``match`` columns equal the
    parameters, with its user (u) and LEFT JOINed staff profile (p); and their Columns."""
    token, user, staff = Columns(model, "t"), Columns(get_user_model(), "u"), Columns(StaffProfile, "p")
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {token.sql()}, {user.sql()}, {staff.sql()}"
        f" FROM {qn(model._meta.db_table)} t"
        f" JOIN {qn(get_user_model()._meta.db_table)} u ON u.{qn('id')} = t.{qn('user_id')}"
        f" LEFT JOIN {qn(StaffProfile._meta.db_table)} p ON p.{qn('user_id')} = u.{qn('id')}"
        f" WHERE " + " AND ".join(f"t.{qn(column)} = %s" for column in match)
    )
    return sql, token, user, staff


def _token_get(model: type, params: list, *match: str):
    """The ``model`` token whose ``match`` columns equal ``params``, its user and the user's
    staff profile built from one prepared query, or None."""
    sql, token_cols, user_cols, staff_cols = _token_query(model, *match)
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    token = token_cols.build(row, 0)
    user = _user_with_staff(row, token_cols.width, user_cols, staff_cols)
    model.user.field.set_cached_value(token, user)
    return token


def access_token_get(*, raw: str) -> ApiToken | None:
    """The access token ``raw`` with its user and staff profile, in one query (revoked and
    expired ones too). Every API request runs it, so it is SQL written once rather than
    a queryset compiled per request (``apps.common.rows``); the instances are those
    ``select_related("user", "user__staff")`` would give (no profile: ``user.staff``
    raises without a query)."""
    return _token_get(ApiToken, [token_hash(raw), ApiToken.Kind.ACCESS.value], "key_hash", "kind")


def auth_token_get(*, key: str) -> Token | None:
    """DRF's long-lived API key ``key`` (``Authorization: Token <key>``, model
    ``rest_framework.authtoken.Token``) with its user and staff profile, in one query.
    Like ``access_token_get``: SQL written once instead of DRF's
    ``select_related("user").get(key=key)`` compiled per request, the user's profile
    joined so that ``user.staff`` costs no second query; the instances are those
    ``select_related("user", "user__staff")`` would give (``user.auth_token`` cached too)."""
    token = _token_get(Token, [key], "key")
    if token is not None:
        Token.user.field.remote_field.set_cached_value(token.user, token)  # user.auth_token (one-to-one)
    return token


def refresh_token_get(*, raw: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw), kind=ApiToken.Kind.REFRESH).first()


def wechat_binding_for_user(*, user: AbstractBaseUser) -> WeChatBinding | None:
    return WeChatBinding.objects.filter(user=user).first()


def wechat_binding_for_openid(*, openid: str) -> WeChatBinding | None:
    return WeChatBinding.objects.select_related("user").filter(openid=openid).first()
