"""Transient faults: what a client may retry, answered 503 with ``Retry-After``.

Redis unreachable or frozen (every call is bounded by the cache's socket timeouts, see
``CACHES`` in the settings), PostgreSQL restarting or a connection lost under a request,
the broker refusing a publish: none of these is the client's fault nor a bug, and a
retry a few seconds later succeeds. They are answered

- on the API: ``503`` in the one error shape, code ``service_unavailable``, with
  ``Retry-After`` and ``extra.retry_after_s`` (zh-Hans by default);
- on pages: a plain 503 page (``503.html``, rendered without context processors: they
  may need the database that is away).

A transaction the fault interrupted rolled back as a whole (nothing half-written), so
the retry is safe; with an ``Idempotency-Key`` a retry of a request that did commit
answers the first answer again.

``transient_fault(exc)`` is the one test; ``apps.common.exceptions`` calls the two
renderers from DRF's exception handler and from Django's 500 handler (which every
exception raised in a middleware or a view reaches).
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from apps.common.error_codes import CommonErrorCode
from apps.common.request_context import with_request_id

logger = logging.getLogger(__name__)


def _transient_types() -> tuple[type[BaseException], ...]:
    import psycopg
    import redis
    from kombu.exceptions import OperationalError as BrokerOperationalError

    return (
        redis.exceptions.ConnectionError,  # refused, reset, loading, too many clients
        redis.exceptions.TimeoutError,  # frozen: the socket timeout ran out
        DjangoOperationalError,  # PostgreSQL away or restarting, connection lost, too many clients
        DjangoInterfaceError,  # a connection closed under the request
        psycopg.OperationalError,
        psycopg.InterfaceError,
        BrokerOperationalError,  # Celery could not publish
    )


def transient_fault(exc: BaseException | None) -> bool:
    """True if ``exc`` (or what it was raised from, a few levels down) is a fault that a
    retry a few seconds later gets past."""
    types = _transient_types()
    for _depth in range(4):
        if exc is None:
            return False
        if isinstance(exc, types):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def retry_after_seconds() -> int:
    return int(getattr(settings, "PMS_RETRY_AFTER_SECONDS", 5))


def _message() -> str:
    return _("The service is briefly unavailable. Please try again in a few seconds.")


def _log(request, exc: BaseException) -> None:
    logger.warning(
        "request.transient_fault",
        extra={"path": getattr(request, "path", ""), "method": getattr(request, "method", ""), "error": type(exc).__name__},
    )


def transient_fault_body() -> dict:
    return with_request_id({
        "detail": _message(), "code": str(CommonErrorCode.SERVICE_UNAVAILABLE), "extra": {"retry_after_s": retry_after_seconds()},
    })


def transient_fault_api(request, exc: BaseException):
    """DRF's answer (from the API's exception handler): 503, the one error shape, Retry-After."""
    from rest_framework.response import Response

    _log(request, exc)
    return Response(transient_fault_body(), status=503, headers={"Retry-After": str(retry_after_seconds())})


def transient_fault_json(request, exc: BaseException) -> JsonResponse:
    """The API's answer to a transient fault: 503, the one error shape, Retry-After."""
    _log(request, exc)
    response = JsonResponse(transient_fault_body(), status=503)
    response["Retry-After"] = str(retry_after_seconds())
    return response


def transient_fault_page(request, exc: BaseException) -> HttpResponse:
    """A page's answer: a plain 503 page, no context processors (no database, no Redis)."""
    _log(request, exc)
    html = render_to_string("503.html", {"message": _message(), "retry_after_s": retry_after_seconds()})
    response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after_seconds())
    return response
