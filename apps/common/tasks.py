"""Tenant-aware Celery tasks (STYLE 10): thin, take ids, idempotent, run in the right schema.

A worker serves every tenant, so a task never relies on a ``search_path`` left over from
the previous one. Every task made with ``tenant_task`` takes the tenant's schema name as
its first keyword argument and runs inside ``tenant_context`` for that tenant; a tenant
that was deleted or deactivated meanwhile makes the task return quietly (``None``).

    @tenant_task(name="reports.night_audit", acks_late=True)
    def night_audit(task, *, store_id: int, business_date: str | None = None): ...

    night_audit.delay(schema_name=connection.schema_name, store_id=store.pk)
    delay_on_commit(night_audit, store_id=store.pk)      # from inside a transaction

Periodic dispatchers (Celery beat) iterate ``active_tenants()`` and guard themselves with
``beat_slot_lock()`` so that a second beat scheduler started by mistake does not dispatch
the same period twice (the database keys of the work make a duplicate harmless anyway).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_tenant_model, schema_context, tenant_context

logger = logging.getLogger(__name__)


def active_tenants() -> Iterator[Any]:
    """Every tenant that is served (not the public schema, not the template, active)."""
    with schema_context("public"):
        tenants = list(
            get_tenant_model().objects.exclude(schema_name="public").filter(is_template=False, is_active=True).order_by("pk")
        )
    yield from tenants


def tenant_for_schema(schema_name: str):
    """The active tenant of ``schema_name``, or None (deleted, deactivated, template, public)."""
    if not schema_name or schema_name == "public":
        return None
    with schema_context("public"):
        return (
            get_tenant_model().objects.filter(schema_name=schema_name, is_template=False, is_active=True).first()
        )


def tenant_task(*task_args: Any, **task_options: Any) -> Callable:
    """``shared_task`` whose function runs inside the tenant named by ``schema_name``.

    The decorated function is called as ``fn(task, **kwargs)`` (``task`` is the bound
    Celery task, for ``task.retry``). Options are ``shared_task``'s (``name``,
    ``acks_late``, ``autoretry_for``, ``retry_backoff``, time limits...).
    """

    def decorate(fn: Callable) -> Any:
        def run(self, schema_name: str, **kwargs: Any):
            tenant = tenant_for_schema(schema_name)
            if tenant is None:
                logger.warning("task.tenant_gone", extra={"task": self.name, "schema_name": schema_name})
                return None
            with tenant_context(tenant):
                return fn(self, **kwargs)

        # Not functools.wraps: Celery checks call arguments against the signature it
        # finds, which must stay (schema_name, **kwargs).
        run.__name__, run.__qualname__, run.__doc__, run.__module__ = fn.__name__, fn.__qualname__, fn.__doc__, fn.__module__
        return shared_task(*task_args, bind=True, **task_options)(run)

    return decorate


def delay_on_commit(task: Any, **kwargs: Any) -> None:
    """Enqueue ``task`` in the current tenant once the current transaction commits (at
    once outside a transaction). The schema is captured now, not at commit time."""
    schema_name = connection.schema_name
    transaction.on_commit(lambda: task.delay(schema_name=schema_name, **kwargs))


def beat_slot_lock(name: str, period_s: int) -> bool:
    """True for the first caller in the current ``period_s`` slot of ``name``, False for
    any other (SET NX with an expiry in Redis, shared by every beat and worker).

    Two beat schedulers each fire a periodic task once per period; only the first to
    take the slot dispatches."""
    slot = int(timezone.now().timestamp()) // max(1, period_s)
    with schema_context("public"):  # the cache key function prefixes the current schema
        return bool(cache.add(f"beat-slot:{name}:{slot}", "1", timeout=period_s))
