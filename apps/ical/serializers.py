"""Input and output serializers of the iCal API."""
from __future__ import annotations

from rest_framework import serializers

from apps.ical.models import IcalExport, IcalImport
from apps.orders.models import Channel
from apps.rooms.models import Room, RoomType
from apps.rooms.serializers import StoreScopedPrimaryKeyRelatedField


class ExportOutSerializer(serializers.ModelSerializer):
    path = serializers.SerializerMethodField(help_text="The secret calendar URL's path under the tenant (give it only to the platform).")

    class Meta:
        model = IcalExport
        fields = ["id", "room_id", "room_type_id", "path", "created_at"]
        read_only_fields = fields

    def get_path(self, obj) -> str:
        return f"{self.context.get('tenant_prefix', '')}/ical/{obj.token}.ics"


class ExportInSerializer(serializers.Serializer):
    room = StoreScopedPrimaryKeyRelatedField(queryset=Room.objects.all(), required=False, allow_null=True, default=None)
    room_type = StoreScopedPrimaryKeyRelatedField(queryset=RoomType.objects.all(), required=False, allow_null=True, default=None)


class ImportOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = IcalImport
        fields = ["id", "room_id", "channel_id", "url", "is_active", "last_run_at", "last_error", "created_at"]
        read_only_fields = fields


class ImportInSerializer(serializers.Serializer):
    room = StoreScopedPrimaryKeyRelatedField(queryset=Room.objects.all())
    channel = StoreScopedPrimaryKeyRelatedField(queryset=Channel.objects.all())
    url = serializers.URLField(max_length=500, help_text="The platform's calendar URL (http or https, public).")


class ImportRunOutSerializer(serializers.Serializer):
    booked = serializers.IntegerField()
    conflicts = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
