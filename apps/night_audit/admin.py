"""Django admin of the night audit: read-only (the night audit writes these rows; a manager runs
it from the back office or the API, never by editing a row)."""
from __future__ import annotations

from django.contrib import admin

from apps.night_audit.models import DailyStoreStats, NightAudit


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NightAudit)
class NightAuditAdmin(ReadOnlyAdmin):
    list_display = ["business_date", "store", "status", "trigger", "attempts", "room_charges_posted", "duration_ms", "finished_at"]
    list_filter = ["status", "trigger", "store"]
    date_hierarchy = "business_date"


@admin.register(DailyStoreStats)
class DailyStoreStatsAdmin(ReadOnlyAdmin):
    list_display = ["date", "store", "rooms_available", "rooms_sold", "room_revenue", "other_revenue"]
    list_filter = ["store"]
    date_hierarchy = "date"
