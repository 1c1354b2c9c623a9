"""Prometheus metrics: their one list, the calls that count, and ``/metrics``.

The names are a contract with the alert rules (docs/operations.md, "Metrics"); change one
only with them. The owners of the events call the small functions below where the event
happens (a booking committed, a refusal, a check-in, a posting, an audit, a log-in
throttled); the gauges that describe state (audits late, the outbox's backlog, Celery's
queues) are read when ``/metrics`` is scraped, from the database and Redis, by
collectors the apps register (``scrape_collector_register``), cached a few seconds.

Processes: gunicorn runs several worker processes, each counting on its own. With
``PROMETHEUS_MULTIPROC_DIR`` set (it must be an empty directory when gunicorn starts:
``gunicorn.conf.py`` empties it) each process writes its values to files there and a
scrape of any worker adds them all up (prometheus-client's multiprocess mode). Without
it (``make run``, tests) the process's own values are served.

``/metrics`` (``apps.common.health.metrics_view``) is not public: it answers only a
request with ``Authorization: Bearer <PMS_METRICS_TOKEN>``; with no token configured it
answers 404, except with ``DEBUG`` on (development).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

# Routes whose successful requests are counted but not logged (probes and scrapes).
UNLOGGED_ROUTES = frozenset({"healthz", "readyz", "metrics"})

HTTP_REQUESTS = Counter(
    "pms_http_requests_total", "HTTP requests answered, by URL pattern, method and status.", ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "pms_http_request_duration_seconds", "Time to answer an HTTP request, by URL pattern and method.", ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
BOOKINGS = Counter("pms_bookings_total", "Orders created (committed), by store.", ["store"])
BOOKING_REFUSALS = Counter("pms_booking_refusals_total", "Bookings refused, by error code.", ["code"])
CHECKINS = Counter("pms_checkins_total", "Check-ins committed.")
CHECKOUTS = Counter("pms_checkouts_total", "Check-outs committed.")
FOLIO_POSTINGS = Counter("pms_folio_postings_total", "Ledger rows posted (committed), by transaction type.", ["kind"])
NIGHT_AUDIT_RUNS = Counter("pms_night_audit_runs_total", "Night audit attempts that ended, by outcome.", ["status"])
NIGHT_AUDIT_DURATION = Histogram(
    "pms_night_audit_duration_seconds", "Duration of night audits that closed a day.",
    buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
CELERY_TASK_FAILURES = Counter("pms_celery_task_failures_total", "Celery tasks that failed, by task name.", ["task"])
LOGIN_THROTTLED = Counter("pms_login_throttled_total", "Log-in attempts refused by the log-in throttle (429).")

# Read at scrape time (collectors below): never set by a process.
SCRAPED_GAUGES = (
    "pms_night_audit_last_success_timestamp_seconds", "pms_night_audit_business_date_lag_days",
    "pms_outbox_oldest_pending_age_seconds", "pms_webhook_delivery_lag_seconds", "pms_celery_queue_depth",
)


# --- What the owners call --------------------------------------------------------------

def _safe(fn: Callable[[], None]) -> None:
    """A metric never fails the work it counts."""
    try:
        fn()
    except Exception:  # noqa: BLE001
        logger.exception("metrics.update_failed")


def store_label(store_id: int | None) -> str:
    """``<tenant>/<store id>``: store ids repeat across tenants (a schema each)."""
    from django.db import connection

    tenant = getattr(connection, "tenant", None)
    return f"{getattr(tenant, 'slug', None) or connection.schema_name}/{store_id}"


def http_request_observe(*, route: str, method: str, status: int, seconds: float) -> None:
    def do() -> None:
        HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
        HTTP_DURATION.labels(route=route, method=method).observe(seconds)

    _safe(do)


def booking_created(*, store_id: int) -> None:
    _safe(lambda: BOOKINGS.labels(store=store_label(store_id)).inc())


def booking_refused(*, code: str) -> None:
    _safe(lambda: BOOKING_REFUSALS.labels(code=str(code)).inc())


def checked_in() -> None:
    _safe(CHECKINS.inc)


def checked_out() -> None:
    _safe(CHECKOUTS.inc)


def folio_posted(*, kind: str, count: int = 1) -> None:
    if count > 0:
        _safe(lambda: FOLIO_POSTINGS.labels(kind=str(kind)).inc(count))


def folio_posted_on_commit(*, kind: str, count: int = 1) -> None:
    """Count ``count`` postings of ``kind`` once the current transaction commits."""
    from django.db import transaction

    if count > 0:
        transaction.on_commit(lambda: folio_posted(kind=kind, count=count))


def night_audit_finished(*, status: str, seconds: float | None = None) -> None:
    def do() -> None:
        NIGHT_AUDIT_RUNS.labels(status=status).inc()
        if seconds is not None:
            NIGHT_AUDIT_DURATION.observe(seconds)

    _safe(do)


def login_throttled() -> None:
    _safe(LOGIN_THROTTLED.inc)


def celery_task_failed(*, task: str) -> None:
    _safe(lambda: CELERY_TASK_FAILURES.labels(task=task).inc())


# --- Gauges read at scrape time ----------------------------------------------------------

class Sample(NamedTuple):
    name: str
    labels: dict[str, str]
    value: float


class TenantRef(NamedTuple):
    slug: str
    schema_name: str


# fn(tenants) -> samples; registered by the apps that own the tables (AppConfig.ready()).
_SCRAPE_COLLECTORS: list[Callable[[list[TenantRef]], Iterable[Sample]]] = []
_HELP = {
    "pms_night_audit_last_success_timestamp_seconds": "Unix time of the store's last successful night audit.",
    "pms_night_audit_business_date_lag_days": "Days the store's open business day is behind its local date.",
    "pms_outbox_oldest_pending_age_seconds": "Age of the oldest order event not yet published (0: none).",
    "pms_webhook_delivery_lag_seconds": "Age of the oldest webhook delivery not yet made (0 until webhooks exist).",
    "pms_celery_queue_depth": "Messages waiting in a Celery queue.",
}


def scrape_collector_register(fn: Callable[[list[TenantRef]], Iterable[Sample]]) -> None:
    """Read ``fn(tenants)`` at each scrape (at most every ``PMS_METRICS_STATE_SECONDS``)."""
    if fn not in _SCRAPE_COLLECTORS:
        _SCRAPE_COLLECTORS.append(fn)


def rows_per_tenant(tenants: list[TenantRef], sql: str, *, chunk: int = 200) -> list[tuple]:
    """Run ``sql`` (a SELECT whose ``{schema}`` is each tenant's quoted schema name and
    whose first column is ``%s``, the tenant's slug) over every tenant, as ``UNION ALL``
    statements of ``chunk`` tenants each: a scrape costs a few statements, not one per
    tenant. For the collectors of the owners of the tables."""
    from django.db import connection

    rows: list[tuple] = []
    for start in range(0, len(tenants), chunk):
        part = tenants[start:start + chunk]
        statement = " UNION ALL ".join(
            f"({sql.format(schema=connection.ops.quote_name(t.schema_name))})" for t in part
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, [t.slug for t in part])
            rows.extend(cursor.fetchall())
    return rows


def _tenants() -> list[TenantRef]:
    from django_tenants.utils import get_tenant_model, schema_context

    with schema_context("public"):
        rows = get_tenant_model().objects.exclude(schema_name="public").filter(is_template=False, is_active=True)
        return [TenantRef(t.slug, t.schema_name) for t in rows.order_by("pk")]


def _queue_depths() -> list[Sample]:
    """``LLEN`` of each Celery queue on the broker (Redis), bounded by the broker's timeouts."""
    import redis
    from django.conf import settings

    queues = getattr(settings, "PMS_METRICS_CELERY_QUEUES", None) or [settings.CELERY_TASK_DEFAULT_QUEUE]
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        pipe = client.pipeline(transaction=False)
        for name in queues:
            pipe.llen(name)
        return [Sample("pms_celery_queue_depth", {"queue": q}, float(n)) for q, n in zip(queues, pipe.execute(), strict=True)]
    finally:
        client.close()


class _StateCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at = 0.0
        self.samples: list[Sample] = []


_state = _StateCache()


def state_samples(*, max_age: float | None = None) -> list[Sample]:
    """The scraped gauges, read again when older than ``max_age`` seconds. A source that
    fails (database or Redis away) is left out of this scrape and logged."""
    from django.conf import settings

    max_age = settings.PMS_METRICS_STATE_SECONDS if max_age is None else max_age
    with _state.lock:
        if _state.at and time.monotonic() - _state.at < max_age:
            return list(_state.samples)
        samples: list[Sample] = [Sample("pms_webhook_delivery_lag_seconds", {}, 0.0)]
        try:
            tenants = _tenants()
            for fn in _SCRAPE_COLLECTORS:
                samples.extend(fn(tenants))
        except Exception as exc:  # noqa: BLE001
            logger.warning("metrics.state_unavailable", extra={"source": "database", "error": type(exc).__name__})
        try:
            samples.extend(_queue_depths())
        except Exception as exc:  # noqa: BLE001
            logger.warning("metrics.state_unavailable", extra={"source": "broker", "error": type(exc).__name__})
        _state.samples, _state.at = samples, time.monotonic()
        return list(samples)


class _StateCollector:
    def collect(self):
        samples = state_samples()
        for name in SCRAPED_GAUGES:
            mine = [s for s in samples if s.name == name]
            if not mine:
                continue
            label_names = sorted(mine[0].labels)
            family = GaugeMetricFamily(name, _HELP[name], labels=label_names)
            for s in mine:
                family.add_metric([s.labels[k] for k in label_names], s.value)
            yield family


# --- /metrics ------------------------------------------------------------------------------

def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """The text of a scrape: every process's metrics, then the scraped gauges."""
    from prometheus_client import REGISTRY

    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    state = CollectorRegistry()
    state.register(_StateCollector())
    return counted + generate_latest(state)


def worker_metrics_serve(*, port: int) -> None:
    """Serve a Celery worker's metrics on ``port`` (a thread of its main process): its pool
    processes count into ``PROMETHEUS_MULTIPROC_DIR``, added up here. No token: a port
    for the cluster's network, not published (docs/operations.md)."""
    from prometheus_client import REGISTRY, start_http_server

    registry = REGISTRY
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)
    logger.info("metrics.worker_serving", extra={"port": port})
