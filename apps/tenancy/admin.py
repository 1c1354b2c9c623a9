from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from apps.common.admin import ReadOnlyAdminMixin
from apps.tenancy.auth_services import integration_token_revoke, token_family_revoke
from apps.tenancy.models import (
    ApiToken,
    ChangeRecord,
    Setting,
    StaffProfile,
    Store,
    StoreBusinessDay,
    UserDevice,
    WeChatBinding,
)
from apps.tenancy.services import store_setup


@admin.register(Store)
class StoreAdmin(GuardedModelAdmin):
    list_display = ["name", "code", "is_active", "created_at"]
    search_fields = ["name", "code"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            store_setup(store=obj)  # a store added here starts like one from store_create


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


@admin.register(UserDevice)
class UserDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "device_type", "app_version", "status", "last_login_at"]
    list_filter = ["device_type", "status"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "device_type", "app_version", "last_login_at", "created_at"]
    exclude = ["device_token"]  # the push service's token: an internal


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only but for revoking: only hashes are stored; log-out, refresh reuse, a password
    change and deactivation revoke tokens (apps/tenancy/auth_services.py)."""

    list_display = ["user", "kind", "name", "created_at", "expires_at", "last_used_at", "revoked_at", "revoke_reason"]
    # internals an operator needs no sight of: the key's hash and its family's id
    exclude = ["key_hash", "family"]
    list_filter = ["kind", "revoke_reason"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            if token.kind == ApiToken.Kind.INTEGRATION:
                integration_token_revoke(token=token)
            else:
                token_family_revoke(family=token.family, reason=ApiToken.RevokeReason.REVOKED)


@admin.register(WeChatBinding)
class WeChatBindingAdmin(admin.ModelAdmin):
    """Deleting a binding unlinks the WeChat account; bindings are made from the app only."""

    list_display = ["user", "created_at", "last_login_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "created_at", "last_login_at"]
    exclude = ["openid", "unionid"]  # WeChat's identifiers of the person: not shown

    def has_add_permission(self, request):
        return False


@admin.register(StoreBusinessDay)
class StoreBusinessDayAdmin(admin.ModelAdmin):
    """Read-only: the night audit rolls the business date (apps/tenancy/business_day.py)."""

    list_display = ["store", "business_date", "opened_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: written by the back office's settings pages, append-only in the database."""

    list_display = ["created_at", "store", "actor", "area", "object_label", "action"]
    list_filter = ["area", "store"]
    list_select_related = ["store", "actor"]
