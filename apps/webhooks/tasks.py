"""Celery tasks of webhooks (thin: tenant-aware, idempotent), and how they are queued:
after an order change (``outbox_kick``, orders' outbox subscriber) and for the pairs of a
pump or a re-send (``enqueue_deliveries``)."""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from celery import shared_task
from django.conf import settings
from django.db import connection, connections
from django_tenants.utils import get_tenant_model, tenant_context

from apps.common.tasks import active_tenants
from apps.webhooks.services import deliveries_run, due_pairs, webhooks_pump

logger = logging.getLogger(__name__)


def _tenant(schema_name: str):
    return get_tenant_model().objects.filter(schema_name=schema_name).first()


@shared_task(name="webhooks.pump", acks_late=True)
def pump(*, schema_name: str) -> int:
    """The feed into deliveries, then a delivery task per (subscription, order) touched."""
    tenant = _tenant(schema_name)
    if tenant is None:
        return 0
    with tenant_context(tenant):
        pairs = webhooks_pump()
        enqueue_deliveries(pairs)
    return len(pairs)


def _run_pair(tenant, subscription_id: int, order_id: int) -> float | None:
    """One pair in a thread of its own, on its own connection (closed at the end)."""
    try:
        connection.set_tenant(tenant)
        return deliveries_run(subscription_id=subscription_id, order_id=order_id)
    finally:
        connections.close_all()


@shared_task(name="webhooks.deliver", acks_late=True)
def deliver(*, schema_name: str, pairs: list[list[int]]) -> None:
    """Post the due deliveries of each (subscription, order) pair, each pair in event
    order under its advisory lock, ``PMS_WEBHOOK_DELIVERY_THREADS`` pairs at a time (a
    post mostly waits on the receiver and the database); the pairs that must wait come back
    in one message when the first is due."""
    tenant = _tenant(schema_name)
    if tenant is None:
        return
    threads = max(1, int(getattr(settings, "PMS_WEBHOOK_DELIVERY_THREADS", 8)))
    with ThreadPoolExecutor(max_workers=min(threads, len(pairs) or 1)) as pool:
        waits = list(pool.map(lambda pair: _run_pair(tenant, pair[0], pair[1]), pairs))
    waiting = [(pair, wait) for pair, wait in zip(pairs, waits) if wait is not None]
    if waiting and not deliver.app.conf.task_always_eager:
        deliver.apply_async(kwargs={"schema_name": schema_name, "pairs": [p for p, _w in waiting]},
                            countdown=max(min(w for _p, w in waiting), 0.05))


@shared_task(name="webhooks.sweep", acks_late=True)
def sweep() -> int:
    """Celery beat, every minute: in every tenant, pump the feed and queue every pair with
    a delivery due (what a kick or a retry message missed)."""
    queued = 0
    for tenant in active_tenants():
        with tenant_context(tenant):
            pairs = webhooks_pump() | due_pairs()
            enqueue_deliveries(pairs)
            queued += len(pairs)
    return queued


# Pairs per delivery message: one task posts many (a message per pair costs more than the post).
PAIRS_PER_TASK = 100


def enqueue_deliveries(pairs) -> None:
    """Queue the delivery of (subscription, order) pairs, ``PAIRS_PER_TASK`` a message (never
    raises: the sweep covers a refusal)."""
    schema = connection.schema_name
    ordered = [list(p) for p in sorted(pairs)]
    for i in range(0, len(ordered), PAIRS_PER_TASK):
        try:
            deliver.delay(schema_name=schema, pairs=ordered[i:i + PAIRS_PER_TASK])
        except Exception:  # noqa: BLE001 - the broker is away: the sweep delivers within a minute
            logger.exception("webhook.enqueue_failed", extra={"pairs": len(ordered[i:i + PAIRS_PER_TASK])})


# --- the kick after an order change ------------------------------------------------------------

_kick_lock = threading.Lock()
_kick_pending_until: dict[str, float] = {}


def outbox_kick(event: str, **fields) -> None:
    """Orders' outbox subscriber (after the commit of an order change): have the pump run
    in a worker soon, at most one message per tenant and ``PMS_WEBHOOK_KICK_WINDOW_S`` per
    process, sent from a daemon thread (a request never waits for the broker). Never
    raises. With tasks run eagerly (tests), nothing: the tests drive the pump and the sweep
    covers everything within a minute."""
    if pump.app.conf.task_always_eager:
        return
    schema = connection.schema_name
    window = float(getattr(settings, "PMS_WEBHOOK_KICK_WINDOW_S", 0.2))
    now = time.monotonic()
    with _kick_lock:
        if _kick_pending_until.get(schema, 0) > now:
            return
        _kick_pending_until[schema] = now + window

    def send() -> None:
        try:
            pump.apply_async(kwargs={"schema_name": schema}, countdown=window)
        except Exception:  # noqa: BLE001 - the sweep covers it
            logger.exception("webhook.kick_failed")

    threading.Thread(target=send, name="webhook-kick", daemon=True).start()
