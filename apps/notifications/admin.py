"""Django admin of notifications: templates are edited here (tenant-wide wording has no
store); the log is read-only."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.common.errors import DomainValidationError
from apps.notifications.models import Notification, NotificationTemplate
from apps.notifications.services import template_check


class TemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["store", "event", "channel", "language", "subject", "body"]

    def clean(self):
        data = super().clean()
        for field in ("subject", "body"):
            try:
                template_check(field, data.get(field) or "")
            except DomainValidationError as exc:
                raise ValidationError({field: exc.message}) from exc
        return data


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["event", "channel", "language", "store", "updated_at"]
    list_filter = ["event", "channel", "language", "store"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "channel", "status", "attempts", "recipient_masked", "order", "sent_at"]
    list_filter = ["status", "event", "channel"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
