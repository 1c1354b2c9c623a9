"""Liveness (``/healthz``), readiness (``/readyz``) and Prometheus' scrape (``/metrics``).

- ``/healthz``: the process answers. Nothing else is asked, so that an outage of
  PostgreSQL or Redis never gets every web process restarted by its supervisor (they ride
  it out by themselves: docs/operations.md, "Faults"). 200 ``{"status": "ok"}``.
- ``/readyz``: this process can serve now. PostgreSQL answers, Redis answers, and the
  migrations on disk are applied (the public schema and the template every tenant is
  cloned from; ``migrate_schemas`` brings every tenant there). Each check runs in a thread
  of its own bounded by ``PMS_READY_TIMEOUT_S``: a frozen Redis or PostgreSQL (accepts the
  connection, never answers) makes it 503 within that time instead of hanging the probe.
  200 ``{"status": "ok", "database": "ok", "redis": "ok", "migrations": "ok"}``, else 503
  with ``"status": "unavailable"`` and what failed (``"error: TimeoutError"``,
  ``"timeout"``, ``"missing: orders.0031_x, ..."``).

The database check opens a connection of its own (in its thread) and closes it: the
probe never leaves a connection behind, nor uses one a request needs.
"""
from __future__ import annotations

import hmac
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cache

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from apps.common import metrics
from apps.common.error_codes import CommonErrorCode
from apps.common.exceptions import error_body

# The checks' threads: a check stuck past its timeout keeps its thread until its own
# socket timeouts end it; a few threads are enough for the probes of one process.
_pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="readyz")
_MIGRATIONS_SQL = "SELECT app, name FROM {schema}.django_migrations"


@cache
def _redis():
    """One client (and its connection pool) per process. A new client per probe connected
    and introduced itself to Redis every time, redis-py reading its own version from the
    package metadata for it: a probe cost ~4 ms of CPU in process, now ~0.8 ms."""
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)


_required_lock = threading.Lock()


@cache
def _required_migrations() -> frozenset[tuple[str, str]]:
    """The leaf migration of every app on disk (read once per process: the code does not
    change under a running process)."""
    from django.db.migrations.loader import MigrationLoader

    with _required_lock:
        return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def _check_database() -> str:
    """PostgreSQL answers, and every migration on disk is applied in the public schema and
    in the tenants' template: one statement on a connection of this thread's own."""
    from django.db import connections

    required = _required_migrations()
    schemas = ["public", settings.PMS_TEMPLATE_SCHEMA]
    conn = connections["default"]
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schemas])
            present = {row[0] for row in cursor.fetchall()}
            missing: set[tuple[str, str]] = set()
            for schema in schemas:
                if schema not in present:
                    if schema == "public":
                        return "missing: public schema"
                    continue  # no template yet (a new installation before setup_db)
                cursor.execute(_MIGRATIONS_SQL.format(schema=conn.ops.quote_name(schema)))
                missing |= required - {(app, name) for app, name in cursor.fetchall()}
    finally:
        conn.close()
    if missing:
        return "missing: " + ", ".join(sorted(f"{app}.{name}" for app, name in missing))
    return "ok"


def _check_redis() -> str:
    _redis().ping()
    return "ok"


def _run(checks: dict, timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    futures = {name: _pool.submit(fn) for name, fn in checks.items()}
    results: dict[str, str] = {}
    for name, future in futures.items():
        try:
            result = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            result = "timeout"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            result = f"error: {type(exc).__name__}"
        results[name] = result
    return results


@require_GET
def healthz(request):
    """Liveness: the process answers. No dependency is asked."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    """Readiness: PostgreSQL, Redis and the migrations, each bounded by ``PMS_READY_TIMEOUT_S``."""
    results = _run({"database": _check_database, "redis": _check_redis}, settings.PMS_READY_TIMEOUT_S)
    database = results["database"]
    checks = {
        "database": "ok" if database == "ok" or database.startswith("missing:") else database,
        "redis": results["redis"],
        "migrations": database if database == "ok" or database.startswith("missing:") else "unknown",
    }
    ready = all(v == "ok" for v in checks.values())
    response = JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = str(getattr(settings, "PMS_RETRY_AFTER_SECONDS", 5))
    return response


def _authorised(request) -> bool:
    token = settings.PMS_METRICS_TOKEN
    if not token:
        return bool(settings.DEBUG)
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_view(request):
    """``GET /metrics``: Prometheus' text format, for a bearer of ``PMS_METRICS_TOKEN``."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not _authorised(request):
        # the same answer to a wrong token and to an installation without one
        return JsonResponse(error_body(CommonErrorCode.NOT_FOUND, _("Not found.")), status=404)
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
