"""The order outbox: every committed order change is logged as an event with fields and
handed to the outbox's subscribers (apps that publish ``OrderEvent`` rows: notifications;
webhooks later), which register from their ``AppConfig.ready()``. An explicit registry
rather than a signal (STYLE 11): orders stays free of its consumers, and the list of them
is one place to read. Publishers claim unpublished events and mark them published here:
orders owns the table."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from apps.common import metrics
from apps.orders.models import Order, OrderEvent

logger = logging.getLogger(__name__)


# Apps that publish the OrderEvent outbox (notifications; webhooks later) subscribe from
# their AppConfig.ready(): each subscriber is called as ``fn(event, order_id=..., store_id=...,
# **fields)`` once the transaction that wrote the order's events has committed. An explicit
# registry rather than a signal (STYLE 11): orders stays free of its consumers, and the
# list of them is one place to read.
_OUTBOX_SUBSCRIBERS: list[Callable[..., None]] = []


def order_outbox_subscribe(fn: Callable[..., None]) -> None:
    """Call ``fn`` after each committed order change (idempotent per function)."""
    if fn not in _OUTBOX_SUBSCRIBERS:
        _OUTBOX_SUBSCRIBERS.append(fn)


def order_events_unpublished_claim(*, batch: int) -> list[OrderEvent]:
    """The oldest events not published yet (the outbox), at most ``batch``, locked for the
    caller's transaction: ``FOR NO KEY UPDATE SKIP LOCKED``, so concurrent publishers take
    disjoint rows. The caller marks them published (``order_events_mark_published``)
    before its transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError("order_events_unpublished_claim() must run inside the publisher's transaction")
    return list(
        OrderEvent.objects.select_for_update(skip_locked=True, no_key=True).filter(published_at__isnull=True).order_by("id")[:batch]
    )


def order_events_mark_published(*, event_ids: list[int], at) -> None:
    """Take events out of the outbox (the publisher holds them: ``order_events_unpublished_claim``)."""
    OrderEvent.objects.filter(pk__in=event_ids).update(published_at=at)


# Committed changes counted in the metrics (apps/common/metrics.py), once each.
_COUNTED: dict[str, Callable[[int], None]] = {
    "order.created": lambda store_id: metrics.booking_created(store_id=store_id),
    "order.checked_in": lambda store_id: metrics.checked_in(),
    "order.checked_out": lambda store_id: metrics.checked_out(),
}


def _after_commit(event: str, order: Order, **fields: Any) -> None:
    # The commit is logged as an event with fields; outbox subscribers publish the
    # OrderEvent rows (a subscriber's failure never reaches the caller: robust).
    extra = {"order_id": order.pk, "store_id": order.store_id, **fields}
    transaction.on_commit(lambda: logger.info(event, extra=extra))
    counted = _COUNTED.get(event)
    if counted is not None:
        transaction.on_commit(lambda: counted(order.store_id))
    for subscriber in _OUTBOX_SUBSCRIBERS:
        transaction.on_commit(lambda fn=subscriber: fn(event, **extra), robust=True)


_OUTBOX_AGE_SQL = """
    SELECT %s, extract(epoch FROM now() - min(e.at)) FROM {schema}.orders_orderevent e WHERE e.published_at IS NULL
"""


def outbox_state_samples(tenants: list[metrics.TenantRef]) -> list[metrics.Sample]:
    """``pms_outbox_oldest_pending_age_seconds`` at a scrape: the oldest event not yet
    published, over every tenant (0 when none waits)."""
    ages = [age for _tenant, age in metrics.rows_per_tenant(tenants, _OUTBOX_AGE_SQL) if age is not None]
    return [metrics.Sample("pms_outbox_oldest_pending_age_seconds", {}, max([0.0, *(float(a) for a in ages)]))]
