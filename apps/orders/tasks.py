"""Celery tasks of orders (thin: tenant-aware, idempotent)."""
from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_tenant_model, tenant_context

from apps.common.tasks import active_tenants, beat_slot_lock

EXPIRE_PERIOD_S = 300


@shared_task(name="orders.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Delete expired Idempotency-Key records in every tenant (safe to run any time, any number of times)."""
    from apps.orders.idempotency import idempotency_purge_expired

    purged = 0
    for tenant in get_tenant_model().objects.exclude(schema_name="public").filter(is_template=False):
        with tenant_context(tenant):
            purged += idempotency_purge_expired()
    return purged


@shared_task(name="orders.expire_pending", acks_late=True, soft_time_limit=240, time_limit=280)
def expire_pending() -> int:
    """Celery beat, every 5 minutes: in every tenant, cancel the orders left pending
    confirmation longer than their store allows (超时未确认;
    ``apps.orders.services.orders_expire_pending``). Idempotent; only the first beat of a
    period runs, and a second run at once would skip the rows the first holds."""
    from apps.orders.services import orders_expire_pending

    if not beat_slot_lock("orders.expire_pending", EXPIRE_PERIOD_S):
        return 0
    expired = 0
    for tenant in active_tenants():
        with tenant_context(tenant):
            expired += len(orders_expire_pending())
    return expired
