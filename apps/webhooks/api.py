"""REST endpoints of webhooks under ``stores/<int:store_id>/`` (managers only): subscriptions,
their deliveries with the log of attempts, and the manual re-send."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.common.api import valid
from apps.common.errors import NotFoundError
from apps.common.schema import error_example, error_responses
from apps.tenancy.scope import StoreScopedViewSet
from apps.webhooks import services
from apps.webhooks.tasks import enqueue_deliveries
from apps.webhooks.models import WebhookDelivery, WebhookSubscription
from apps.webhooks.serializers import (
    DeliveryFilterSerializer,
    DeliveryOutSerializer,
    SubscriptionCreatedSerializer,
    SubscriptionInSerializer,
    SubscriptionOutSerializer,
)

TAG = "webhooks"
URL_REFUSED = error_example(400, "webhook_url_not_allowed", "The address points at a private, loopback or link-local network.",
                            {"fields": {"url": ["The address points at a private, loopback or link-local network."]}})
EVERYTHING = frozenset({"list", "retrieve", "create", "partial_update", "rotate_secret", "deliveries", "resend"})


class SubscriptionViewSet(StoreScopedViewSet):
    """The store's webhook subscriptions (docs/webhooks.md). Managers only."""

    queryset = WebhookSubscription.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    pagination_class = None
    manager_actions = EVERYTHING

    def get_queryset(self):
        return self.scope_queryset(WebhookSubscription.objects.order_by("id"))

    @extend_schema(responses=SubscriptionOutSerializer(many=True), tags=[TAG], operation_id="webhooks_list")
    def list(self, request, store_id: int):
        return Response(SubscriptionOutSerializer(self.get_queryset(), many=True).data)

    @extend_schema(responses=SubscriptionOutSerializer, tags=[TAG], operation_id="webhooks_retrieve")
    def retrieve(self, request, store_id: int, pk: int):
        return Response(SubscriptionOutSerializer(self.get_object()).data)

    @extend_schema(request=SubscriptionInSerializer, responses={201: SubscriptionCreatedSerializer,
                                                                **error_responses(400, examples=[URL_REFUSED])},
                   tags=[TAG], operation_id="webhooks_create",
                   description="The answer carries the signing secret, once.")
    def create(self, request, store_id: int):
        data = valid(SubscriptionInSerializer, request.data)
        sub = services.subscription_create(store=self.store, **data)
        return Response(SubscriptionCreatedSerializer(sub).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SubscriptionInSerializer(partial=True), responses={200: SubscriptionOutSerializer,
                                                                              **error_responses(400, examples=[URL_REFUSED])},
                   tags=[TAG], operation_id="webhooks_update",
                   description="`is_active: true` switches a subscription on again (its failure count starts over).")
    def partial_update(self, request, store_id: int, pk: int):
        data = valid(SubscriptionInSerializer, request.data, partial=True)
        return Response(SubscriptionOutSerializer(services.subscription_update(subscription=self.get_object(), **data)).data)

    @extend_schema(request=None, responses=SubscriptionCreatedSerializer, tags=[TAG], operation_id="webhooks_rotate_secret")
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, store_id: int, pk: int):
        return Response(SubscriptionCreatedSerializer(services.subscription_rotate_secret(subscription=self.get_object())).data)

    @extend_schema(parameters=[DeliveryFilterSerializer], responses=DeliveryOutSerializer(many=True), tags=[TAG],
                   operation_id="webhooks_deliveries", description="The delivery log, newest first (at most 100).")
    @action(detail=True, methods=["get"])
    def deliveries(self, request, store_id: int, pk: int):
        sub = self.get_object()
        filters = valid(DeliveryFilterSerializer, request.query_params)
        qs = WebhookDelivery.objects.filter(subscription=sub).prefetch_related("attempt_log").order_by("-id")
        if filters.get("status"):
            qs = qs.filter(status=filters["status"])
        return Response(DeliveryOutSerializer(qs[:100], many=True).data)

    @extend_schema(request=None, responses={202: DeliveryOutSerializer, **error_responses(409, examples=[
        error_example(409, "webhook_delivery_not_resendable", "This delivery is still being attempted.")])},
        tags=[TAG], operation_id="webhooks_resend", description="Send a delivered or failed delivery again.")
    @action(detail=True, methods=["post"], url_path="deliveries/<int:delivery_id>/resend")
    def resend(self, request, store_id: int, pk: int, delivery_id: int):
        sub = self.get_object()
        delivery = WebhookDelivery.objects.filter(subscription=sub, pk=delivery_id).first()
        if delivery is None:
            raise NotFoundError("not_found", _("Not found."))
        delivery = services.delivery_resend(delivery=delivery)
        pair = (delivery.subscription_id, delivery.order_id)
        transaction.on_commit(lambda: enqueue_deliveries([pair]))
        return Response(DeliveryOutSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
