"""REST endpoints of reports under ``stores/<int:store_id>/`` (thin, read-only): the daily
figures the night audit wrote (managers). The owner's overview is served by
``apps.mobile``. See docs/night_audit.md."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.night_audit.selectors import daily_stats_list
from apps.reports.serializers import DailyStatsOutSerializer, DailyStatsQuerySerializer
from apps.tenancy.scope import StoreScopedMixin

# The daily figures are documented with the night audit that writes them.
TAG = "night audit"


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DailyStatsApi(StoreScopedMixin, APIView):
    """The store's daily figures written by its night audits (managers)."""

    manager_actions = frozenset({"get"})

    @extend_schema(
        operation_id="daily_stats_list", parameters=[DailyStatsQuerySerializer],
        responses={200: DailyStatsOutSerializer(many=True)}, tags=[TAG],
    )
    def get(self, request, store_id: int):
        q = _valid(DailyStatsQuerySerializer, request.query_params)
        rows = daily_stats_list(store=self.store, start=q["start"], end=q["end"])
        return Response(DailyStatsOutSerializer(rows, many=True).data)
