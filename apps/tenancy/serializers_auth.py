"""Input and output serializers of the owner app's auth endpoints (apps/tenancy/api_auth.py)."""
from rest_framework import serializers

from apps.tenancy.models import StaffProfile, UserDevice


class DeviceInSerializer(serializers.Serializer):
    """The device the app runs on (optional; shown to the user's admin, ``pms_tenant_user_devices``)."""

    device_type = serializers.ChoiceField(choices=UserDevice.DeviceType.choices, default=UserDevice.DeviceType.OTHER)
    device_token = serializers.CharField(
        max_length=512, allow_blank=True, default="", help_text="Push token or another stable id of the install."
    )
    app_version = serializers.CharField(max_length=50, allow_blank=True, default="")


class LoginInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)
    device = DeviceInSerializer(required=False)
    device_id = serializers.CharField(
        max_length=512, required=False, allow_blank=True,
        help_text="The device_id of this user's last log-in from this device: failed attempts from it are counted "
        "for the device only, so others' failures on this user name do not lock it out.",
    )


class RefreshInSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=256, help_text="The refresh token of the last pair; usable once.")


class WeChatCodeInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=128, help_text="The code from wx.login() (single use, valid 5 minutes).")


class WeChatLoginInSerializer(WeChatCodeInSerializer):
    device = DeviceInSerializer(required=False)


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=StaffProfile.Role.choices)
    current_store_id = serializers.IntegerField(allow_null=True)


class TokenPairSerializer(serializers.Serializer):
    token_type = serializers.ChoiceField(choices=[("Bearer", "Bearer")], help_text="Always Bearer.")
    access = serializers.CharField(help_text="Send as 'Authorization: Bearer <access>'.")
    access_expires_at = serializers.DateTimeField()
    refresh = serializers.CharField(help_text="Exchange once at auth/refresh/ for a new pair.")
    refresh_expires_at = serializers.DateTimeField()
    user = UserSummarySerializer()
    device_id = serializers.CharField(
        required=False,
        help_text="Password log-in only: keep it and send it with this user's next log-in from this device.",
    )


class WeChatBindingSerializer(serializers.Serializer):
    bound = serializers.BooleanField()
    bound_at = serializers.DateTimeField(allow_null=True)
