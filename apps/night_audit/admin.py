"""Django admin of the night audit: read-only (the night audit writes these rows; a manager runs
it from the back office or the API, never by editing a row)."""
from __future__ import annotations

from django.contrib import admin

from apps.common.admin import ReadOnlyAdminMixin
from apps.night_audit.models import DailyStoreStats, NightAudit


@admin.register(NightAudit)
class NightAuditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["business_date", "store", "status", "trigger", "attempts", "room_charges_posted", "duration_ms", "finished_at"]
    list_filter = ["status", "trigger", "store"]
    date_hierarchy = "business_date"


@admin.register(DailyStoreStats)
class DailyStoreStatsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["date", "store", "rooms_available", "rooms_sold", "room_revenue", "other_revenue"]
    list_filter = ["store"]
    date_hierarchy = "date"
