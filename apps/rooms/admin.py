"""Django admin of rooms: room types, rooms and pricing rules, writes through the services.

Forms run the services' friendly checks (``*_validate``) so mistakes show on the
field; a refusal only the save can see (e.g. a deactivation over future holds) is
shown as an error message and nothing is saved. Room types and rooms are never
deleted (deactivate them); locks and housekeeping changes are read-only here (the
desk makes them through the API).
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from apps.common.admin import ReadOnlyAdminMixin
from apps.common.errors import DomainError, DomainValidationError
from apps.rooms import services
from apps.rooms.models import HousekeepingEvent, PricingRule, Room, RoomLock, RoomType


def _raise_as_form_errors(form: forms.ModelForm, exc: DomainValidationError) -> None:
    fields = exc.extra.get("fields") or {}
    for field, errors in fields.items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)
    if not fields:
        form.add_error(None, exc.message)


class ServiceAdminMixin:
    """Turn a service refusal during save into an error message (the admin's transaction rolls back)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request, obj=None):
        return False


# --- room types ---------------------------------------------------------------------


class RoomTypeForm(forms.ModelForm):
    class Meta:
        model = RoomType
        fields = ["store", "name", "default_price", "capacity", "amenities", "description", "images", "is_active", "sort_order"]

    def clean(self):
        data = super().clean()
        store = data.get("store") or getattr(self.instance, "store", None)
        if store is not None and not self.errors:
            try:
                services.room_type_validate(
                    store=store, name=data.get("name", ""), default_price=data.get("default_price"),
                    capacity=data.get("capacity"), instance=self.instance if self.instance.pk else None,
                )
            except DomainValidationError as exc:
                _raise_as_form_errors(self, exc)
        return data


@admin.register(RoomType)
class RoomTypeAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = RoomTypeForm
    list_display = ["name", "store", "default_price", "capacity", "is_active", "sort_order"]
    list_filter = ["store", "is_active"]
    list_select_related = ["store"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["store"] if obj else []

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in services.ROOM_TYPE_FIELDS if f in form.cleaned_data}
        if change:
            changed = {f: v for f, v in data.items() if f in form.changed_data}
            saved = services.room_type_update(room_type=obj, actor=request.user, **changed)
        else:
            saved = services.room_type_create(store=form.cleaned_data["store"], actor=request.user, **data)
        obj.pk = saved.pk


# --- rooms --------------------------------------------------------------------------


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["store", "room_type", "number", "floor", "description", "is_active", "sort_order"]

    def clean(self):
        data = super().clean()
        store = data.get("store") or getattr(self.instance, "store", None)
        if store is not None and data.get("room_type") is not None and not self.errors:
            try:
                services.room_validate(
                    store=store, number=data.get("number", ""), room_type=data["room_type"],
                    instance=self.instance if self.instance.pk else None,
                )
            except DomainValidationError as exc:
                _raise_as_form_errors(self, exc)
        return data


@admin.register(Room)
class RoomAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = RoomForm
    list_display = ["number", "store", "room_type", "floor", "housekeeping", "is_active"]
    list_filter = ["store", "room_type", "housekeeping", "is_active"]
    list_select_related = ["store", "room_type"]
    search_fields = ["number"]

    def get_readonly_fields(self, request, obj=None):
        # Housekeeping changes go through room_housekeeping_set (history); the store never changes.
        base = ["housekeeping", "housekeeping_at", "housekeeping_by"]
        return (["store"] + base) if obj else base

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in services.ROOM_FIELDS if f in form.cleaned_data}
        if change:
            changed = {f: v for f, v in data.items() if f in form.changed_data}
            saved = services.room_update(room=obj, actor=request.user, **changed)
        else:
            saved = services.room_create(store=form.cleaned_data["store"], actor=request.user, **data)
        obj.pk = saved.pk


# --- pricing rules ------------------------------------------------------------------


class PricingRuleForm(forms.ModelForm):
    days_of_week = forms.TypedMultipleChoiceField(
        choices=[(0, _("Mon")), (1, _("Tue")), (2, _("Wed")), (3, _("Thu")), (4, _("Fri")), (5, _("Sat")), (6, _("Sun"))],
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label=_("Days of week"),
    )

    class Meta:
        model = PricingRule
        fields = [
            "store", "room_type", "name", "date_range_start", "date_range_end", "days_of_week", "min_los", "max_los",
            "adjustment_type", "adjustment_value", "priority", "is_active",
        ]

    def clean(self):
        data = super().clean()
        store = data.get("store") or getattr(self.instance, "store", None)
        if store is not None and not self.errors:
            values = {f: data.get(f) for f in services.PRICING_RULE_FIELDS}
            try:
                services.pricing_rule_validate(store=store, values=values)
            except DomainValidationError as exc:
                _raise_as_form_errors(self, exc)
        return data


@admin.register(PricingRule)
class PricingRuleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = PricingRuleForm
    list_display = ["name", "room_type", "store", "adjustment_type", "adjustment_value", "priority", "date_range_start", "date_range_end", "is_active"]
    list_filter = ["store", "room_type", "is_active", "adjustment_type"]
    list_select_related = ["store", "room_type"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["store"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in services.PRICING_RULE_FIELDS if f in form.cleaned_data}
        if change:
            changed = {f: v for f, v in data.items() if f in form.changed_data}
            saved = services.pricing_rule_update(rule=obj, actor=request.user, **changed)
        else:
            saved = services.pricing_rule_create(store=form.cleaned_data["store"], actor=request.user, **data)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.pricing_rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.pricing_rule_delete(rule=rule, actor=request.user)


# --- read-only views of what the desk does -----------------------------------------


@admin.register(RoomLock)
class RoomLockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["room", "store", "lock_type", "start_date", "end_date", "released_at", "created_by"]
    list_filter = ["store", "lock_type"]
    list_select_related = ["room", "store", "created_by"]


@admin.register(HousekeepingEvent)
class HousekeepingEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["room", "from_status", "to_status", "source", "actor", "created_at"]
    list_filter = ["store", "to_status", "source"]
    list_select_related = ["room", "actor"]
