"""Celery tasks of the night audit (thin, tenant-aware, idempotent): the audit of one store
and the periodic dispatcher that starts it for every store of every tenant when due.

The task names keep the ``reports.`` prefix of the release where the audit lived in
``apps.reports``: a name is what a queued message and the beat schedule refer to, so a
message queued before an upgrade still finds its task after it."""
from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django_tenants.utils import tenant_context

from apps.common.errors import DomainError
from apps.common.tasks import active_tenants, beat_slot_lock, tenant_task
from apps.night_audit.error_codes import NightAuditErrorCode
from apps.night_audit.selectors import stores_due_for_audit
from apps.night_audit.services import AuditLockTimeout, night_audit_run
from apps.tenancy.selectors import store_get_active

logger = logging.getLogger(__name__)

# Refusals that mean "nothing to do now" for a queued audit: returned, not raised.
QUIET = frozenset({
    NightAuditErrorCode.AUDIT_DATE_IN_FUTURE, NightAuditErrorCode.AUDIT_DAY_NOT_OVER, NightAuditErrorCode.AUDIT_DATE_CLOSED,
})
DISPATCH_PERIOD_S = 300
# ``audit_in_progress``: another attempt holds the day, alive or a worker that was just
# killed (its session is ended within seconds: services._LEASE_SQL). This delivery tries
# again, PMS_AUDIT_BUSY_RETRY_SECONDS x (1, 2, 3, ...) up to a minute apart, about 15
# minutes in all (longer than the task's time limit plus the lease), and then finds the
# day closed by the holder (nothing to do) or closes it itself: the day is closed once.
BUSY_MAX_RETRIES = 20
BUSY_MAX_WAIT_S = 60


@tenant_task(
    name="reports.night_audit",
    # Idempotent (database keys, one transaction): safe to acknowledge late and to run
    # again after a lost worker.
    acks_late=True, reject_on_worker_lost=True,
    # A deadlock, a dropped connection or a lock held past the audit's lock timeout rolled the
    # attempt back: try again.
    autoretry_for=(OperationalError, InterfaceError, AuditLockTimeout), retry_backoff=5, retry_backoff_max=300, retry_jitter=True,
    max_retries=5, soft_time_limit=240, time_limit=300,
)
def night_audit(task, *, store_id: int, business_date: str | None = None, trigger: str = "beat") -> dict | None:
    """Close ``business_date`` (ISO date; default the open one) of store ``store_id``."""
    store = store_get_active(store_id=store_id)
    if store is None:
        return None
    day = date.fromisoformat(business_date) if business_date else None
    try:
        outcome = night_audit_run(store=store, business_date=day, trigger=trigger)
    except DomainError as exc:
        if exc.code == NightAuditErrorCode.AUDIT_IN_PROGRESS:
            retries = task.request.retries or 0
            logger.info("night_audit.busy_retry", extra={"store_id": store_id, "business_date": business_date, "retries": retries})
            raise task.retry(exc=exc, countdown=min(BUSY_MAX_WAIT_S, settings.PMS_AUDIT_BUSY_RETRY_SECONDS * (retries + 1)),
                             max_retries=BUSY_MAX_RETRIES) from exc
        if exc.code not in QUIET:
            raise
        logger.info("night_audit.skipped", extra={"store_id": store_id, "business_date": business_date, "code": exc.code})
        return {"store_id": store_id, "business_date": business_date, "skipped": exc.code}
    audit = outcome.audit
    if outcome.ran and trigger == "beat":
        # Behind by several days (workers were down): close the next one at once.
        for due_store, due_day in stores_due_for_audit(stores=[store]):
            night_audit.delay(schema_name=connection.schema_name, store_id=due_store.pk,
                              business_date=due_day.isoformat(), trigger="beat")
    return {"store_id": store_id, "business_date": audit.business_date.isoformat(), "ran": outcome.ran,
            "status": audit.status}


@shared_task(name="reports.dispatch_night_audits", acks_late=True, soft_time_limit=240, time_limit=280)
def dispatch_night_audits() -> int:
    """Celery beat, every 5 minutes: enqueue the audit of every store whose business date
    is due (its audit time has passed). Only the first beat of a period dispatches."""
    if not beat_slot_lock("reports.dispatch_night_audits", DISPATCH_PERIOD_S):
        return 0
    queued = 0
    for tenant in active_tenants():
        with tenant_context(tenant):
            for store, day in stores_due_for_audit():
                night_audit.delay(schema_name=tenant.schema_name, store_id=store.pk, business_date=day.isoformat(), trigger="beat")
                queued += 1
    logger.info("night_audit.dispatched", extra={"queued": queued})
    return queued
