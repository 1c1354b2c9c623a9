"""REST endpoints of iCal under ``stores/<int:store_id>/ical/`` (managers only): the secret
export URLs of rooms and room types, and the calendars imported into rooms."""
from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.common.schema import error_example, error_responses
from apps.ical import services
from apps.ical.models import IcalExport, IcalImport
from apps.ical.serializers import (
    ExportInSerializer,
    ExportOutSerializer,
    ImportInSerializer,
    ImportOutSerializer,
    ImportRunOutSerializer,
)
from apps.tenancy.scope import StoreScopedViewSet

TAG = "ical"


def _prefix(request) -> str:
    tenant = getattr(connection, "tenant", None)
    slug = getattr(tenant, "slug", "")
    return f"/t/{slug}" if slug and request.path.startswith(f"/t/{slug}/") else ""


class ExportViewSet(StoreScopedViewSet):
    """Secret iCal URLs of the store's rooms and room types (docs/ical.md)."""

    queryset = IcalExport.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    pagination_class = None
    manager_actions = frozenset({"list", "create", "destroy"})

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "tenant_prefix": _prefix(self.request)}

    @extend_schema(responses=ExportOutSerializer(many=True), tags=[TAG], operation_id="ical_exports_list")
    def list(self, request, store_id: int):
        return Response(ExportOutSerializer(self.get_queryset().order_by("id"), many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=ExportInSerializer, responses={201: ExportOutSerializer, **error_responses(400, examples=[
        error_example(400, "ical_export_target_invalid", "Give one room or one room type of this store.")])},
        tags=[TAG], operation_id="ical_exports_create", description="One of `room` or `room_type`.")
    def create(self, request, store_id: int):
        data = ExportInSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        export = services.ical_export_create(store=self.store, **data.validated_data)
        return Response(ExportOutSerializer(export, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, tags=[TAG], operation_id="ical_exports_delete",
                   description="Revoke the URL (a platform reading it gets 404).")
    def destroy(self, request, store_id: int, pk: int):
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImportViewSet(StoreScopedViewSet):
    """External calendars read into the store's rooms every 15 minutes (docs/ical.md)."""

    queryset = IcalImport.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    pagination_class = None
    manager_actions = frozenset({"list", "create", "destroy", "run"})

    @extend_schema(responses=ImportOutSerializer(many=True), tags=[TAG], operation_id="ical_imports_list")
    def list(self, request, store_id: int):
        return Response(ImportOutSerializer(self.get_queryset().order_by("id"), many=True).data)

    @extend_schema(request=ImportInSerializer, responses={201: ImportOutSerializer, **error_responses(400, examples=[
        error_example(400, "ical_url_not_allowed", "The address points at a private, loopback or link-local network.",
                      {"fields": {"url": ["The address points at a private, loopback or link-local network."]}})])},
        tags=[TAG], operation_id="ical_imports_create")
    def create(self, request, store_id: int):
        data = ImportInSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        feed = services.ical_import_create(store=self.store, **data.validated_data)
        return Response(ImportOutSerializer(feed).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, tags=[TAG], operation_id="ical_imports_delete",
                   description="Stop reading the calendar (the orders it made stay).")
    def destroy(self, request, store_id: int, pk: int):
        self.get_object().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ImportRunOutSerializer, **error_responses(409, examples=[
        error_example(409, "ical_feed_unreadable", "The calendar answered 404.")])},
        tags=[TAG], operation_id="ical_imports_run", description="Read the calendar now.")
    @action(detail=True, methods=["post"])
    def run(self, request, store_id: int, pk: int):
        return Response(ImportRunOutSerializer(services.ical_import_run(feed=self.get_object())).data)
