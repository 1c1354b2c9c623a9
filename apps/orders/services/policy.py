"""A store's cancellation and no-show terms (``CancellationPolicy``): set by a manager. Orders
booked from then on copy them; orders already booked keep the terms they were booked
under (``apps/orders/policy.py``)."""
from __future__ import annotations

from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import CancellationPolicy
from apps.orders.services.recipe import _invalid, _user
from apps.tenancy.models import Store

POLICY_FIELDS = (
    "free_cancel_hours", "check_in_time", "cancel_fee", "cancel_fee_percent", "no_show_fee", "pending_expiry_minutes",
)


def _check(values: dict[str, Any]) -> None:
    def bad(field: str, message: str):
        return _invalid(OrderErrorCode.POLICY_VALUE_INVALID, message, field)

    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    hours = values.get("free_cancel_hours")
    if hours is not None and not (isinstance(hours, int) and 0 <= hours <= 720):
        raise bad("free_cancel_hours", _("Enter a number of hours from 0 to 720."))
    minutes = values.get("pending_expiry_minutes")
    if minutes is not None and not (isinstance(minutes, int) and 0 <= minutes <= 43200):
        raise bad("pending_expiry_minutes", _("Enter a number of minutes from 0 (never) to 43200."))
    if "check_in_time" in values and not isinstance(values["check_in_time"], time):
        raise bad("check_in_time", _("Enter a time of day."))
    if "cancel_fee" in values and values["cancel_fee"] not in CancellationPolicy.CancelFee.values:
        raise bad("cancel_fee", _("Choose a cancellation fee."))
    if "no_show_fee" in values and values["no_show_fee"] not in CancellationPolicy.NoShowFee.values:
        raise bad("no_show_fee", _("Choose a no-show fee."))
    if "cancel_fee_percent" in values:
        try:
            percent = Decimal(values["cancel_fee_percent"])
        except (InvalidOperation, TypeError, ValueError):
            percent = Decimal(-1)
        if not (0 <= percent <= 100):
            raise bad("cancel_fee_percent", _("Enter a percentage from 0 to 100."))
        values["cancel_fee_percent"] = percent.quantize(Decimal("0.01"))


@transaction.atomic
def cancellation_policy_update(*, store: Store, actor, **values: Any) -> CancellationPolicy:
    """Change the store's terms (the row is written on the first change; until then the
    store has the defaults). Refused with ``policy_value_invalid`` and nothing written if
    a value is out of range. Orders already booked keep their copy."""
    _check(values)
    # the row as it is, locked (two managers' changes of different terms both stay)
    policy = CancellationPolicy.objects.select_for_update().filter(store_id=store.pk).first()
    if policy is None:
        CancellationPolicy.objects.bulk_create([CancellationPolicy(store_id=store.pk)], ignore_conflicts=True)
        policy = CancellationPolicy.objects.select_for_update().get(store_id=store.pk)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_by = _user(actor)
    policy.save()
    return policy
