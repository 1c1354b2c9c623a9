"""Input and output serializers of the notifications API."""
from __future__ import annotations

from rest_framework import serializers

from apps.common.fields import CalendarDateField

from apps.notifications.models import Event, Language


class NotificationFilterSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, help_text="`queued`, `sent`, `failed` or `skipped`.")
    order = serializers.IntegerField(required=False, help_text="Only this order's notifications.")
    event = serializers.ChoiceField(choices=Event.choices, required=False)

    def to_filters(self) -> dict:
        data = self.validated_data
        return {"status": data.get("status"), "order_id": data.get("order"), "event": data.get("event")}


class NotificationOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    order_id = serializers.IntegerField(read_only=True)
    order_code = serializers.CharField(source="order.code", read_only=True)
    event = serializers.ChoiceField(choices=Event.choices, read_only=True)
    channel = serializers.CharField(read_only=True)
    language = serializers.ChoiceField(choices=Language.choices, read_only=True)
    for_date = CalendarDateField(read_only=True, allow_null=True)
    recipient = serializers.CharField(source="recipient_masked", read_only=True, help_text="Masked.")
    # A plain string, not an enum: an enum named after "status" would collide with orders' one.
    status = serializers.CharField(read_only=True, help_text="`queued`, `sent`, `failed` or `skipped`.")
    attempts = serializers.IntegerField(read_only=True)
    last_error = serializers.CharField(read_only=True)
    next_attempt_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class TemplateOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="template_id", read_only=True, allow_null=True,
                                  help_text="The override's id (store or tenant); null for the shipped wording.")
    event = serializers.ChoiceField(choices=Event.choices, read_only=True)
    channel = serializers.CharField(read_only=True)
    language = serializers.ChoiceField(choices=Language.choices, read_only=True)
    subject = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    # A plain string, not an enum: an enum named after "source" would collide with orders' one.
    source = serializers.CharField(read_only=True, help_text="`store` (this store's), `tenant` (the tenant's) or `default` (shipped).")


class TemplateInSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=Event.choices)
    channel = serializers.CharField(max_length=20)
    language = serializers.ChoiceField(choices=Language.choices)
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=4000)
