"""Tracing on (an in-memory exporter here, the worker's spans to a file): one trace id spans
a booking request, its SQL statements and the Celery task it queued, run by a real worker.
Off unless configured: without PMS_TRACING nothing is instrumented."""
from __future__ import annotations

import json
import threading

import pytest
from django.db import connections
from django.test import Client
from django_tenants.utils import tenant_context

from apps.common import tracing
from apps.tenancy.business_day import business_date
from tests.celery_worker import celery_app_sending, wait_for
from tests.observe import api_booker, booking_body, json_log_lines


def test_tracing_is_off_unless_configured(monkeypatch):
    monkeypatch.delenv("PMS_TRACING", raising=False)
    assert tracing.tracing_setup(service="pms-test") is False
    assert tracing.trace_id_get() is None


@pytest.fixture
def spans():
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    assert tracing.tracing_setup(service="pms-test", exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.tracing_teardown()


@pytest.mark.worker
def test_one_trace_spans_the_request_its_sql_and_the_task_it_queued(committed_tenant, celery_worker_factory, spans, tmp_path):
    tenant, store = committed_tenant.tenant, committed_tenant.store
    key, room_type = api_booker(tenant, store)
    with tenant_context(tenant):
        arrival = business_date(store=store)
    worker_spans = tmp_path / "worker-spans.jsonl"
    worker = celery_worker_factory(PMS_TRACING="console", PMS_TRACING_FILE=worker_spans)
    answer = {}

    def request():  # a thread of its own: a new database connection, opened with tracing on
        try:
            answer["response"] = Client(HTTP_AUTHORIZATION=f"Token {key}").post(
                f"/t/{tenant.slug}/api/v1/stores/{store.pk}/orders/", json.dumps(booking_body(room_type, arrival)),
                content_type="application/json",
            )
        finally:
            connections.close_all()

    with celery_app_sending(worker.queue), json_log_lines() as log:
        thread = threading.Thread(target=request)
        thread.start()
        thread.join(60)
        assert answer["response"].status_code == 201, answer["response"].content
        from apps.notifications.services import _sender

        assert _sender.flush()

        def task_span():
            if not worker_spans.exists():
                return None
            found = [json.loads(x) for x in worker_spans.read_text().splitlines() if x.strip()]
            return [s for s in found if s["name"] == "run/notifications.publish_order_events"] or None

        [task] = wait_for(task_span, timeout=60, what="the task's span from the worker")

    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.kind.name == "SERVER"]
    trace_id = server.context.trace_id
    assert server.attributes["http.route"] == "api/v1/stores/<int:store_id>/orders/"
    assert server.attributes.get("http.response.status_code", server.attributes.get("http.status_code")) == 201
    sql = [s for s in finished if s.attributes.get("db.system.name", s.attributes.get("db.system")) == "postgresql"]
    assert sql and {s.context.trace_id for s in sql} == {trace_id}
    statements = " ".join(s.attributes.get("db.query.text", s.attributes.get("db.statement", "")) for s in sql)
    assert 'INSERT INTO "orders_order"' in statements
    assert task["context"]["trace_id"] == f"0x{trace_id:032x}"
    [line] = [x for x in log.lines() if x["event"] == "request.finished"]
    assert line["trace_id"] == f"{trace_id:032x}"
