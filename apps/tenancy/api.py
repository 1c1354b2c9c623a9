from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.error_codes import CommonErrorCode
from apps.common.errors import DomainError, NotFoundError
from apps.common.schema import RETRY_AFTER_HEADER, error_example, error_responses
from apps.tenancy.auth_selectors import integration_token_list
from apps.tenancy.auth_services import auth_credentials_check, integration_token_create, integration_token_revoke
from apps.tenancy.models import StaffProfile
from apps.tenancy.roles import MANAGE
from apps.tenancy.scope import StoreScopedMixin, store_resolve
from apps.tenancy.selectors import setting_list_effective, staff_role, store_list_with_perms
from apps.tenancy.serializers import (
    CurrentStoreInSerializer,
    IntegrationTokenInSerializer,
    IntegrationTokenSerializer,
    MeSerializer,
    MyStoreSerializer,
    SettingInSerializer,
    SettingOutSerializer,
    StoreOutSerializer,
    TokenInSerializer,
    TokenOutSerializer,
)
from apps.tenancy.services import setting_set, staff_set_current_store
from apps.tenancy.throttling import client_ip

STORE_EXAMPLE = {
    "id": 1, "name": "西湖店", "code": "xihu", "address": "杭州市西湖区北山街 1 号", "phone": "0571-88880000",
    "time_zone": "Asia/Shanghai", "currency": "CNY",
}
ME_EXAMPLE = OpenApiExample(
    "Store manager",
    response_only=True,
    status_codes=["200"],
    value={
        "id": 3, "username": "manager", "display_name": "王店长", "role": "store_manager", "current_store_id": 1,
        "stores": [{**STORE_EXAMPLE, "can_manage": True}],
    },
)


def _me_payload(user) -> dict:
    profile = getattr(user, "staff", None)
    stores = store_list_with_perms(user=user)  # one query, the user's grants included
    for store in stores:
        store.can_manage = MANAGE in store.perms
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": (profile.display_name if profile else "") or user.get_username(),
        "role": staff_role(user=user) or StaffProfile.Role.FRONT_DESK,
        "current_store_id": profile.current_store_id if profile else None,
        "stores": stores,
    }


TOKEN_EXAMPLE = {"token": "it_Q2hhbm5lbC1tYW5hZ2VyLXN5bmMtdG9rZW4tZXhhbXBsZQ", "id": 7, "name": "channel manager",
                 "expires_at": "2027-03-01T10:00:00+08:00"}
TOKEN_ROW_EXAMPLE = {
    "id": 7, "name": "channel manager", "username": "manager", "created_at": "2026-12-01T10:00:00+08:00",
    "expires_at": "2027-03-01T10:00:00+08:00", "last_used_at": "2026-12-07T09:12:00+08:00", "revoked_at": None,
    "revoke_reason": "",
}


def _token_body(token, raw: str) -> dict:
    return TokenOutSerializer({"token": raw, "id": token.pk, "name": token.name, "expires_at": token.expires_at}).data


class TokenApi(APIView):
    """Exchange staff credentials for an integration token (header ``Authorization: Token <key>``).

    For scripts and integrations; the owner's app uses ``auth/login/`` (short-lived bearer
    tokens). Each call makes a new token, named, expiring (90 days by default), revocable
    at ``auth/tokens/{id}/``; only its hash is stored. Throttled like ``auth/login/``.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenInSerializer,
        parameters=[RETRY_AFTER_HEADER],
        responses={
            200: TokenOutSerializer,
            **error_responses(400, 429, examples=[
                error_example(400, "authentication_failed", "Wrong user name or password."),
                error_example(400, "invalid", "Some fields are not valid.", {"fields": {"username": ["This field is required."]}}),
                error_example(429, "throttled", "Too many failed log-in attempts. Try again in 15 minutes.", {"retry_after_s": 900}),
            ]),
        },
        examples=[
            OpenApiExample("Credentials", request_only=True,
                           value={"username": "manager", "password": "demo-pass-2026", "name": "channel manager"}),
            OpenApiExample("Token", response_only=True, value=TOKEN_EXAMPLE),
        ],
        tags=["auth"],
    )
    def post(self, request):
        data = TokenInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            user = auth_credentials_check(request=request, username=v["username"], password=v["password"], ip=client_ip(request))
        except DomainError as exc:
            if exc.code != "invalid_credentials":
                raise
            # this endpoint's answer since it was DRF's obtain_auth_token
            raise DomainError(CommonErrorCode.AUTHENTICATION_FAILED, _("Wrong user name or password."), status=400) from exc
        token, raw = integration_token_create(user=user, name=v["name"], days=v.get("expires_in_days"))
        return Response(_token_body(token, raw))


def _can_see_all_tokens(user) -> bool:
    return staff_role(user=user) == StaffProfile.Role.TENANT_ADMIN


class IntegrationTokenListApi(APIView):
    """Integration tokens: your own; a tenant admin sees every token of the tenant."""

    @extend_schema(
        operation_id="auth_tokens_list", tags=["auth"], responses={200: IntegrationTokenSerializer(many=True)},
        examples=[OpenApiExample("Tokens", response_only=True, value=[TOKEN_ROW_EXAMPLE])],
    )
    def get(self, request):
        rows = integration_token_list(user=None if _can_see_all_tokens(request.user) else request.user)
        return Response(IntegrationTokenSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="auth_tokens_create", tags=["auth"], request=IntegrationTokenInSerializer,
        responses={201: TokenOutSerializer},
        examples=[OpenApiExample("New token", request_only=True, value={"name": "channel manager", "expires_in_days": 30}),
                  OpenApiExample("Token", response_only=True, status_codes=["201"], value=TOKEN_EXAMPLE)],
    )
    def post(self, request):
        data = IntegrationTokenInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = integration_token_create(
            user=request.user, name=data.validated_data["name"], days=data.validated_data.get("expires_in_days")
        )
        return Response(_token_body(token, raw), status=status.HTTP_201_CREATED)


class IntegrationTokenApi(APIView):
    """Revoke one integration token: your own, or any of the tenant's for a tenant admin."""

    @extend_schema(
        operation_id="auth_token_revoke", tags=["auth"],
        responses={204: None, **error_responses(404, examples=[error_example(404, "not_found", "Not found.")])},
    )
    def delete(self, request, token_id: int):
        rows = integration_token_list(user=None if _can_see_all_tokens(request.user) else request.user)
        token = rows.filter(pk=token_id).first() if 0 < token_id < 2**63 else None  # no bigint overflow
        if token is None:
            raise NotFoundError(CommonErrorCode.NOT_FOUND, _("Not found."))
        integration_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """The signed-in staff member, their role and the stores they may work in."""

    @extend_schema(operation_id="me_get", responses={200: MeSerializer}, examples=[ME_EXAMPLE], tags=["me"])
    def get(self, request):
        return Response(MeSerializer(_me_payload(request.user)).data)


