"""Django admin of folios. Posted transactions and folio events are read-only (no add,
change or delete: the ledger is append-only, and the database would refuse anyway);
folios are read-only too (their totals belong to the ledger). Payment methods and the
extra-charge catalogue are edited through the services; never deleted (switch them off)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from rest_framework.exceptions import ValidationError as ApiValidationError

from apps.common.admin import ReadOnlyAdminMixin
from apps.common.errors import DomainError
from apps.common.fields import JSONObjectField
from apps.folios import services
from apps.folios.models import ExtraChargeItem, Folio, FolioEvent, FolioTransaction, PaymentMethod


class TransactionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FolioTransaction
    fk_name = "folio"
    extra = 0
    fields = ["id", "posted_at", "business_date", "transaction_type", "posts_to", "charge_type", "amount", "description", "payment_method",
              "reverses", "transfer_of", "reason", "actor"]
    readonly_fields = fields
    ordering = ["id"]
    show_change_link = True


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FolioEvent
    extra = 0
    fields = ["at", "kind", "actor", "reason", "data"]
    readonly_fields = fields


@admin.register(Folio)
class FolioAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "order", "name", "is_primary", "currency", "total_charges", "total_payments", "total_refunds",
                    "balance", "status", "closed_at"]
    list_filter = ["store", "is_primary"]
    search_fields = ["order__code", "name"]
    list_select_related = ["order"]
    readonly_fields = ["store", "order", "name", "is_primary", "currency", "total_charges", "total_discounts", "total_payments",
                       "total_refunds", "total_deposits", "total_deposit_returns", "balance", "status", "notes", "closed_at",
                       "closed_by", "created_by", "created_at"]
    fields = readonly_fields
    inlines = [TransactionInline, EventInline]


@admin.register(FolioTransaction)
class FolioTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "folio", "posted_at", "business_date", "transaction_type", "posts_to", "charge_type", "amount", "currency",
                    "payment_method", "actor"]
    list_filter = ["store", "transaction_type", "posts_to"]
    search_fields = ["description", "gateway_txn_id", "reason"]
    list_select_related = ["folio", "payment_method", "actor"]
    readonly_fields = [f.name for f in FolioTransaction._meta.fields]
    fields = readonly_fields


class ServiceAdminMixin:
    """Turn a service refusal during save into an error message; never delete."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request, obj=None):
        return False


class _DetailsField(forms.JSONField):
    def prepare_value(self, value):
        """Django writes the value back into the textarea with ``ensure_ascii=False``; a
        refused lone surrogate would then break the page's UTF-8 encoding (a 500)."""
        text = super().prepare_value(value)
        return text.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(text, str) else text


class PaymentMethodForm(forms.ModelForm):
    details = _DetailsField(required=False)

    def clean_details(self):
        """What the API accepts (``JSONObjectField``): a JSON object jsonb can store
        (no 1e400, NUL or lone surrogate, which PostgreSQL refused with a 500)."""
        try:
            return JSONObjectField().run_validation(self.cleaned_data.get("details") or {})
        except ApiValidationError as exc:
            raise ValidationError([str(message) for message in exc.detail]) from None


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = PaymentMethodForm
    list_display = ["name", "store", "method_type", "is_active", "sort_order"]
    list_filter = ["store", "method_type", "is_active"]
    fields = ["store", "name", "method_type", "details", "is_active", "sort_order"]

    def get_readonly_fields(self, request, obj=None):
        return ["store"] if obj else []

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in ["name", "method_type", "details", "is_active", "sort_order"]}
        if change:
            services.payment_method_update(method=obj, **values)
        else:
            created = services.payment_method_create(store=form.cleaned_data["store"], **values)
            obj.pk = created.pk


@admin.register(ExtraChargeItem)
class ExtraChargeItemAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "store", "category", "default_price", "is_taxable", "is_active"]
    list_filter = ["store", "category", "is_active"]
    fields = ["store", "name", "category", "default_price", "is_taxable", "description", "is_active", "sort_order"]

    def get_readonly_fields(self, request, obj=None):
        return ["store"] if obj else []

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in ["name", "category", "default_price", "is_taxable", "description", "is_active", "sort_order"]}
        if change:
            services.extra_item_update(item=obj, **values)
        else:
            created = services.extra_item_create(store=form.cleaned_data["store"], **values)
            obj.pk = created.pk
