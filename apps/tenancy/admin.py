from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from apps.tenancy.models import Setting, StaffProfile, Store


@admin.register(Store)
class StoreAdmin(GuardedModelAdmin):
    list_display = ["name", "code", "is_active", "created_at"]
    search_fields = ["name", "code"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "role", "current_store"]
    list_filter = ["role"]
    list_select_related = ["user", "current_store"]
    search_fields = ["user__username", "display_name"]


@admin.register(Setting)
class SettingAdmin(admin.ModelAdmin):
    list_display = ["group", "key", "store", "value_type", "is_sensitive", "updated_at"]
    list_filter = ["group", "store"]
    list_select_related = ["store"]
    search_fields = ["group", "key"]
