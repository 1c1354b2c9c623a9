"""Auth endpoints of the owner's app: password and WeChat log-in, refresh, log-out, binding.

Thin views: parse, call one service, render. Flows and error codes: docs/api.md.
"""
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.input_guard import JSONParser
from apps.common.schema import RETRY_AFTER_HEADER, error_example, error_responses
from apps.tenancy.auth_selectors import wechat_binding_for_user
from apps.tenancy.auth_services import TokenPair, auth_login, auth_logout, auth_refresh, wechat_bind, wechat_login, wechat_unbind
from apps.tenancy.authentication import BearerTokenAuthentication
from apps.tenancy.models import StaffProfile
from apps.tenancy.selectors import staff_role
from apps.tenancy.serializers_auth import (
    LoginInSerializer,
    RefreshInSerializer,
    TokenPairSerializer,
    WeChatBindingSerializer,
    WeChatCodeInSerializer,
    WeChatLoginInSerializer,
)
from apps.tenancy.throttling import client_ip


def user_summary(user) -> dict:
    profile = getattr(user, "staff", None)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": (profile.display_name if profile else "") or user.get_username(),
        "role": staff_role(user=user) or StaffProfile.Role.FRONT_DESK,
        "current_store_id": profile.current_store_id if profile else None,
    }


def _pair_body(pair: TokenPair) -> dict:
    body = {
        "token_type": "Bearer",
        "access": pair.access,
        "access_expires_at": pair.access_expires_at,
        "refresh": pair.refresh,
        "refresh_expires_at": pair.refresh_expires_at,
        "user": user_summary(pair.user),
    }
    if pair.device_id:
        body["device_id"] = pair.device_id
    return TokenPairSerializer(body).data


PAIR_EXAMPLE = OpenApiExample(
    "Tokens",
    response_only=True,
    status_codes=["200"],
    value={
        "token_type": "Bearer",
        "access": "at_3q2-7wEvtS1oQ0kq3b9pXr8lC5yJm4TnVdZs6uHfGaI",
        "access_expires_at": "2026-05-01T12:00:00+08:00",
        "refresh": "rt_Yx0Qe5m0G1b9vH8kq2LwNn4Rz7pT3sUjA6cDfEiKoB",
        "refresh_expires_at": "2026-05-31T10:00:00+08:00",
        "user": {"id": 3, "username": "manager", "display_name": "王店长", "role": "store_manager", "current_store_id": 1},
    },
)
DEVICE_EXAMPLE = {"device_type": "wechat_mp", "device_token": "", "app_version": "1.4.0"}
THROTTLED = error_example(
    429, "throttled", "Too many failed log-in attempts. Try again in 15 minutes.", {"retry_after_s": 900}
)
INVALID = error_example(400, "invalid", "Some fields are not valid.", {"fields": {"password": ["This field is required."]}})
WECHAT_CODE_ERRORS = [
    error_example(400, "wechat_code_invalid", "This WeChat log-in code is not valid."),
    error_example(400, "wechat_code_used", "This WeChat log-in code was already used."),
]
WECHAT_UNAVAILABLE = error_example(
    503, "wechat_unavailable", "WeChat log-in is not available right now. Try again later.", {"wechat_errcode": -1}
)


class LoginApi(APIView):
    """Log in with staff credentials: a new access/refresh pair (no cookies).

    Throttled: over 5 attempts for a user name (20 for an address) within 15 minutes, not
    counting successful ones, further attempts answer 429 for 15 minutes. Send the
    ``device_id`` of this user's last log-in from this device: attempts with it are counted
    for the device only (10), so strangers' failures on the user name do not lock it out.
    """

    parser_classes = [JSONParser]  # the app sends JSON; nested objects need it

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_login",
        tags=["auth"],
        request=LoginInSerializer,
        parameters=[RETRY_AFTER_HEADER],
        responses={
            200: TokenPairSerializer,
            **error_responses(400, 401, 429, examples=[
                INVALID, THROTTLED, error_example(401, "invalid_credentials", "Wrong user name or password."),
            ]),
        },
        examples=[
            OpenApiExample(
                "Log in", request_only=True,
                value={"username": "manager", "password": "demo-pass-2026", "device": DEVICE_EXAMPLE},
            ),
            PAIR_EXAMPLE,
        ],
    )
    def post(self, request):
        data = LoginInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = auth_login(request=request, ip=client_ip(request), **data.validated_data)
        return Response(_pair_body(pair))


