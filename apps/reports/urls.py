"""Back-office pages of reports, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.reports import views

urlpatterns = [
    path("s/<int:store_id>/reports/daily/", views.DailyReportView.as_view(), name="report-daily"),
    path("s/<int:store_id>/reports/range/", views.RangeReportView.as_view(), name="report-range"),
    path("s/<int:store_id>/reports/channels/", views.ChannelMixView.as_view(), name="report-channels"),
    path("s/<int:store_id>/reports/consumption/", views.ConsumptionView.as_view(), name="report-consumption"),
]
