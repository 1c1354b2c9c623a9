"""REST endpoints of the night audit under ``stores/<int:store_id>/`` (thin): the business
date, the audit (run: managers; records: everyone in the store). See docs/night_audit.md."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.schema import error_example, error_responses
from apps.night_audit import selectors, services
from apps.night_audit.models import NightAudit
from apps.night_audit.serializers import (
    BusinessDateOutSerializer,
    NightAuditDetailSerializer,
    NightAuditRowSerializer,
    NightAuditRunInSerializer,
    NightAuditRunOutSerializer,
)
from apps.tenancy.scope import StoreScopedMixin

TAG = "night audit"


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BusinessDateApi(StoreScopedMixin, APIView):
    """The store's open business date and when its night audit is due."""

    @extend_schema(operation_id="business_date_get", responses={200: BusinessDateOutSerializer}, tags=[TAG])
    def get(self, request, store_id: int):
        return Response(BusinessDateOutSerializer(selectors.business_day_info(store=self.store)).data)


class NightAuditRunApi(StoreScopedMixin, APIView):
    """Run the night audit now (managers)."""

    manager_actions = frozenset({"post"})

    @extend_schema(
        operation_id="night_audit_run",
        request=NightAuditRunInSerializer,
        responses={
            201: OpenApiResponse(NightAuditRunOutSerializer, description="The day was closed now (`ran: true`)."),
            200: OpenApiResponse(NightAuditRunOutSerializer, description="The day was already closed: its record, nothing posted (`ran: false`)."),
            **error_responses(409, 422, examples=[
                error_example(409, "audit_in_progress", "The night audit of 2026-05-01 is running right now."),
                error_example(409, "audit_day_not_over", "The business day 2026-05-01 is not over yet: its audit is due at 2026-05-02 04:00."),
                error_example(409, "audit_lock_timeout", "The night audit of 2026-05-01 waited too long for a lock (a posting in progress); nothing was done, try again."),
                error_example(409, "audit_date_closed", "The business day 2026-04-01 was closed without a night audit record."),
                error_example(422, "audit_date_in_future", "The business day 2026-05-03 is not open yet: the open business date is 2026-05-01."),
            ]),
        },
        tags=[TAG],
        description="Closes the open business day (or answers the record of an earlier, closed one): room charges of "
        "the night for every stay in the house, no-shows (store policy), departures not checked out listed, the day's "
        "figures, business date + 1. Exactly once: running it again posts nothing. A folio that cannot take its night "
        "(past a limit) is left out and listed under `details.not_posted`; the rest of the store posts.",
    )
    def post(self, request, store_id: int):
        data = _valid(NightAuditRunInSerializer, request.data)
        outcome = services.night_audit_run(
            store=self.store, business_date=data.get("business_date"), trigger=NightAudit.Trigger.API, actor=request.user
        )
        body = NightAuditDetailSerializer(outcome.audit).data | {"ran": outcome.ran}
        return Response(body, status=status.HTTP_201_CREATED if outcome.ran else status.HTTP_200_OK)


class NightAuditListApi(StoreScopedMixin, generics.ListAPIView):
    """The store's audit records, newest business date first."""

    serializer_class = NightAuditRowSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.night_audit_list(store=self.store)

    @extend_schema(operation_id="night_audit_list", tags=[TAG])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NightAuditDetailApi(StoreScopedMixin, APIView):
    """One audit record with what it did, order by order."""

    @extend_schema(operation_id="night_audit_get", responses={200: NightAuditDetailSerializer}, tags=[TAG])
    def get(self, request, store_id: int, business_date):
        audit = selectors.night_audit_get(store=self.store, business_date=business_date)
        return Response(NightAuditDetailSerializer(audit).data)