class RefreshApi(APIView):
    """Exchange the refresh token for a new pair. The old refresh token is used up; using it
    again revokes every token of this log-in (401 ``refresh_token_reused``)."""

    parser_classes = [JSONParser]  # the app sends JSON; nested objects need it

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_refresh",
        tags=["auth"],
        request=RefreshInSerializer,
        responses={
            200: TokenPairSerializer,
            **error_responses(400, 401, examples=[
                error_example(400, "invalid", "Some fields are not valid.", {"fields": {"refresh": ["This field is required."]}}),
                error_example(401, "refresh_token_invalid", "The refresh token is not valid. Log in again."),
                error_example(
                    401, "refresh_token_reused",
                    "This refresh token was already used; every session of this log-in is now closed. Log in again.",
                ),
            ]),
        },
        examples=[
            OpenApiExample("Refresh", request_only=True, value={"refresh": "rt_Yx0Qe5m0G1b9vH8kq2LwNn4Rz7pT3sUjA6cDfEiKoB"}),
            PAIR_EXAMPLE,
        ],
    )
    def post(self, request):
        data = RefreshInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_pair_body(auth_refresh(raw_refresh=data.validated_data["refresh"])))


class LogoutApi(APIView):
    """Log out: revokes the access token of the request and every token of its log-in."""

    authentication_classes = [BearerTokenAuthentication]

    @extend_schema(
        operation_id="auth_logout",
        tags=["auth"],
        request=None,
        responses={
            204: None,
            **error_responses(401, examples=[
                error_example(401, "authentication_failed", "The token is not valid or was revoked."),
                error_example(401, "not_authenticated", "Authentication credentials were not provided.", name="no_token"),
            ]),
        },
    )
    def post(self, request):
        auth_logout(token=request.auth)
        return Response(status=204)


class WeChatLoginApi(APIView):
    """Log in with a ``wx.login()`` code, if its WeChat account is linked to a staff account."""

    parser_classes = [JSONParser]  # the app sends JSON; nested objects need it

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_wechat_login",
        tags=["auth"],
        request=WeChatLoginInSerializer,
        responses={
            200: TokenPairSerializer,
            **error_responses(400, 401, 503, examples=[
                *WECHAT_CODE_ERRORS, WECHAT_UNAVAILABLE,
                error_example(
                    401, "wechat_not_bound",
                    "This WeChat account is not linked to a staff account. "
                    "Log in with your user name and password, then link it.",
                ),
            ]),
        },
        examples=[
            OpenApiExample("WeChat log-in", request_only=True, value={"code": "0a3Xc2Ga1Yz1xK0r6xGa1mGk0v3Xc2Gx", "device": DEVICE_EXAMPLE}),
            PAIR_EXAMPLE,
        ],
    )
    def post(self, request):
        data = WeChatLoginInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_pair_body(wechat_login(**data.validated_data)))


def _binding_body(binding) -> dict:
    return WeChatBindingSerializer({"bound": binding is not None, "bound_at": binding.created_at if binding else None}).data


BINDING_EXAMPLE = OpenApiExample(
    "Bound", response_only=True, status_codes=["200"], value={"bound": True, "bound_at": "2026-05-01T10:00:00+08:00"}
)


class WeChatBindApi(APIView):
    """The WeChat account linked to the signed-in staff account."""

    parser_classes = [JSONParser]  # the app sends JSON; nested objects need it

    @extend_schema(operation_id="auth_wechat_binding_get", tags=["auth"], responses={200: WeChatBindingSerializer},
                   examples=[BINDING_EXAMPLE])
    def get(self, request):
        return Response(_binding_body(wechat_binding_for_user(user=request.user)))

    @extend_schema(
        operation_id="auth_wechat_bind",
        tags=["auth"],
        request=WeChatCodeInSerializer,
        responses={
            200: WeChatBindingSerializer,
            **error_responses(400, 409, 503, examples=[
                *WECHAT_CODE_ERRORS, WECHAT_UNAVAILABLE,
                error_example(409, "wechat_openid_taken", "This WeChat account is already linked to another staff account."),
            ]),
        },
        examples=[OpenApiExample("Link", request_only=True, value={"code": "0a3Xc2Ga1Yz1xK0r6xGa1mGk0v3Xc2Gx"}), BINDING_EXAMPLE],
    )
    def post(self, request):
        data = WeChatCodeInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_binding_body(wechat_bind(user=request.user, code=data.validated_data["code"])))

    @extend_schema(
        operation_id="auth_wechat_unbind",
        tags=["auth"],
        responses={
            204: None,
            **error_responses(404, examples=[
                error_example(404, "wechat_not_bound", "No WeChat account is linked to this staff account."),
            ]),
        },
    )
    def delete(self, request):
        wechat_unbind(user=request.user)
        return Response(status=204)
