"""Input and output serializers of the night audit API (the business date, the audit and its records)."""
from __future__ import annotations

from rest_framework import serializers

from apps.common.fields import CalendarDateField, WallClockTimeField
from apps.night_audit.models import NightAudit
from apps.night_audit.selectors import NO_SHOW_POLICIES

MONEY = {"max_digits": 14, "decimal_places": 2}


class NightAuditRunInSerializer(serializers.Serializer):
    business_date = CalendarDateField(
        required=False, allow_null=True, default=None,
        help_text="The business day to close; default the open one. An earlier, closed day answers its record.",
    )


class NightAuditRowSerializer(serializers.Serializer):
    """An audit record without its row-by-row details."""

    id = serializers.IntegerField(read_only=True)
    business_date = CalendarDateField(read_only=True)
    # A plain string, not an enum: an enum named after "status" would collide with orders' one.
    status = serializers.CharField(read_only=True, help_text="`running`, `done` or `failed`.")
    trigger = serializers.ChoiceField(choices=NightAudit.Trigger.choices, read_only=True)
    triggered_by = serializers.CharField(source="triggered_by.username", read_only=True, default=None, allow_null=True)
    attempts = serializers.IntegerField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True)
    last_attempt_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    duration_ms = serializers.IntegerField(read_only=True, allow_null=True)
    currency = serializers.CharField(read_only=True)
    room_charges_posted = serializers.DecimalField(read_only=True, **MONEY)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    last_error = serializers.CharField(read_only=True)


class NightAuditDetailSerializer(NightAuditRowSerializer):
    details = serializers.DictField(
        read_only=True,
        help_text="`posted` [{order_id, code, transaction_id, amount}], `already_posted`, `not_posted` "
        "[{order_id, code, reason, detail?}] (reason: `zero_rate`, `folio_closed`, `no_line`, `amount_too_large`, "
        "`folio_limit_exceeded`, `posting_refused` with the database's SQLSTATE in `detail`), `no_shows`, "
        "`no_show_refused`, `arrivals_pending`, `departures_pending`, `member_stays` (stays checked out that day counted for their member by the audit, apps.members).",
    )


class NightAuditRunOutSerializer(NightAuditDetailSerializer):
    ran = serializers.BooleanField(read_only=True, help_text="False: the day was already closed; nothing was posted.")


class BusinessDateOutSerializer(serializers.Serializer):
    business_date = CalendarDateField(read_only=True)
    opened_at = serializers.DateTimeField(read_only=True)
    time_zone = serializers.CharField(read_only=True)
    local_now = serializers.DateTimeField(read_only=True)
    audit_time = WallClockTimeField(read_only=True)
    no_show_policy = serializers.ChoiceField(choices=[(p, p) for p in NO_SHOW_POLICIES], read_only=True)
    audit_due_at = serializers.DateTimeField(read_only=True)
    audit_due = serializers.BooleanField(read_only=True)
    last_audit = NightAuditRowSerializer(read_only=True, allow_null=True)
