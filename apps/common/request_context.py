"""The request id, and what a log line says about the request or task it belongs to.

A request's id is the ``X-Request-ID`` it came with when that is a sane token (8 to 128
letters, digits and ``-_.:``; a proxy or a client set it), or a new one (32 hex digits).
It is bound for the request's log lines (``structlog.contextvars``), answered in the
``X-Request-ID`` header and in every error body (``request_id``, ``apps.common.exceptions``),
and sent with every Celery task the request queues (the message header
``pms_request_id``), where the worker binds it again for the task's log lines: one id
finds the request, its SQL errors and its background work in the logs.

``RequestContextMiddleware`` (first in ``MIDDLEWARE``) also writes the one line per request
(``request.finished``: tenant, store, user, route, method, status, duration) and counts it
in the HTTP metrics (``apps.common.metrics``). The route is the URL pattern
(``api/v1/stores/<int:store_id>/orders/``), never the path: paths carry ids and numbers.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.utils.functional import SimpleLazyObject

from apps.common import metrics, tracing

logger = logging.getLogger("pms.request")
task_logger = logging.getLogger("pms.task")

HEADER = "X-Request-ID"
TASK_HEADER = "pms_request_id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
UNMATCHED_ROUTE = "<unmatched>"


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    """``value`` if it is a valid request id, else a new one."""
    return value if value and _VALID.match(value) else request_id_new()


def request_id_get() -> str | None:
    """The id of the request or task this code runs for (None outside one)."""
    return structlog.contextvars.get_contextvars().get("request_id")


def with_request_id(body: dict) -> dict:
    """An error body with the current request's id added (``request_id``), when there is one."""
    request_id = request_id_get()
    if request_id:
        body["request_id"] = request_id
    return body


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.route or match.view_name or UNMATCHED_ROUTE) if match is not None else UNMATCHED_ROUTE


def _user_id(request) -> int | None:
    # DRF puts the user it authenticated on the request; a session's lazy user is read only
    # if the view read it (reading it here would cost a query the view did not make).
    user = request.__dict__.get("user")
    if user is None or isinstance(user, SimpleLazyObject):
        return None
    return getattr(user, "pk", None)


class RequestContextMiddleware:
    """First middleware: the request id, the request's log line and its HTTP metrics."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[HEADER] = request_id
            return response
        finally:
            duration = time.perf_counter() - started
            route = _route(request)
            tenant = getattr(getattr(request, "tenant", None), "slug", None)
            fields = {
                "tenant": tenant, "store_id": structlog.contextvars.get_contextvars().get("store_id"),
                "user_id": _user_id(request), "route": route, "method": request.method, "status": status,
                "duration_ms": round(duration * 1000, 1),
            }
            if route not in metrics.UNLOGGED_ROUTES or status >= 400:
                logger.info("request.finished", extra=fields)
            metrics.http_request_observe(route=route, method=request.method, status=status, seconds=duration)
            structlog.contextvars.clear_contextvars()

    def process_view(self, request, view_func, view_args, view_kwargs):
        """The tenant and store are known here (after the tenant middleware and URL
        resolution): bound for every line the view logs."""
        tenant = getattr(request, "tenant", None)
        bound = {"route": _route(request)}
        if tenant is not None:
            bound["tenant"] = tenant.slug
        if "store_id" in view_kwargs:
            bound["store_id"] = view_kwargs["store_id"]
        trace_id = tracing.trace_id_get()
        if trace_id:
            bound["trace_id"] = trace_id
        structlog.contextvars.bind_contextvars(**bound)
        return None


# --- Celery: the request id into the task's message, and out again in the worker -----

def task_publish_add_request_id(headers: dict | None = None, **_kwargs) -> None:
    """``before_task_publish``: the current request's (or task's) id goes with the message."""
    request_id = request_id_get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def _eager(task) -> bool:
    return bool(getattr(getattr(task, "request", None), "is_eager", False))


def task_started(task_id=None, task=None, **_kwargs) -> None:
    """``task_prerun``: bind the id the task was queued with (or a new one) and log the start.
    An eager task runs inside its caller and keeps the caller's fields."""
    if task is None or _eager(task):
        return
    structlog.contextvars.clear_contextvars()
    request_id = request_id_from(getattr(task.request, TASK_HEADER, None))
    structlog.contextvars.bind_contextvars(request_id=request_id, task=task.name, task_id=task_id)
    schema = (task.request.kwargs or {}).get("schema_name")
    if schema:
        structlog.contextvars.bind_contextvars(tenant_schema=schema)
    task.request.pms_started = time.perf_counter()
    task_logger.info("task.started", extra={"retries": task.request.retries or 0})


def task_finished(task_id=None, task=None, state=None, **_kwargs) -> None:
    """``task_postrun``: the task's line with its state and duration; the fields unbound."""
    if task is None or _eager(task):
        return
    started = getattr(task.request, "pms_started", None)
    trace_id = tracing.trace_id_get()
    if trace_id:
        structlog.contextvars.bind_contextvars(trace_id=trace_id)
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    task_logger.info("task.finished", extra={"state": state, "duration_ms": duration_ms})
    structlog.contextvars.clear_contextvars()


def task_failed(sender=None, exception=None, **_kwargs) -> None:
    """``task_failure``: counted per task (``pms_celery_task_failures_total``)."""
    metrics.celery_task_failed(task=getattr(sender, "name", "unknown"))


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_failure, task_postrun, task_prerun

    before_task_publish.connect(task_publish_add_request_id, weak=False, dispatch_uid="pms-request-id-publish")
    task_prerun.connect(task_started, weak=False, dispatch_uid="pms-task-started")
    task_postrun.connect(task_finished, weak=False, dispatch_uid="pms-task-finished")
    task_failure.connect(task_failed, weak=False, dispatch_uid="pms-task-failed")
