"""Pricing rules of a room type (``pms_room_pricing_rules``): validated, created, changed, deleted."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.models import PricingRule, RoomType
from apps.rooms.services.checks import _invalid, logger

PRICING_RULE_FIELDS = frozenset({
    "room_type", "name", "date_range_start", "date_range_end", "days_of_week", "min_los", "max_los",
    "adjustment_type", "adjustment_value", "priority", "is_active",
})


def pricing_rule_validate(*, store, values: dict[str, Any]) -> dict[str, Any]:
    """Check a rule's values (friendly twin of the table's CHECKs); returns them normalised."""
    v = dict(values)
    fields: dict[str, str] = {}
    room_type = v.get("room_type")
    if room_type is None or room_type.store_id != store.pk:
        fields["room_type"] = _("No such room type in this store.")
    v["name"] = (v.get("name") or "").strip()
    if not v["name"]:
        fields["name"] = _("This field may not be blank.")
    start, end = v.get("date_range_start"), v.get("date_range_end")
    if start and end and end < start:
        fields["date_range_end"] = _("Must be on or after the first night.")
    days = v.get("days_of_week") or []
    try:
        days = sorted({int(d) for d in days})
    except (TypeError, ValueError):
        days = [-1]
    if any(d < 0 or d > 6 for d in days):
        fields["days_of_week"] = _("Weekdays are 0 (Monday) to 6 (Sunday).")
    v["days_of_week"] = days
    min_los, max_los = v.get("min_los"), v.get("max_los")
    for name, nights in (("min_los", min_los), ("max_los", max_los)):
        if nights is not None and nights < 1:
            fields[name] = _("At least one night.")
        elif nights is not None and nights > PricingRule.LOS_MAX:
            fields[name] = _("At most %(max)d nights.") % {"max": PricingRule.LOS_MAX}
    if min_los is not None and max_los is not None and max_los < min_los:
        fields["max_los"] = _("Must not be less than the minimum nights.")
    kind = v.get("adjustment_type")
    try:
        value = Decimal(v.get("adjustment_value"))
    except (TypeError, InvalidOperation):
        value = None
        fields["adjustment_value"] = _("A number is required.")
    if kind not in PricingRule.AdjustmentType.values:
        fields["adjustment_type"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(PricingRule.AdjustmentType.values)}
    elif value is not None and kind == PricingRule.AdjustmentType.FIXED and value < 0:
        fields["adjustment_value"] = _("A fixed price must be zero or more.")
    elif value is not None and kind == PricingRule.AdjustmentType.PERCENT and value <= -100:
        fields["adjustment_value"] = _("A percentage must be above -100.")
    elif value is not None and kind == PricingRule.AdjustmentType.PERCENT and value > PricingRule.PERCENT_MAX:
        fields["adjustment_value"] = _("A percentage is at most +%(max)s %%.") % {"max": PricingRule.PERCENT_MAX}
    if fields:
        raise _invalid(RoomsErrorCode.PRICING_RULE_INVALID, _("This pricing rule is not coherent."), fields)
    v["adjustment_value"] = value
    return v


def pricing_rule_create(
    *, store, room_type: RoomType, name: str, adjustment_type: str, adjustment_value: Decimal,
    date_range_start: date | None = None, date_range_end: date | None = None, days_of_week: Iterable[int] = (),
    min_los: int | None = None, max_los: int | None = None, priority: int = 0, is_active: bool = True, actor=None,
) -> PricingRule:
    values = pricing_rule_validate(store=store, values={
        "room_type": room_type, "name": name, "adjustment_type": adjustment_type, "adjustment_value": adjustment_value,
        "date_range_start": date_range_start, "date_range_end": date_range_end, "days_of_week": days_of_week,
        "min_los": min_los, "max_los": max_los, "priority": priority, "is_active": is_active,
    })
    rule = PricingRule.objects.create(store=store, **values)
    logger.info("pricing_rule.created", extra={"rule_id": rule.pk, "room_type_id": room_type.pk, "actor_id": getattr(actor, "pk", None)})
    return rule


def pricing_rule_update(*, rule: PricingRule, actor=None, **changes: Any) -> PricingRule:
    unknown = set(changes) - PRICING_RULE_FIELDS
    if unknown:
        raise TypeError(f"pricing_rule_update: unknown fields {sorted(unknown)}")
    with transaction.atomic():
        locked = PricingRule.objects.select_for_update(of=("self",), no_key=True).select_related("store", "room_type").get(pk=rule.pk)
        current = {f: getattr(locked, f) for f in PRICING_RULE_FIELDS}
        values = pricing_rule_validate(store=locked.store, values={**current, **changes})
        for key in changes:
            setattr(locked, key, values[key])
        if changes:
            locked.save(update_fields=sorted(changes))
    logger.info("pricing_rule.updated", extra={"rule_id": locked.pk, "fields": sorted(changes), "actor_id": getattr(actor, "pk", None)})
    return locked


def pricing_rule_delete(*, rule: PricingRule, actor=None) -> None:
    """Rules are configuration, not history: prices already quoted live on the orders."""
    rule_id = rule.pk
    PricingRule.objects.filter(pk=rule_id).delete()
    logger.info("pricing_rule.deleted", extra={"rule_id": rule_id, "actor_id": getattr(actor, "pk", None)})
