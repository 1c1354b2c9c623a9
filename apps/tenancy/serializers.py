from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.tenancy.models import Setting, StaffProfile, Store


class StoreOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "name", "code", "address", "phone", "time_zone", "currency"]


class MyStoreSerializer(StoreOutSerializer):
    can_manage = serializers.BooleanField(help_text=_("True if the user may do manager-only actions here."))

    class Meta(StoreOutSerializer.Meta):
        fields = StoreOutSerializer.Meta.fields + ["can_manage"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=StaffProfile.Role.choices)
    current_store_id = serializers.IntegerField(allow_null=True)
    stores = MyStoreSerializer(many=True)


class CurrentStoreInSerializer(serializers.Serializer):
    store_id = serializers.IntegerField()


class IntegrationTokenInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True, default="", help_text="What the token is for.")
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=3650, required=False,
        help_text="Lifetime in days; the server's default (PMS_INTEGRATION_TOKEN_DAYS, 90) when left out.",
    )


class TokenInSerializer(IntegrationTokenInSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class IntegrationTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField(source="user.username")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField(help_text="Empty while live: revoked, password, inactive.")


class TokenOutSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as 'Authorization: Token <token>'. Shown once: only its hash is stored.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class SettingOutSerializer(serializers.ModelSerializer):
    scope = serializers.SerializerMethodField()
    value = serializers.SerializerMethodField()

    class Meta:
        model = Setting
        fields = ["group", "key", "value", "value_type", "description", "is_sensitive", "scope"]

    def get_scope(self, obj) -> str:
        return "store" if obj.store_id else "tenant"

    def get_value(self, obj) -> str:
        if obj.is_sensitive and not self.context.get("can_manage"):
            return "******"
        return obj.value


class SettingInSerializer(serializers.Serializer):
    value = serializers.CharField(allow_blank=True)
    value_type = serializers.ChoiceField(choices=Setting.ValueType.choices, default=Setting.ValueType.STRING)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    is_sensitive = serializers.BooleanField(required=False, default=False)
