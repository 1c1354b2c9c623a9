"""Read-only admin of members: the ledgers are written through the services (the pages
and the API), never edited here. Phones are masked; documents are not shown."""
from django.contrib import admin

from apps.common.admin import ReadOnlyAdminMixin
from apps.members.models import BlacklistEntry, Member, MemberLevel, PointsEntry, StoredValueEntry


@admin.register(Member)
class MemberAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "name", "phone", "level", "sv_principal", "sv_bonus", "points", "home_store", "created_at")
    list_select_related = ("contact", "level", "home_store")
    fields = ("name", "phone", "level", "home_store", "period_start", "sv_principal", "sv_bonus", "points", "created_at")
    readonly_fields = fields

    @admin.display(description="name")
    def name(self, obj):
        return obj.contact.full_name

    @admin.display(description="phone")
    def phone(self, obj):
        return obj.contact.phone_masked


@admin.register(MemberLevel)
class MemberLevelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("rank", "name", "discount_percent", "points_rate", "upgrade_nights", "upgrade_spend")


@admin.register(StoredValueEntry)
class StoredValueEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "member", "kind", "principal", "bonus", "store", "origin_store", "created_at")
    list_filter = ("kind",)


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "member", "kind", "points", "store", "expires_on", "created_at")
    list_filter = ("kind",)


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "contact", "store", "reason", "actor", "created_at", "lifted_at")
