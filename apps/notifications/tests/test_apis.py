"""REST API of notifications: the log, retries, templates."""
from __future__ import annotations

from apps.notifications.models import Notification
from apps.notifications.services import order_events_publish
from apps.notifications.tests.conftest import book


def _url(client, store, tail):
    return f"{client.prefix}/stores/{store.pk}/{tail}"


def test_log_for_everyone_in_the_store_masked(api, store, rt, django_capture_on_commit_callbacks):
    order = book(store, rt)
    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()
    client = api("alpha", "clerk_a1", language="en")

    response = client.get(_url(client, store, f"notifications/?order={order.pk}&status=sent"))

    assert response.status_code == 200, response.content
    rows = {r["channel"]: r for r in response.json()["results"]}
    assert set(rows) == {"email", "sms"}
    assert rows["sms"]["recipient"] == "138****5678" and rows["email"]["recipient"] == "gu***@example.com"
    assert rows["sms"]["event"] == "order_confirmed" and rows["sms"]["order_code"] == order.code
    assert rows["sms"]["status"] == "sent" and rows["sms"]["attempts"] == 1


def test_retry_is_for_managers_and_only_for_failed(api, store, rt, django_capture_on_commit_callbacks):
    order = book(store, rt)
    with django_capture_on_commit_callbacks(execute=True):
        order_events_publish()
    n = Notification.objects.filter(order=order, channel="sms").get()
    clerk = api("alpha", "clerk_a1", language="en")
    assert clerk.post(_url(clerk, store, f"notifications/{n.pk}/retry/")).status_code == 403
    manager = api("alpha", "manager_a1", language="en")
    response = manager.post(_url(manager, store, f"notifications/{n.pk}/retry/"))
    assert response.status_code == 409 and response.json()["code"] == "notification_not_retryable"
    Notification.objects.filter(pk=n.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(_url(manager, store, f"notifications/{n.pk}/retry/"))
    assert response.status_code == 200 and response.json()["status"] == "queued"
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 1)
    assert manager.post(_url(manager, store, "notifications/999999/retry/")).status_code == 404


def test_templates_list_set_and_drop(api, store):
    manager = api("alpha", "manager_a1", language="en")
    listed = manager.get(_url(manager, store, "notification-templates/")).json()
    assert len(listed) == 4 * 3 * 2  # events x channels x languages
    sms = next(t for t in listed if (t["event"], t["channel"], t["language"]) == ("order_confirmed", "sms", "en"))
    assert sms["source"] == "default" and sms["subject"] == "" and "{{ order_code }}" in sms["body"]

    body = {"event": "order_confirmed", "channel": "sms", "language": "en", "body": "Booked {{ order_code }}"}
    clerk = api("alpha", "clerk_a1", language="en")
    assert clerk.put(_url(clerk, store, "notification-templates/"), body, format="json").status_code == 403
    saved = manager.put(_url(manager, store, "notification-templates/"), body, format="json")
    assert saved.status_code == 200 and saved.json()["source"] == "store" and saved.json()["body"] == "Booked {{ order_code }}"
    bad = manager.put(_url(manager, store, "notification-templates/"), {**body, "body": "{% for %}"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "template_invalid"

    dropped = manager.delete(_url(manager, store, f"notification-templates/{saved.json()['id']}/"))
    assert dropped.status_code == 204
    again = manager.get(_url(manager, store, "notification-templates/")).json()
    assert next(t for t in again if (t["event"], t["channel"], t["language"]) == ("order_confirmed", "sms", "en"))["source"] == "default"
