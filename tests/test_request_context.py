"""Request ids and JSON log lines: the id taken from X-Request-ID or made, answered in the
header and the error body, in the request's JSON line, in the Celery task it queued; no
personal data in the lines."""
from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import Client

from apps.common import logs
from apps.contacts.tests.factories import resident_id
from apps.tenancy.business_day import business_date
from tests.celery_worker import celery_app_sending, wait_for
from tests.observe import api_booker, booking_body, json_log_lines

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_a_valid_request_id_is_kept_and_answered_in_the_header_and_the_error_body(client, world):
    response = client.get("/t/alpha/api/v1/me/", HTTP_X_REQUEST_ID="lb-7f3a9c2e.0001")
    assert response.status_code == 401
    assert response["X-Request-ID"] == "lb-7f3a9c2e.0001"
    assert response.json() == {
        "detail": "身份认证信息未提供。", "code": "not_authenticated", "extra": {}, "request_id": "lb-7f3a9c2e.0001",
    }


@pytest.mark.parametrize("given", [None, "short", "has spaces in it", "x" * 129, "semi;colon;header"])
def test_a_missing_or_invalid_request_id_is_replaced_by_a_new_one(client, world, given):
    headers = {"HTTP_X_REQUEST_ID": given} if given is not None else {}
    first = client.get("/t/alpha/api/v1/nothing/", **headers)
    second = client.get("/t/alpha/api/v1/nothing/", **headers)
    assert first.status_code == 404
    assert HEX32.match(first["X-Request-ID"]) and first["X-Request-ID"] != second["X-Request-ID"]
    assert first.json()["request_id"] == first["X-Request-ID"]


def test_a_success_carries_the_id_in_its_header(client, world):
    response = client.get("/t/alpha/healthz", HTTP_X_REQUEST_ID="probe-00000001")
    assert response.status_code == 200 and response["X-Request-ID"] == "probe-00000001"
    assert response.json() == {"status": "ok"}


def test_the_request_line_is_json_with_tenant_store_user_route_status_and_duration(api, world):
    clerk = api("alpha", "clerk_a1")
    store = world.alpha.stores["A1"]
    with json_log_lines() as log:
        response = clerk.get(f"{clerk.prefix}/stores/{store.pk}/orders/", HTTP_X_REQUEST_ID="req-list-0001")
    assert response.status_code == 200
    [line] = [line for line in log.lines() if line["event"] == "request.finished"]
    assert line["duration_ms"] > 0
    del line["duration_ms"], line["timestamp"]
    assert line == {
        "event": "request.finished", "level": "info", "logger": "pms.request", "request_id": "req-list-0001",
        "tenant": "alpha", "store_id": store.pk, "user_id": world.alpha.users["clerk_a1"].pk,
        "route": "api/v1/stores/<int:store_id>/orders/", "method": "GET", "status": 200,
    }


def test_personal_data_is_masked_in_every_field_and_in_the_message():
    with json_log_lines() as log:
        logging.getLogger("test.pii").warning(
            "guest %s called from %s", "13912345678", "wang@example.cn",
            extra={"phone": "13912345678", "id_number": "11010519900101123X", "note": "ID 110105199001011234 here",
                   "order_id": 12345678, "token_id": 42, "nested": {"mobile": "+8613912345678", "ok": "fine"}},
        )
    [line] = log.lines()
    assert line["event"] == "guest [number] called from [email]"
    assert (line["phone"], line["id_number"], line["note"]) == (logs.REDACTED, logs.REDACTED, "ID [number] here")
    assert (line["order_id"], line["token_id"], line["nested"]) == (12345678, 42, {"mobile": logs.REDACTED, "ok": "fine"})
    assert "1391234" not in log.text() and "1101051990" not in log.text()


@pytest.mark.worker
def test_a_booking_leaves_no_number_in_clear_and_its_id_reaches_the_task_it_queued(
    committed_tenant, celery_worker_factory,
):
    """A booking with a phone and an ID number through the API: its JSON line carries its
    request id and none of the numbers; the outbox publisher it kicked runs in a real worker
    with the same id on its lines."""
    tenant, store = committed_tenant.tenant, committed_tenant.store
    key, room_type = api_booker(tenant, store)
    phone, id_number = "13987654321", resident_id("330106", "19851224", "517")
    person = {"full_name": "刘洋", "phone": phone, "id_type": "resident_id", "id_number": id_number}
    worker = celery_worker_factory()
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        arrival = business_date(store=store)
    with celery_app_sending(worker.queue), json_log_lines() as log:
        response = client.post(
            f"/t/{tenant.slug}/api/v1/stores/{store.pk}/orders/", json.dumps(booking_body(room_type, arrival, **person)),
            content_type="application/json", HTTP_X_REQUEST_ID="booking-req-0001",
        )
        assert response.status_code == 201, response.content
        from apps.notifications.services import _sender

        assert _sender.flush()  # the kick was handed to the broker

        def task_lines():
            lines = [json.loads(x) for x in worker.log().splitlines() if x.startswith("{")]
            done = [x for x in lines if x.get("event") == "task.finished" and x.get("task") == "notifications.publish_order_events"]
            return lines if done else None

        worker_lines = wait_for(task_lines, timeout=60, what="the publisher's task in the worker")

    assert response["X-Request-ID"] == "booking-req-0001"
    [line] = [x for x in log.lines() if x["event"] == "request.finished"]
    assert (line["request_id"], line["tenant"], line["store_id"], line["status"], line["method"]) == (
        "booking-req-0001", tenant.slug, store.pk, 201, "POST")
    # every line of the request carries its id (a library's DEBUG chatter from a pooled
    # connection opened outside the request, e.g. redis-py's handshake, aside)
    assert [x for x in log.lines() if x.get("request_id") != "booking-req-0001" and x["level"] != "debug"] == []
    published = [x for x in worker_lines if x.get("task") == "notifications.publish_order_events"]
    assert {x["event"] for x in published} >= {"task.started", "task.finished"}
    assert {x["request_id"] for x in published} == {"booking-req-0001"}
    assert [x["state"] for x in published if x["event"] == "task.finished"] == ["SUCCESS"]
    for text in (log.text(), worker.log()):
        assert phone not in text and id_number not in text and id_number[:14] not in text
