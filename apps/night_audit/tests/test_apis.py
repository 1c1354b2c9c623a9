"""REST API of the night audit: who may do what, answers and errors."""
from __future__ import annotations

import re
from datetime import timedelta

from apps.orders.tests.factories import stay


def _url(client, store, tail):
    return f"{client.prefix}/stores/{store.pk}/{tail}"


def test_business_date_for_everyone_in_the_store(api, store, day, store_noon):
    client = api("alpha", "clerk_a1", language="en")
    response = client.get(_url(client, store, "business-date/"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["business_date"] == day.isoformat()
    assert body["audit_time"] == "04:00" and body["no_show_policy"] == "mark" and body["audit_due"] is True
    assert body["time_zone"] == "Asia/Shanghai" and body["last_audit"] is None


def test_business_date_audit_time_is_what_the_schema_documents(api, store, day):
    # was "04:00" against `format: time` (RFC 3339 full-time: seconds and an offset)
    client = api("alpha", "clerk_a1", language="en")
    body = client.get(_url(client, store, "business-date/")).json()
    field = client.get("/t/alpha/api/schema/?format=json").json()["components"]["schemas"]["BusinessDateOut"]["properties"]["audit_time"]
    assert (field["type"], field["pattern"], field["example"], field["readOnly"]) == (
        "string", "^([01][0-9]|2[0-3]):[0-5][0-9]$", "15:00", True)
    assert "format" not in field
    assert re.fullmatch(field["pattern"], body["audit_time"]) and body["audit_time"] == "04:00"


def test_run_is_for_managers(api, store, day):
    client = api("alpha", "clerk_a1", language="en")
    response = client.post(_url(client, store, "night-audit/"), {}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "manager_only"


def test_manager_runs_then_reruns_the_closed_day(api, store, rt, day):
    a = stay(store, rt, 0, arrival=day)
    client = api("alpha", "manager_a1", language="en")

    first = client.post(_url(client, store, "night-audit/"), {}, format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["ran"] is True and body["status"] == "done" and body["trigger"] == "api"
    assert body["triggered_by"] == "manager_a1" and body["counts"]["posted"] == 1
    assert body["details"]["posted"][0]["order_id"] == a.pk and body["room_charges_posted"] == "300.00"

    again = client.post(_url(client, store, "night-audit/"), {"business_date": day.isoformat()}, format="json")
    assert again.status_code == 200 and again.json()["ran"] is False and again.json()["id"] == body["id"]

    not_over = client.post(_url(client, store, "night-audit/"), {}, format="json")
    assert not_over.status_code == 409 and not_over.json()["code"] == "audit_day_not_over"


def test_future_date_is_refused(api, store, day):
    client = api("alpha", "manager_a1", language="en")
    response = client.post(_url(client, store, "night-audit/"), {"business_date": (day + timedelta(days=2)).isoformat()}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "audit_date_in_future"
    assert response.json()["extra"]["current_business_date"] == day.isoformat()


def test_records_list_and_detail(api, store, rt, day, django_assert_max_num_queries):
    stay(store, rt, 0, arrival=day)
    manager = api("alpha", "manager_a1", language="en")
    manager.post(_url(manager, store, "night-audit/"), {}, format="json")
    clerk = api("alpha", "clerk_a1", language="en")

    listed = clerk.get(_url(clerk, store, "night-audits/"))
    assert listed.status_code == 200
    assert [r["business_date"] for r in listed.json()["results"]] == [day.isoformat()]
    assert "details" not in listed.json()["results"][0]

    detail = clerk.get(_url(clerk, store, f"night-audits/{day.isoformat()}/"))
    assert detail.status_code == 200 and len(detail.json()["details"]["posted"]) == 1
    assert clerk.get(_url(clerk, store, f"night-audits/{(day - timedelta(days=9)).isoformat()}/")).status_code == 404


def test_daily_stats_for_managers(api, store, rt, day):
    stay(store, rt, 0, arrival=day)
    manager = api("alpha", "manager_a1", language="en")
    manager.post(_url(manager, store, "night-audit/"), {}, format="json")

    url = _url(manager, store, f"daily-stats/?start={(day - timedelta(days=3)).isoformat()}&end={day.isoformat()}")
    response = manager.get(url)
    assert response.status_code == 200
    assert response.json() == [{
        **response.json()[0], "date": day.isoformat(), "rooms_total": 6, "rooms_sold": 1, "rooms_available": 6,
        "room_revenue": "300.00", "occupancy": "0.1667",
    }]
    clerk = api("alpha", "clerk_a1", language="en")
    assert clerk.get(url.replace(manager.prefix, clerk.prefix)).status_code == 403
    bad = manager.get(_url(manager, store, f"daily-stats/?start={day.isoformat()}&end={(day - timedelta(days=1)).isoformat()}"))
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_date_range"


def test_other_stores_answer_404(api, world, day):
    client = api("alpha", "manager_a1", language="en")
    a2 = world.alpha.stores["A2"]
    assert client.get(f"{client.prefix}/stores/{a2.pk}/business-date/").status_code == 404
    assert client.post(f"{client.prefix}/stores/{a2.pk}/night-audit/", {}, format="json").status_code == 404


def test_errors_in_chinese_by_default(api, store, day):
    client = api("alpha", "manager_a1")
    response = client.post(_url(client, store, "night-audit/"), {"business_date": (day + timedelta(days=2)).isoformat()}, format="json")
    assert response.status_code == 422
    assert response.json()["detail"] == f"营业日 {(day + timedelta(days=2)).isoformat()} 尚未开始：当前营业日为 {day.isoformat()}。"


def test_list_query_count_is_constant(api, store, rt, day):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.night_audit.models import NightAudit

    client = api("alpha", "clerk_a1", language="en")
    url = _url(client, store, "night-audits/")
    stay(store, rt, 0, arrival=day)
    manager = api("alpha", "manager_a1", language="en")
    manager.post(_url(manager, store, "night-audit/"), {}, format="json")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    audit = NightAudit.objects.get(store=store)
    for n in range(1, 6):
        NightAudit.objects.create(store=store, business_date=day - timedelta(days=n), status="done", trigger="beat",
                                  started_at=audit.started_at, last_attempt_at=audit.started_at, finished_at=audit.started_at,
                                  duration_ms=1, triggered_by=world_user(manager))
    with CaptureQueriesContext(connection) as six:
        assert len(client.get(url).json()["results"]) == 6
    assert len(one) == len(six)


def world_user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="manager_a1")