class CurrentStoreApi(APIView):
    """Switch the store the user works in (remembered for the back office and app)."""

    @extend_schema(
        operation_id="me_current_store_set",
        request=CurrentStoreInSerializer,
        responses={200: MeSerializer, **error_responses(404, examples=[error_example(404, "not_found", "Not found.")])},
        examples=[OpenApiExample("Switch", request_only=True, value={"store_id": 1}), ME_EXAMPLE],
        tags=["me"],
    )
    def put(self, request):
        data = CurrentStoreInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        store, _perms = store_resolve(user=request.user, store_id=data.validated_data["store_id"])
        profile, _created = StaffProfile.objects.get_or_create(
            user=request.user, defaults={"role": staff_role(user=request.user) or StaffProfile.Role.FRONT_DESK}
        )
        staff_set_current_store(profile=profile, store=store)
        request.user.staff = profile
        return Response(MeSerializer(_me_payload(request.user)).data)


class StoreListApi(APIView):
    """The stores the user may work in (every store for a tenant admin)."""

    @extend_schema(
        operation_id="stores_list",
        responses={200: MyStoreSerializer(many=True)},
        examples=[OpenApiExample("Stores", response_only=True, value=[{**STORE_EXAMPLE, "can_manage": True}])],
        tags=["stores"],
    )
    def get(self, request):
        return Response(MeSerializer(_me_payload(request.user)).data["stores"])


class StoreDetailApi(StoreScopedMixin, APIView):
    """One store the user may work in; any other store answers 404."""

    @extend_schema(
        operation_id="store_get", responses={200: StoreOutSerializer},
        examples=[OpenApiExample("Store", response_only=True, value=STORE_EXAMPLE)], tags=["stores"],
    )
    def get(self, request, store_id: int):
        return Response(StoreOutSerializer(self.store).data)


SETTING_EXAMPLE = {
    "group": "policy", "key": "checkout_time", "value": "12:00", "value_type": "time",
    "description": "", "is_sensitive": False, "scope": "tenant",
}


class StoreSettingListApi(StoreScopedMixin, APIView):
    """Effective settings of a store: its overrides, else the tenant-wide values."""

    @extend_schema(
        operation_id="store_settings_list",
        responses={200: SettingOutSerializer(many=True)},
        examples=[OpenApiExample("Settings", response_only=True, value=[SETTING_EXAMPLE])],
        tags=["stores"],
    )
    def get(self, request, store_id: int):
        rows = setting_list_effective(store=self.store)
        return Response(SettingOutSerializer(rows, many=True, context={"can_manage": self.can_manage}).data)


class StoreSettingApi(StoreScopedMixin, APIView):
    """Set a store-level override. Manager only."""

    manager_actions = frozenset({"put"})

    @extend_schema(
        operation_id="store_setting_set",
        request=SettingInSerializer,
        responses={
            200: SettingOutSerializer,
            **error_responses(400, 403, examples=[
                error_example(400, "setting_value_invalid", "This value does not fit the setting's type.",
                              {"fields": {"value": ["invalid literal for int() with base 10: 'soon'"]}}),
                error_example(403, "manager_only", "Only a store manager can do this."),
            ]),
        },
        examples=[
            OpenApiExample("Set", request_only=True, value={"value": "13:00", "value_type": "time"}),
            OpenApiExample("Setting", response_only=True, value={**SETTING_EXAMPLE, "scope": "store"}),
        ],
        tags=["stores"],
    )
    def put(self, request, store_id: int, group: str, key: str):
        data = SettingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = setting_set(store=self.store, group=group, key=key, **data.validated_data)
        return Response(SettingOutSerializer(row, context={"can_manage": True}).data, status=status.HTTP_200_OK)
