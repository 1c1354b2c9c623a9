"""Celery tasks of webhooks (thin: tenant-aware, idempotent)."""
from __future__ import annotations

from celery import shared_task
from django_tenants.utils import get_tenant_model, tenant_context

from apps.common.tasks import active_tenants


def _tenant(schema_name: str):
    return get_tenant_model().objects.filter(schema_name=schema_name).first()


@shared_task(name="webhooks.pump", acks_late=True)
def pump(*, schema_name: str) -> int:
    """The feed into deliveries, then a delivery task per (subscription, order) touched."""
    from apps.webhooks.services import _enqueue_deliveries, webhooks_pump

    tenant = _tenant(schema_name)
    if tenant is None:
        return 0
    with tenant_context(tenant):
        pairs = webhooks_pump()
        _enqueue_deliveries(pairs)
    return len(pairs)


@shared_task(name="webhooks.deliver", acks_late=True)
def deliver(*, schema_name: str, subscription_id: int, order_id: int) -> None:
    """Post the pair's due deliveries in order; if one must wait, come back then."""
    from apps.webhooks.services import deliveries_run

    tenant = _tenant(schema_name)
    if tenant is None:
        return
    with tenant_context(tenant):
        wait = deliveries_run(subscription_id=subscription_id, order_id=order_id)
    if wait is not None and not deliver.app.conf.task_always_eager:
        deliver.apply_async(kwargs={"schema_name": schema_name, "subscription_id": subscription_id, "order_id": order_id},
                            countdown=max(wait, 0.05))


@shared_task(name="webhooks.sweep", acks_late=True)
def sweep() -> int:
    """Celery beat, every minute: in every tenant, pump the feed and queue every pair with
    a delivery due (what a kick or a retry message missed)."""
    from apps.webhooks.services import _enqueue_deliveries, due_pairs, webhooks_pump

    queued = 0
    for tenant in active_tenants():
        with tenant_context(tenant):
            pairs = webhooks_pump() | due_pairs()
            _enqueue_deliveries(pairs)
            queued += len(pairs)
    return queued
