"""External intake: Idempotency-Key replay, mismatch, in-flight, expiry; de-duplication by
channel + external reference; orders that cannot be confirmed are kept, never dropped."""
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.orders.idempotency import request_fingerprint
from apps.orders.models import IdempotencyKey, Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.auth_services import integration_token_create
from tests.errors import error_json
from tests.fixtures import run_concurrently


@pytest.fixture
def mall(store):
    return ChannelFactory(store=store, code="mall", name="商城", channel_type="mall")


@pytest.fixture
def clerk(api):
    return api("alpha", "clerk_a1", language="en")


def path(store):
    return f"/t/alpha/api/v1/stores/{store.pk}/external-orders/"


def body(rt, arrival, ref="M-1001", **extra):
    return {
        "channel": "mall", "external_ref": ref, "room_type": str(rt.pk), "arrival": arrival.isoformat(),
        "departure": (arrival + timedelta(days=2)).isoformat(), "adults": 2,
        "guest": {"full_name": "陈晨", "phone": "13900001111"}, "amount": "555.55", **extra,
    }


def post(client, store, data, key):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path(store), data, format="json", **headers)


def test_first_push_creates_and_confirms(clerk, store, rt, tomorrow, mall):
    response = post(clerk, store, body(rt, tomorrow), "k-1")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["outcome"], data["status"], data["source"], data["channel_name"], data["external_ref"]) == (
        "confirmed", "confirmed", "external", "商城", "M-1001")
    # the channel's amount, spread over the nights so the lines add up
    assert [i["unit_price"] for i in data["items"]] == ["277.78", "277.77"]
    assert (data["total_amount"], data["due_amount"]) == ("555.55", "555.55")
    assert "Idempotent-Replayed" not in response.headers
    key = IdempotencyKey.objects.get(store=store, key="k-1")
    assert (key.status, key.response_status, key.order_id) == ("done", 201, data["id"])
    assert key.expires_at - key.created_at >= timedelta(hours=24)


