"""Celery tasks of notifications (thin, tenant-aware, idempotent): publish the order
outbox, send one notification, and the periodic sweep and arrival-reminder dispatch."""
from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.common.tasks import active_tenants, beat_slot_lock, tenant_task
from apps.notifications.models import Notification
from apps.notifications.selectors import REMINDER_WINDOW_END, notify_settings
from apps.notifications.services import (
    arrival_reminders_queue,
    notification_send,
    notifications_requeue_due,
    order_events_publish,
)
from apps.tenancy.business_day import store_local_now
from apps.tenancy.selectors import store_list_active

logger = logging.getLogger(__name__)

SWEEP_PERIOD_S = 60
REMINDER_PERIOD_S = 600


@tenant_task(
    name="notifications.publish_order_events", acks_late=True, reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, retry_backoff_max=60, max_retries=5,
    soft_time_limit=120, time_limit=150,
)
def publish_order_events(task) -> int:
    """Publish the tenant's unpublished order events into notifications."""

    return order_events_publish()


@tenant_task(
    name="notifications.send", acks_late=True, reject_on_worker_lost=True, max_retries=None,
    # PostgreSQL restarting or a connection lost: nothing was sent (the row lock is taken
    # first), try again shortly rather than wait for the sweep (scripts/faults.py)
    autoretry_for=(OperationalError, InterfaceError), retry_backoff=2, retry_backoff_max=60, retry_jitter=True,
    soft_time_limit=60, time_limit=90,
)
def send_notification(task, *, notification_id: int) -> str | None:
    """One attempt at sending notification ``notification_id``; if it failed and another
    attempt is due, retry with the backoff the row records (the row is the truth: a
    duplicate message finds it sent, or locked by the worker sending it, and stops)."""

    n = notification_send(notification_id=notification_id)
    if n is None:
        return None
    if n.status == Notification.Status.QUEUED:
        countdown = max(0, (n.next_attempt_at - timezone.now()).total_seconds())
        raise task.retry(countdown=countdown, max_retries=None)
    return n.status


@shared_task(name="notifications.sweep", acks_late=True, soft_time_limit=50, time_limit=58)
def sweep() -> dict:
    """Celery beat, every minute: publish what the on-commit kicks missed and enqueue again
    the sends whose message was lost. Only the first beat of a period runs."""

    if not beat_slot_lock("notifications.sweep", SWEEP_PERIOD_S):
        return {"skipped": True}
    published = requeued = 0
    for tenant in active_tenants():
        with tenant_context(tenant):
            published += order_events_publish()
            requeued += notifications_requeue_due()
    return {"published": published, "requeued": requeued}


@shared_task(name="notifications.dispatch_arrival_reminders", acks_late=True, soft_time_limit=240, time_limit=280)
def dispatch_arrival_reminders() -> int:
    """Celery beat, every 10 minutes: in every store whose local time is inside its
    reminder window (``notify.reminder_time`` to 21:00), queue the reminders of
    tomorrow's arrivals (once per order, date and channel)."""

    if not beat_slot_lock("notifications.dispatch_arrival_reminders", REMINDER_PERIOD_S):
        return 0
    queued = 0
    now = timezone.now()
    for tenant in active_tenants():
        with tenant_context(tenant):
            for store in store_list_active():
                local = store_local_now(store=store, now=now)
                if notify_settings(store=store).reminder_time <= local.time() < REMINDER_WINDOW_END:
                    queued += arrival_reminders_queue(store=store, arrival=local.date() + timedelta(days=1))
    return queued
