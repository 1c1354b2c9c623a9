"""Token auth of the API (no cookies): ``Authorization: Bearer <access>`` for the owner's
app, ``Authorization: Token <key>`` (integration tokens: named, expiring, revocable, stored
as hashes; DRF's header format) for integrations and scripts.

One query per request either way: the token row joined to its user and staff profile.
Tokens are looked up in the current tenant's schema, so a token of another tenant is unknown.
"""
from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from apps.tenancy.auth_selectors import access_token_get, integration_token_get


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: DRF Token or session auth may take it
        if connection.schema_name in (None, get_public_schema_name()):
            return None  # the public schema (e.g. /api/schema/) has no tokens: stay anonymous
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid Authorization header: expected 'Bearer <token>'."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeError:
            raise AuthenticationFailed(_("The token is not valid or was revoked.")) from None
        token = access_token_get(raw=raw)
        if token is None or token.revoked_at is not None:
            raise AuthenticationFailed(_("The token is not valid or was revoked."))
        now = timezone.now()
        if token.expires_at <= now:
            raise AuthenticationFailed(_("The access token has expired. Refresh it or log in again."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("The token is not valid or was revoked."))
        from apps.tenancy.auth_services import access_token_touch

        access_token_touch(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class AuthTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``: DRF's ``TokenAuthentication`` (keyword ``Token``, its
    header parsing, answers and messages) over integration tokens (``ApiToken`` of kind
    ``integration``, read by ``integration_token_get``: only the key's hash is stored).
    drf-spectacular's ``TokenScheme`` matches subclasses, so the schema still lists it as
    ``tokenAuth``."""

    def authenticate_credentials(self, key):
        token = integration_token_get(raw=key)
        if token is None or token.revoked_at is not None:
            raise AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise AuthenticationFailed(_("The token has expired. Ask for a new one."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        from apps.tenancy.auth_services import access_token_touch

        access_token_touch(token=token, now=now)
        return token.user, token


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.tenancy.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "Access token from `POST /api/v1/auth/login/` (or `auth/wechat/login/`, `auth/refresh/`), "
                "sent as `Authorization: Bearer <access>`. Opaque; valid about 2 hours."
            ),
        }
