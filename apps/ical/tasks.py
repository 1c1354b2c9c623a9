"""Celery tasks of iCal (thin: tenant-aware, idempotent)."""
from __future__ import annotations

import logging

from celery import shared_task
from django_tenants.utils import tenant_context

from apps.common.errors import DomainError
from apps.common.tasks import active_tenants
from apps.ical.models import IcalImport
from apps.ical.services import ical_import_run

logger = logging.getLogger(__name__)


@shared_task(name="ical.import_all", acks_late=True)
def import_all() -> int:
    """Celery beat, every 15 minutes: read every active imported calendar of every tenant
    (a feed that fails keeps its error and is read again next time)."""
    runs = 0
    for tenant in active_tenants():
        with tenant_context(tenant):
            for feed in IcalImport.objects.filter(is_active=True).select_related("store", "room__room_type", "channel"):
                try:
                    ical_import_run(feed=feed)
                    runs += 1
                except DomainError:
                    logger.warning("ical.import_failed", extra={"feed_id": feed.pk})
    return runs
