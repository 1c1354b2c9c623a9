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


class TokenInSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenOutSerializer(serializers.Serializer):
    token = serializers.CharField()


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
