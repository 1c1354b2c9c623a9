from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import DomainError
from apps.common.error_codes import CommonErrorCode
from apps.tenancy.models import StaffProfile
from apps.tenancy.roles import ACCESS, MANAGE
from apps.tenancy.scope import StoreScopedMixin, store_resolve
from apps.tenancy.selectors import setting_list_effective, staff_role, store_list_for_user
from apps.tenancy.serializers import (
    CurrentStoreInSerializer,
    MeSerializer,
    MyStoreSerializer,
    SettingInSerializer,
    SettingOutSerializer,
    StoreOutSerializer,
    TokenInSerializer,
    TokenOutSerializer,
)
from apps.tenancy.services import setting_set, staff_set_current_store


def _me_payload(user) -> dict:
    profile = getattr(user, "staff", None)
    managed = set(store_list_for_user(user=user, perm=MANAGE).values_list("id", flat=True))
    stores = list(store_list_for_user(user=user, perm=ACCESS))
    for store in stores:
        store.can_manage = store.pk in managed
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": (profile.display_name if profile else "") or user.get_username(),
        "role": staff_role(user=user) or StaffProfile.Role.FRONT_DESK,
        "current_store_id": profile.current_store_id if profile else None,
        "stores": stores,
    }


class TokenApi(APIView):
    """Exchange staff credentials for an API token (header ``Authorization: Token <key>``)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenInSerializer, responses={200: TokenOutSerializer}, tags=["auth"])
    def post(self, request):
        data = TokenInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None or not user.is_active:
            raise DomainError(CommonErrorCode.AUTHENTICATION_FAILED, _("Wrong user name or password."), status=400)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeApi(APIView):
    """The signed-in staff member, their role and the stores they may work in."""

    @extend_schema(responses={200: MeSerializer}, tags=["me"])
    def get(self, request):
        return Response(MeSerializer(_me_payload(request.user)).data)


class CurrentStoreApi(APIView):
    """Switch the store the user works in (remembered for the back office and app)."""

    @extend_schema(request=CurrentStoreInSerializer, responses={200: MeSerializer}, tags=["me"])
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
    @extend_schema(responses={200: MyStoreSerializer(many=True)}, tags=["stores"])
    def get(self, request):
        return Response(MeSerializer(_me_payload(request.user)).data["stores"])


class StoreDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses={200: StoreOutSerializer}, tags=["stores"])
    def get(self, request, store_id: int):
        return Response(StoreOutSerializer(self.store).data)


class StoreSettingListApi(StoreScopedMixin, APIView):
    """Effective settings of a store: its overrides, else the tenant-wide values."""

    @extend_schema(responses={200: SettingOutSerializer(many=True)}, tags=["stores"])
    def get(self, request, store_id: int):
        rows = setting_list_effective(store=self.store)
        return Response(SettingOutSerializer(rows, many=True, context={"can_manage": self.can_manage}).data)


class StoreSettingApi(StoreScopedMixin, APIView):
    """Set a store-level override. Manager only."""

    manager_actions = frozenset({"put"})

    @extend_schema(request=SettingInSerializer, responses={200: SettingOutSerializer}, tags=["stores"])
    def put(self, request, store_id: int, group: str, key: str):
        data = SettingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = setting_set(store=self.store, group=group, key=key, **data.validated_data)
        return Response(SettingOutSerializer(row, context={"can_manage": True}).data, status=status.HTTP_200_OK)
