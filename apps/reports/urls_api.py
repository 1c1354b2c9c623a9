"""REST endpoints of reports, mounted under /t/<tenant>/api/v1/ (store-scoped ones under stores/<int:store_id>/)."""
from django.urls import path

from apps.reports import api

urlpatterns = [
    path("stores/<int:store_id>/daily-stats/", api.DailyStatsApi.as_view(), name="api-daily-stats"),
    path("reports/daily/", api.DailyReportApi.as_view(), name="api-report-daily"),
    path("reports/range/", api.RangeReportApi.as_view(), name="api-report-range"),
    path("reports/channels/", api.ChannelMixApi.as_view(), name="api-report-channels"),
    path("reports/consumption/", api.ConsumptionApi.as_view(), name="api-report-consumption"),
]
