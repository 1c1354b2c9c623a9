"""REST endpoints of notifications under ``stores/<int:store_id>/`` (thin): the log
(everyone in the store), a manager's retry of a failed one, and the store's templates
(read: everyone; write: managers). See docs/notifications.md."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import refuse_blank_query
from apps.common.errors import NotFoundError
from apps.common.schema import error_example, error_responses
from apps.notifications import selectors, services
from apps.notifications.models import NotificationTemplate
from apps.notifications.serializers import (
    NotificationFilterSerializer,
    NotificationOutSerializer,
    TemplateInSerializer,
    TemplateOutSerializer,
)
from apps.tenancy.scope import StoreScopedMixin

TAG = "notifications"


class NotificationListApi(StoreScopedMixin, generics.ListAPIView):
    """The store's notification log, newest first (recipients masked)."""

    serializer_class = NotificationOutSerializer
    filter_backends: list = []

    def get_queryset(self):
        query = NotificationFilterSerializer(data=self.request.query_params)
        refuse_blank_query(query, self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.notification_list(store=self.store, filters=query.to_filters())

    @extend_schema(operation_id="notification_list", parameters=[NotificationFilterSerializer], tags=[TAG])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationRetryApi(StoreScopedMixin, APIView):
    """Send a failed notification again (managers)."""

    manager_actions = frozenset({"post"})

    @extend_schema(
        operation_id="notification_retry", request=None,
        responses={200: NotificationOutSerializer, **error_responses(409, examples=[
            error_example(409, "notification_not_retryable", "Only a failed notification can be sent again."),
        ])},
        tags=[TAG],
    )
    def post(self, request, store_id: int, notification_id: int):
        notification = selectors.notification_lookup(store=self.store, notification_id=notification_id)
        if notification is None:
            raise NotFoundError("not_found", _("Not found."))
        notification = services.notification_retry(notification=notification, actor=request.user)
        return Response(NotificationOutSerializer(notification).data)


class TemplateListApi(StoreScopedMixin, APIView):
    """The wording of every event, channel and language at this store; a manager
    overrides one (PUT) for this store."""

    manager_actions = frozenset({"put"})

    @extend_schema(operation_id="notification_template_list", responses={200: TemplateOutSerializer(many=True)}, tags=[TAG])
    def get(self, request, store_id: int):
        return Response(TemplateOutSerializer(selectors.template_list_effective(store=self.store), many=True).data)

    @extend_schema(operation_id="notification_template_set", request=TemplateInSerializer,
                   responses={200: TemplateOutSerializer}, tags=[TAG])
    def put(self, request, store_id: int):
        serializer = TemplateInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.template_set(store=self.store, actor=request.user, **serializer.validated_data)
        data = serializer.validated_data
        effective = selectors.template_effective(store=self.store, event=data["event"], channel=data["channel"], language=data["language"])
        return Response(TemplateOutSerializer(effective).data, status=status.HTTP_200_OK)


class TemplateDetailApi(StoreScopedMixin, APIView):
    """Drop the store's override (managers): the tenant's or the shipped wording applies again."""

    manager_actions = frozenset({"delete"})

    @extend_schema(operation_id="notification_template_delete", request=None, responses={204: None}, tags=[TAG])
    def delete(self, request, store_id: int, template_id: int):
        template = NotificationTemplate.objects.filter(store=self.store, pk=template_id).first()
        if template is None:
            raise NotFoundError("not_found", _("Not found."))
        services.template_delete(template=template)
        return Response(status=status.HTTP_204_NO_CONTENT)