def test_same_key_same_body_replays_the_first_response(clerk, store, rt, tomorrow, mall):
    first = post(clerk, store, body(rt, tomorrow), "k-1")
    Order.objects.filter(pk=first.json()["id"]).update(notes="changed since")  # the replay is the original answer
    # same body, other key order and spacing: the same request
    again = clerk.post(path(store), dict(reversed(list(body(rt, tomorrow).items()))), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Order.objects.filter(store=store).count() == 1


def test_same_key_other_body_is_422(clerk, store, rt, tomorrow, mall):
    post(clerk, store, body(rt, tomorrow), "k-1")
    response = post(clerk, store, body(rt, tomorrow, adults=1), "k-1")
    assert response.status_code == 422
    assert error_json(response) == {
        "detail": "This Idempotency-Key was used with another request. Use a new key for a new request.",
        "code": "idempotency_key_mismatch", "extra": {},
    }
    assert Order.objects.filter(store=store).count() == 1


def _claim(store, key, data, *, started_ago: timedelta, done=False, user="clerk_a1"):
    """A key of ``user`` (the clerk the tests push as) as an earlier request left it."""
    from django.contrib.auth import get_user_model

    now = timezone.now()
    return IdempotencyKey.objects.create(
        store=store, user=get_user_model().objects.get(username=user), key=key, fingerprint=request_fingerprint(method="POST", path=path(store), body=data),
        status="done" if done else "in_flight", response_status=201 if done else None, response_body={} if done else None,
        created_at=now - started_ago, started_at=now - started_ago, expires_at=now - started_ago + timedelta(hours=24),
    )


def test_same_key_while_the_first_is_in_flight_is_409(clerk, store, rt, tomorrow, mall):
    data = body(rt, tomorrow)
    _claim(store, "k-1", data, started_ago=timedelta(seconds=2))
    response = post(clerk, store, data, "k-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert 1 <= response.json()["extra"]["retry_after_s"] <= 5
    assert Order.objects.filter(store=store).count() == 0


def test_an_abandoned_in_flight_key_is_taken_over(clerk, store, rt, tomorrow, mall):
    data = body(rt, tomorrow)
    _claim(store, "k-1", data, started_ago=timedelta(minutes=5))
    response = post(clerk, store, data, "k-1")
    assert response.status_code == 201
    assert IdempotencyKey.objects.get(store=store, key="k-1").status == "done"


def test_an_expired_key_is_new_again(clerk, store, rt, tomorrow, mall):
    _claim(store, "k-1", {"old": "request"}, started_ago=timedelta(hours=25), done=True)
    response = post(clerk, store, body(rt, tomorrow), "k-1")
    assert response.status_code == 201
    assert Order.objects.filter(store=store).count() == 1


def test_the_key_is_required(clerk, store, rt, tomorrow, mall):
    response = post(clerk, store, body(rt, tomorrow), None)
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_required")
    assert Order.objects.count() == 0


def test_a_failed_request_stores_nothing_and_may_be_retried(clerk, store, rt, tomorrow, mall):
    response = post(clerk, store, body(rt, tomorrow, room_type="no such type"), "k-1")
    assert (response.status_code, response.json()["code"]) == (400, "room_type_unknown")
    assert not IdempotencyKey.objects.filter(key="k-1").exists()
    assert post(clerk, store, body(rt, tomorrow), "k-1").status_code == 201


def test_same_external_ref_with_a_new_key_returns_the_existing_order(clerk, store, rt, tomorrow, mall):
    first = post(clerk, store, body(rt, tomorrow), "k-1").json()
    response = post(clerk, store, body(rt, tomorrow, notes="resent by the mall"), "k-2")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["outcome"]) == (first["id"], "duplicate")
    assert Order.objects.filter(store=store).count() == 1


def test_an_order_whose_inventory_is_gone_is_kept_pending_and_flagged(clerk, store, tomorrow, mall, direct):
    single, (room,) = room_type_with_rooms(store, 1)
    make_order(store, room_type=single, arrival=tomorrow, nights=2)
    response = post(clerk, store, body(single, tomorrow, ref="M-2002"), "k-9")
    assert response.status_code == 202
    data = response.json()
    assert (data["outcome"], data["status"], data["is_conflict"], data["conflict_reason"]) == (
        "conflict", "pending_confirmation", True, "room_type_sold_out")
    assert [e["kind"] for e in data["events"]] == ["created", "conflict"]
    assert data["events"][-1]["data"] == {"reason": "room_type_sold_out", "nights": [tomorrow.isoformat(), (tomorrow + timedelta(days=1)).isoformat()]}
    # listed for the front desk
    listed = clerk.get(f"/t/alpha/api/v1/stores/{store.pk}/orders/?is_conflict=true").json()["results"]
    assert [o["id"] for o in listed] == [data["id"]]
    # a replay answers the same
    again = post(clerk, store, body(single, tomorrow, ref="M-2002"), "k-9")
    assert (again.status_code, again.json()) == (202, data)
    # once a room frees up, the desk confirms it and the flag goes
    other = Order.objects.exclude(pk=data["id"]).get(store=store)
    clerk.post(f"/t/alpha/api/v1/stores/{store.pk}/orders/{other.pk}/cancel/", {"reason": "x"}, format="json")
    confirmed = clerk.post(f"/t/alpha/api/v1/stores/{store.pk}/orders/{data['id']}/confirm/").json()
    assert (confirmed["status"], confirmed["is_conflict"], confirmed["conflict_reason"]) == ("confirmed", False, "")


def test_another_store_may_use_the_same_key(api, store, rt, tomorrow, mall, world):
    post(api("alpha", "clerk_a1"), store, body(rt, tomorrow), "k-1")
    a2 = world.alpha.stores["A2"]
    ChannelFactory(store=a2, code="mall", name="商城")
    rt2, _rooms = room_type_with_rooms(a2, 1)
    response = api("alpha", "clerk_a2").post(
        f"/t/alpha/api/v1/stores/{a2.pk}/external-orders/", body(rt2, tomorrow), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 201


# --- concurrent duplicates -------------------------------------------------------------------------


def test_concurrent_pushes_with_one_key_make_one_order(committed_tenant):
    tenant, store = committed_tenant.tenant, committed_tenant.store
    with tenant_context(tenant):
        ChannelFactory(store=store, code="mall", name="商城", channel_type="mall")
        room_type, _rooms = room_type_with_rooms(store, 5)
        token = integration_token_create(user=committed_tenant.admin)[1]
    data = body(room_type, date.today() + timedelta(days=20))
    url = f"/t/{tenant.slug}/api/v1/stores/{store.pk}/external-orders/"

    def push(key):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = client.post(url, data, format="json", HTTP_IDEMPOTENCY_KEY=key)
        return response.status_code, response.headers.get("Idempotent-Replayed"), response.json().get("code")

    results = run_concurrently(push, [("same-key",)] * 8 + [(f"key-{i}",) for i in range(4)], tenant=tenant)
    assert not [r for r in results if isinstance(r, BaseException)], results
    same = results[:8]
    assert {r[0] for r in results} <= {200, 201, 409}
    assert all(r[2] == "idempotency_key_in_flight" for r in results if r[0] == 409)
    # exactly one request created the order; the rest found it (same reference), replayed, or waited
    assert [r[0] for r in results if r[1] is None].count(201) == 1
    processed = [r for r in same if r[0] != 409 and r[1] is None]
    assert len(processed) == 1
    assert all(r[0] == processed[0][0] for r in same if r[1] == "true")
    with tenant_context(tenant):
        assert Order.objects.count() == 1


def test_expired_keys_are_purged_in_every_tenant(store, rt, tomorrow, mall):
    from apps.orders.tasks import purge_idempotency_keys

    _claim(store, "old", {"a": 1}, started_ago=timedelta(hours=30), done=True)
    _claim(store, "fresh", {"a": 2}, started_ago=timedelta(hours=1), done=True)
    assert purge_idempotency_keys() == 1
    # the task went through every tenant and came back to this one
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
