"""Back-office pages of reports, mounted at the tenant root (store pages under s/<int:store_id>/)."""
from django.urls import path

from apps.night_audit import views

urlpatterns = [
    path("s/<int:store_id>/night-audit/", views.NightAuditView.as_view(), name="night-audit"),
    path("s/<int:store_id>/night-audit/run/", views.NightAuditRunView.as_view(), name="night-audit-run"),
    path("s/<int:store_id>/night-audit/<str:business_date>/", views.NightAuditDetailView.as_view(), name="night-audit-detail"),
]
