"""Input and output serializers of the webhooks API."""
from __future__ import annotations

from rest_framework import serializers

from apps.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from apps.webhooks.services import EVENT_TYPES


class SubscriptionOutSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "event_types", "is_active", "consecutive_failures", "disabled_at", "disabled_reason", "created_at"]
        read_only_fields = fields


class SubscriptionCreatedSerializer(SubscriptionOutSerializer):
    secret = serializers.CharField(help_text="The signing secret: shown here and when rotated, never again.")

    class Meta(SubscriptionOutSerializer.Meta):
        fields = [*SubscriptionOutSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class SubscriptionInSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="http(s); no loopback, private or link-local address.")
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES), required=False, default=list,
                                        max_length=len(EVENT_TYPES), help_text="Empty: every event type.")
    is_active = serializers.BooleanField(required=False, default=True)


class AttemptOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["at", "status_code", "error", "duration_ms", "manual"]
        read_only_fields = fields


# A delivery's status is a plain string in the schema: a second "status" enum beside the
# orders' would rename theirs (drf-spectacular names enums after the field).
STATUS_HELP = "pending, delivered or failed."


class DeliveryOutSerializer(serializers.ModelSerializer):
    attempt_log = AttemptOutSerializer(many=True, read_only=True)
    status = serializers.CharField(help_text=STATUS_HELP)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "subscription_id", "event_id", "order_id", "event_type", "status", "attempts", "next_attempt_at",
                  "last_status_code", "delivered_at", "created_at", "payload", "attempt_log"]
        read_only_fields = fields


class DeliveryFilterSerializer(serializers.Serializer):
    status = serializers.RegexField(r"^(pending|delivered|failed)$", required=False, help_text=STATUS_HELP)
