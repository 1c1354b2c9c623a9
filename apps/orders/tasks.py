"""Celery tasks of orders (thin: tenant-aware, idempotent)."""
from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_tenant_model, tenant_context


@shared_task(name="orders.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Delete expired Idempotency-Key records in every tenant (safe to run any time, any number of times)."""
    from apps.orders.idempotency import idempotency_purge_expired

    purged = 0
    for tenant in get_tenant_model().objects.exclude(schema_name="public").filter(is_template=False):
        with tenant_context(tenant):
            purged += idempotency_purge_expired()
    return purged
