"""REST endpoints of reports (thin, read-only, managers): the daily figures the night
audit wrote (``stores/<id>/daily-stats/``, documented with the night audit), and the
reports of docs/reports.md for one store or every store the user manages
(``reports/daily/``, ``reports/range/``, ``reports/channels/``). The owner's overview is
served by ``apps.mobile``."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.schema import error_example, error_responses
from apps.night_audit.selectors import daily_stats_list
from apps.reports import selectors
from apps.reports.serializers import (
    ChannelMixOutSerializer,
    ChannelMixQuerySerializer,
    ConsumptionOutSerializer,
    ConsumptionQuerySerializer,
    DailyReportOutSerializer,
    DailyReportQuerySerializer,
    DailyStatsOutSerializer,
    DailyStatsQuerySerializer,
    RangeReportOutSerializer,
    RangeReportQuerySerializer,
)
from apps.tenancy.roles import MANAGE
from apps.tenancy.scope import ManagerOnly, StoreScopedMixin, store_resolve
from apps.tenancy.selectors import store_list_with_perms

# The daily figures are documented with the night audit that writes them.
TAG = "night audit"
REPORTS_TAG = "reports"

NOT_FOUND = error_example(404, "not_found", "Not found.")
MANAGER_ONLY = error_example(403, "manager_only", "Only a store manager can do this.")
BAD_RANGE = error_example(400, "invalid_date_range", "Choose a range of at most 366 days, the end not before the start.",
                          {"fields": {"end": ["Choose a range of at most 366 days, the end not before the start."]}})
NOT_AUDITED = error_example(422, "report_day_not_audited",
                            "The business day 2026-11-20 has not been closed by the night audit yet.",
                            {"fields": {"date": ["The business day 2026-11-20 has not been closed by the night audit yet."]}})


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def report_stores(user, store) -> list:
    """The stores a report covers: ``store`` (an id the user manages: else 404 / 403) or
    ``"all"``: every active store the user manages (403 ``manager_only`` if none)."""
    if store == "all":
        stores = [s for s in store_list_with_perms(user=user) if MANAGE in s.perms]
        if not stores:
            raise ManagerOnly()
        return stores
    found, _perms = store_resolve(user=user, store_id=store, need=MANAGE)
    return [found]


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


DAILY_EXAMPLE = {
    "date": "2026-11-20", "not_audited": [],
    "stores": [], "total": {
        "store_id": None, "store_name": "All stores", "currency": "CNY", "store_count": 1, "rooms_total": 30,
        "rooms_out_of_order": 1, "rooms_available": 29, "rooms_sold": 21, "occupancy": "0.7241", "adr": "328.57",
        "revpar": "237.93",
        "revenue": {"rooms": "6900.00", "extras": [{"category": "food", "label": "Food and drink", "amount": "240.00"}],
                    "extras_total": "240.00", "fees_and_manual": "300.00", "other": "540.00", "total": "7440.00"},
        "room_types": [{"room_type_id": None, "name": "Deluxe King", "nights": 21, "amount": "6900.00", "adr": "328.57"}],
        "collections": {"total": {"payments": "5200.00", "refunds": "100.00", "deposits": "1000.00",
                                  "deposit_returns": "800.00", "net": "5300.00"},
                        "by_method": [{"method_id": None, "name": "WeChat Pay", "method_type": "wechat",
                                       "payments": "5200.00", "refunds": "100.00", "deposits": "1000.00",
                                       "deposit_returns": "800.00", "net": "5300.00"}]},
        "deposits_held": "2400.00", "balance_in_house": "3120.00", "balance_departed": "0.00",
        "arrivals": 8, "departures": 6, "no_shows": 1, "cancellations": 2, "walk_ins": 1,
    },
}


class DailyReportApi(APIView):
    """营业日报: the figures of one audited business day, per store and in total."""

    @extend_schema(
        operation_id="reports_daily_get", parameters=[DailyReportQuerySerializer],
        responses={200: DailyReportOutSerializer, **error_responses(400, 403, 404, 422, examples=[
            error_example(400, "invalid", "Some fields are not valid.", {"fields": {"store": ["Give a store id or \"all\"."]}}),
            MANAGER_ONLY, NOT_FOUND, NOT_AUDITED,
        ])},
        examples=[OpenApiExample("Daily report", response_only=True, status_codes=["200"], value=DAILY_EXAMPLE)],
        tags=[REPORTS_TAG],
    )
    def get(self, request):
        q = _valid(DailyReportQuerySerializer, request.query_params)
        stores = report_stores(request.user, q["store"])
        return Response(DailyReportOutSerializer(selectors.daily_report(stores=stores, day=q["date"])).data)


FIGURES_EXAMPLE = {"rooms_available": 899, "rooms_sold": 654, "rooms_out_of_order": 1, "occupancy": "0.7275",
                   "adr": "331.20", "revpar": "240.95", "room_revenue": "216604.80", "other_revenue": "5310.00",
                   "total_revenue": "221914.80", "audited_nights": 30}
CHANGE_EXAMPLE = {"occupancy": "0.0310", "adr": "0.0420", "revpar": "0.0890", "room_revenue": "0.0890",
                  "total_revenue": "0.0850", "rooms_sold": "0.0450"}
RANGE_EXAMPLE = {
    "start": "2026-11-01", "end": "2026-11-30", "granularity": "month", "currency": "CNY", "store_count": 1,
    "total": FIGURES_EXAMPLE,
    "previous": {"start": "2026-10-02", "end": "2026-10-31", **FIGURES_EXAMPLE, "change": CHANGE_EXAMPLE},
    "last_year": {"start": "2025-11-01", "end": "2025-11-30", **FIGURES_EXAMPLE, "change": CHANGE_EXAMPLE},
    "buckets": [{"start": "2026-11-01", "end": "2026-11-30", **FIGURES_EXAMPLE}],
    "by_store": [{"store_id": 1, "store_name": "Downtown", **FIGURES_EXAMPLE}],
}


class RangeReportApi(APIView):
    """Occupancy, ADR, RevPAR, room and total revenue over a period, by day, week or month,
    with the previous period and the same period last year."""

    @extend_schema(
        operation_id="reports_range_get", parameters=[RangeReportQuerySerializer],
        responses={200: RangeReportOutSerializer, **error_responses(400, 403, 404, examples=[
            BAD_RANGE, MANAGER_ONLY, NOT_FOUND,
        ])},
        examples=[OpenApiExample("A month", response_only=True, status_codes=["200"], value=RANGE_EXAMPLE)],
        tags=[REPORTS_TAG],
    )
    def get(self, request):
        q = _valid(RangeReportQuerySerializer, request.query_params)
        selectors.range_check(start=q["start"], end=q["end"])
        stores = report_stores(request.user, q["store"])
        data = selectors.range_report(stores=stores, start=q["start"], end=q["end"], granularity=q["granularity"])
        return Response(RangeReportOutSerializer(data).data)


CHANNEL_EXAMPLE = {"channel_id": 3, "code": "ctrip", "name": "携程", "channel_type": "ota", "nights": 120,
                   "revenue": "39600.00", "adr": "330.00", "orders": 60, "cancelled": 6, "cancellation_rate": "0.1000",
                   "avg_lead_days": "6.5", "share_of_nights": "0.4000"}
CHANNELS_EXAMPLE = {"start": "2026-11-01", "end": "2026-11-30", "currency": "CNY", "store_count": 1,
                    "channels": [CHANNEL_EXAMPLE],
                    "total": {**CHANNEL_EXAMPLE, "channel_id": None, "code": "", "name": "All channels", "channel_type": "",
                              "share_of_nights": "1.0000"}}


class ChannelMixApi(APIView):
    """Channel mix: nights, revenue, ADR, lead time and cancellation rate by channel."""

    @extend_schema(
        operation_id="reports_channels_get", parameters=[ChannelMixQuerySerializer],
        responses={200: ChannelMixOutSerializer, **error_responses(400, 403, 404, examples=[
            BAD_RANGE, MANAGER_ONLY, NOT_FOUND,
        ])},
        examples=[OpenApiExample("Channel mix", response_only=True, status_codes=["200"], value=CHANNELS_EXAMPLE)],
        tags=[REPORTS_TAG],
    )
    def get(self, request):
        q = _valid(ChannelMixQuerySerializer, request.query_params)
        selectors.range_check(start=q["start"], end=q["end"])
        stores = report_stores(request.user, q["store"])
        return Response(ChannelMixOutSerializer(selectors.channel_mix(stores=stores, start=q["start"], end=q["end"])).data)


CONSUMPTION_EXAMPLE = {
    "start": "2026-11-01", "end": "2026-11-30", "currency": "CNY", "store_count": 1,
    "items": [{"item_id": 4, "name": "早餐", "category": "food", "label": "Food and drink", "quantity": 120,
               "amount": "4560.00", "share": "0.7600"}],
    "categories": [{"category": "food", "label": "Food and drink", "quantity": 120, "amount": "4560.00", "share": "0.7600"}],
    "total": {"quantity": 150, "amount": "6000.00"},
}


class ConsumptionApi(APIView):
    """Consumption analysis: extras charged by item and by category over a period."""

    @extend_schema(
        operation_id="reports_consumption_get", parameters=[ConsumptionQuerySerializer],
        responses={200: ConsumptionOutSerializer, **error_responses(400, 403, 404, examples=[
            BAD_RANGE, MANAGER_ONLY, NOT_FOUND,
        ])},
        examples=[OpenApiExample("Consumption", response_only=True, status_codes=["200"], value=CONSUMPTION_EXAMPLE)],
        tags=[REPORTS_TAG],
    )
    def get(self, request):
        q = _valid(ConsumptionQuerySerializer, request.query_params)
        selectors.range_check(start=q["start"], end=q["end"])
        stores = report_stores(request.user, q["store"])
        return Response(ConsumptionOutSerializer(selectors.consumption(stores=stores, start=q["start"], end=q["end"])).data)
