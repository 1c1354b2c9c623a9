"""REST endpoints of the night audit, mounted under /t/<tenant>/api/v1/ (store-scoped, under stores/<int:store_id>/)."""
from datetime import date

from django.urls import path, register_converter

from apps.night_audit import api


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(value) from exc

    def to_url(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


register_converter(IsoDateConverter, "iso_date")

urlpatterns = [
    path("stores/<int:store_id>/business-date/", api.BusinessDateApi.as_view(), name="api-business-date"),
    path("stores/<int:store_id>/night-audit/", api.NightAuditRunApi.as_view(), name="api-night-audit-run"),
    path("stores/<int:store_id>/night-audits/", api.NightAuditListApi.as_view(), name="api-night-audit-list"),
    path("stores/<int:store_id>/night-audits/<iso_date:business_date>/", api.NightAuditDetailApi.as_view(), name="api-night-audit-detail"),
]
