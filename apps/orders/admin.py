"""Django admin of orders: read-only (writes go through the services and the API, which
keep inventory, items and events in step). Channels are edited here too."""
from __future__ import annotations

from django.contrib import admin

from apps.orders.models import Channel, IdempotencyKey, Order, OrderEvent, OrderGuest, OrderItem


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ["kind", "service_date", "description", "quantity", "unit_price", "total_price", "room_type", "room"]
    readonly_fields = fields


class OrderGuestInline(ReadOnlyInline):
    model = OrderGuest
    fields = ["contact", "is_primary"]
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["at", "kind", "from_status", "to_status", "actor", "data", "published_at"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["code", "store", "status", "primary_contact_name", "room_type", "room", "arrival", "departure",
                    "channel", "total_amount", "due_amount", "is_conflict"]
    list_filter = ["store", "status", "source", "is_conflict"]
    search_fields = ["code", "primary_contact_name", "external_ref"]
    list_select_related = ["store", "room_type", "room", "channel"]
    date_hierarchy = "arrival"
    inlines = [OrderItemInline, OrderGuestInline, OrderEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Order._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "store", "channel_type", "is_active", "sort_order"]
    list_filter = ["store", "channel_type", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["key", "store", "user", "status", "response_status", "order", "created_at", "expires_at"]
    list_filter = ["store", "status"]

    # the request's fingerprint and the stored answer (it may name a guest) stay out of sight
    exclude = ["fingerprint", "response_body"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in IdempotencyKey._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False
