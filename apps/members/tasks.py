"""Celery tasks of members (thin: tenant-aware, idempotent)."""
from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.common.tasks import active_tenants, beat_slot_lock

DAILY_PERIOD_S = 3600


@shared_task(name="members.daily", acks_late=True, soft_time_limit=1800, time_limit=1900)
def members_daily() -> dict[str, int]:
    """Celery beat, daily: in every tenant, expire the points past their day and close the
    level periods that ended (``points_expire``, ``members_period_close``; both idempotent:
    a rerun expires and changes nothing twice)."""
    from apps.members.services import members_period_close, points_expire

    totals = {"expired_points": 0, "upgrade": 0, "downgrade": 0, "kept": 0}
    if not beat_slot_lock("members.daily", DAILY_PERIOD_S):
        return totals
    today = timezone.localdate()
    for tenant in active_tenants():
        with tenant_context(tenant):
            totals["expired_points"] += points_expire(on=today)
            for kind, n in members_period_close(on=today).items():
                totals[kind] += n
    return totals
