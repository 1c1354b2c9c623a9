"""OpenTelemetry tracing of requests, their SQL, Redis calls and Celery tasks; off unless
configured.

``PMS_TRACING`` (environment):

- unset or empty: off. Nothing is imported or instrumented; no cost.
- ``otlp``: spans are exported over OTLP/HTTP (protobuf) in batches to the collector that
  the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``)
  names; ``OTEL_SERVICE_NAME`` overrides the service's name.
- ``console``: each span written as JSON, to ``PMS_TRACING_FILE`` if set (appended), else
  to stdout (development, and the tests' worker).

Instrumented: Django (a server span per request, its context taken from a
``traceparent`` header), psycopg (a span per statement; no SQL commenter: statements stay
the same text, so PostgreSQL's prepared statements still match), Redis, and Celery (the
context travels in the task's message headers: a task queued by a request is in the
request's trace). A web process sets it up in ``config/wsgi.py``, each Celery pool process
in ``worker_process_init`` (``config/celery.py``).

The trace id is bound for the log lines too (``trace_id``), next to the request id.
"""
from __future__ import annotations

import logging
import os
import threading

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_instrumentors: list = []


def _exporter(mode: str):
    if mode == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(), True
    if mode == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        path = os.environ.get("PMS_TRACING_FILE")
        out = open(path, "a", buffering=1) if path else None  # noqa: SIM115 - the process's lifetime
        return (ConsoleSpanExporter(out=out, formatter=lambda span: span.to_json(indent=None) + "\n") if out
                else ConsoleSpanExporter()), False
    raise ValueError(f"PMS_TRACING={mode!r}: use otlp or console")


def tracing_setup(*, service: str, exporter=None) -> bool:
    """Instrument this process if ``PMS_TRACING`` says so (or ``exporter`` is given: tests
    pass an in-memory one, spans exported as each ends). True if tracing is on."""
    mode = os.environ.get("PMS_TRACING", "").strip().lower()
    if not mode and exporter is None:
        return False
    with _lock:
        if _instrumentors:
            return True
        from opentelemetry import trace
        from opentelemetry.instrumentation.celery import CeleryInstrumentor
        from opentelemetry.instrumentation.django import DjangoInstrumentor
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service)}))
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            span_exporter, batched = _exporter(mode)
            provider.add_span_processor(BatchSpanProcessor(span_exporter) if batched else SimpleSpanProcessor(span_exporter))
            trace.set_tracer_provider(provider)
        for instrumentor in (DjangoInstrumentor(), PsycopgInstrumentor(), RedisInstrumentor(), CeleryInstrumentor()):
            kwargs = {"tracer_provider": provider}
            if isinstance(instrumentor, PsycopgInstrumentor):
                kwargs["enable_commenter"] = False
            instrumentor.instrument(**kwargs)
            _instrumentors.append(instrumentor)
        logger.info("tracing.on", extra={"service": service, "mode": mode or "given"})
        return True


def tracing_teardown() -> None:
    """Undo ``tracing_setup`` (tests)."""
    with _lock:
        while _instrumentors:
            _instrumentors.pop().uninstrument()


def trace_id_get() -> str | None:
    """The current span's trace id (32 hex digits), or None when tracing is off."""
    if not _instrumentors:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None
