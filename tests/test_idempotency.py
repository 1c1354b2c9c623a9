"""Idempotency-Key on every POST that creates or moves money or bookings (issue 17;
docs/api.md, "Idempotency"): per family of operations (a booking, an order action, a folio
posting, an owner-app action) a replay answers the first answer and does nothing again,
another body or path with the key answers 422, a key still in flight 409; without the header
a request runs as before. Then the key's limits, its scope (the principal), failures that
store nothing, the claim that a slow first request loses, concurrent duplicates, and the
schema. The external intake's own tests: apps/orders/tests/test_idempotency.py."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from apps.folios import services as folio_services
from apps.folios.models import FolioTransaction
from apps.folios.tests.factories import methods_for, primary_folio
from apps.orders import idempotency
from apps.orders.idempotency import idempotent, request_fingerprint
from apps.orders.models import IdempotencyKey, Order, OrderEvent
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.auth_services import integration_token_create
from apps.tenancy.scope import StoreScopedMixin
from tests.errors import error_json
from tests.fixtures import run_concurrently, unique_ip
from tests.world import PASSWORD

S = Order.Status
KEY = "9b2f3c1e-6d4a-4f0e-9a51-0c7e2d8b4a11"


@pytest.fixture
def rt(store, direct):
    room_type, rooms = room_type_with_rooms(store, 3)
    room_type.rooms_list = rooms
    return room_type


@pytest.fixture
def methods(store):
    return methods_for(store)


@pytest.fixture
def clerk_api(api):
    return api("alpha", "clerk_a1", language="en")


def url(store, path: str) -> str:
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def post(client, path, body=None, key: str | None = KEY):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, body if body is not None else {}, format="json", **headers)


def claim(store, path, body, *, user="clerk_a1", key=KEY, started_ago=timedelta(seconds=2)):
    """A key as a first request still running left it (committed before its work)."""
    now = timezone.now()
    return IdempotencyKey.objects.create(
        store=store, user=get_user_model().objects.get(username=user), key=key,
        fingerprint=request_fingerprint(method="POST", path=path, body=body),
        created_at=now - started_ago, started_at=now - started_ago, expires_at=now - started_ago + timedelta(hours=24),
    )


def assert_replay(first, again):
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.status_code, again.json()) == (first.status_code, first.json())


def assert_mismatch(response):
    assert response.status_code == 422
    assert error_json(response) == {
        "detail": "This Idempotency-Key was used with another request. Use a new key for a new request.",
        "code": "idempotency_key_mismatch", "extra": {},
    }


def assert_in_flight(response):
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert 1 <= response.json()["extra"]["retry_after_s"] <= 5


# --- a booking: POST orders/ ---------------------------------------------------------------


def booking_body(rt, day, methods, **extra):
    return {
        "room_type": rt.pk, "arrival": day.isoformat(), "departure": (day + timedelta(days=2)).isoformat(),
        "guests": [{"full_name": "王芳"}], "confirm": True,
        "payment": {"amount": "200.00", "payment_method": methods["wechat"].pk, "reference": "WX-1"}, **extra,
    }


def test_a_booking_replayed_is_one_order_and_one_prepayment(clerk_api, store, rt, tomorrow, methods):
    body = booking_body(rt, tomorrow, methods)
    first = post(clerk_api, url(store, "orders/"), body)
    assert first.status_code == 201, first.json()
    Order.objects.filter(pk=first.json()["id"]).update(notes="changed since")  # the replay is the first answer

    again = post(clerk_api, url(store, "orders/"), dict(reversed(list(body.items()))))  # other key order: same body

    assert_replay(first, again)
    order = Order.objects.get(store=store)
    assert FolioTransaction.objects.filter(folio__order=order, transaction_type="payment").count() == 1
    assert IdempotencyKey.objects.get(key=KEY).order_id == order.pk


def test_a_booking_key_with_another_body_or_path_is_422(clerk_api, store, rt, tomorrow, methods):
    post(clerk_api, url(store, "orders/"), booking_body(rt, tomorrow, methods))
    assert_mismatch(post(clerk_api, url(store, "orders/"), booking_body(rt, tomorrow, methods, notes="two rooms")))
    folio = primary_folio(Order.objects.get(store=store))
    assert_mismatch(post(clerk_api, url(store, f"folios/{folio.pk}/payments/"),
                         {"amount": "10.00", "payment_method": methods["cash"].pk}))
    assert Order.objects.filter(store=store).count() == 1
    assert FolioTransaction.objects.filter(folio=folio, transaction_type="payment").count() == 1


def test_a_booking_while_its_first_request_is_in_flight_is_409(clerk_api, store, rt, tomorrow, methods):
    body = booking_body(rt, tomorrow, methods)
    claim(store, url(store, "orders/"), body)
    assert_in_flight(post(clerk_api, url(store, "orders/"), body))
    assert not Order.objects.filter(store=store).exists()


def test_without_the_header_a_booking_runs_as_before(clerk_api, store, rt, tomorrow, methods):
    body = booking_body(rt, tomorrow, methods)
    assert post(clerk_api, url(store, "orders/"), body, key=None).status_code == 201
    assert post(clerk_api, url(store, "orders/"), body, key=None).status_code == 201
    assert Order.objects.filter(store=store).count() == 2
    assert not IdempotencyKey.objects.exists()


# --- an order action: check-in with a deposit; confirm ------------------------------------------------


def test_a_check_in_replayed_checks_in_once_and_takes_the_deposit_once(clerk_api, store, rt, today, methods):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today)
    path = url(store, f"orders/{order.pk}/check-in/")
    body = {"deposit": {"amount": "500.00", "payment_method": methods["cash"].pk}}
    first = post(clerk_api, path, body)
    assert (first.status_code, first.json()["status"]) == (200, "checked_in"), first.json()

    again = post(clerk_api, path, body)

    assert_replay(first, again)
    assert OrderEvent.objects.filter(order=order, kind="checked_in").count() == 1
    assert FolioTransaction.objects.filter(folio__order=order, transaction_type="deposit").count() == 1
    # the same retry without the key meets the state as it is now
    assert post(clerk_api, path, body, key=None).json()["code"] == "illegal_transition"


def test_an_action_key_with_another_body_is_422_and_in_flight_is_409(clerk_api, store, rt, today, tomorrow, methods):
    order = make_order(store, room_type=rt, arrival=tomorrow, status=S.PENDING_CONFIRMATION)
    confirm = url(store, f"orders/{order.pk}/confirm/")
    assert post(clerk_api, confirm).status_code == 200
    assert_mismatch(post(clerk_api, confirm, {"note": "again"}))
    assert_mismatch(post(clerk_api, url(store, f"orders/{order.pk}/cancel/"), {"reason": "guest called"}))
    other = make_order(store, room_type=rt, arrival=tomorrow)
    cancel = url(store, f"orders/{other.pk}/cancel/")
    claim(store, cancel, {"reason": "guest called"}, key="cancel-1")
    assert_in_flight(post(clerk_api, cancel, {"reason": "guest called"}, key="cancel-1"))
    other.refresh_from_db()
    assert other.status == S.CONFIRMED


# --- a folio posting: payments -------------------------------------------------------------------------


@pytest.fixture
def folio(store, rt, today):
    return primary_folio(make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=today, status=S.CHECKED_IN))


def payments(folio):
    return list(FolioTransaction.objects.filter(folio=folio, transaction_type="payment").values_list("amount", flat=True))


def test_a_payment_replayed_is_posted_once(clerk_api, store, folio, methods):
    path, body = url(store, f"folios/{folio.pk}/payments/"), {"amount": "300.00", "payment_method": methods["wechat"].pk}
    first = post(clerk_api, path, body)
    assert first.status_code == 201, first.json()
    folio_services.folio_post_payment(folio=folio, actor=None, amount=Decimal("1.00"), payment_method=methods["cash"])

    again = post(clerk_api, path, body)

    assert_replay(first, again)  # the folio's totals as they were then
    assert payments(folio) == [Decimal("300.00"), Decimal("1.00")]


def test_a_payment_key_with_another_amount_is_422_and_in_flight_is_409(clerk_api, store, folio, methods):
    path = url(store, f"folios/{folio.pk}/payments/")
    post(clerk_api, path, {"amount": "300.00", "payment_method": methods["wechat"].pk})
    assert_mismatch(post(clerk_api, path, {"amount": "30.00", "payment_method": methods["wechat"].pk}))
    body = {"amount": "50.00", "payment_method": methods["cash"].pk}
    claim(store, path, body, key="pay-2")
    assert_in_flight(post(clerk_api, path, body, key="pay-2"))
    assert payments(folio) == [Decimal("300.00")]


def test_without_the_header_a_payment_is_posted_each_time(clerk_api, store, folio, methods):
    path, body = url(store, f"folios/{folio.pk}/payments/"), {"amount": "300.00", "payment_method": methods["wechat"].pk}
    assert [post(clerk_api, path, body, key=None).status_code for _ in range(2)] == [201, 201]
    assert payments(folio) == [Decimal("300.00")] * 2


# --- an owner-app action: check-out ------------------------------------------------------------------


@pytest.fixture
def owner_app(api):
    """The owner's app signed in as clerk_a1 (a bearer token, as the app does)."""
    client = api("alpha", language="en")
    client.defaults["REMOTE_ADDR"] = unique_ip()
    tokens = client.post(client.prefix + "/auth/login/", {"username": "clerk_a1", "password": PASSWORD}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_an_owner_app_check_out_replayed_checks_out_once(owner_app, store, rt, today, folio):
    order = folio.order
    path, body = url(store, f"m/orders/{order.pk}/check-out/"), {"override_reason": ""}
    # tonight's night, the one an early check-out keeps
    folio_services.folio_post_payment(folio=folio, actor=None, amount=Decimal("300.00"), payment_method=methods_for(store)["cash"])
    first = post(owner_app, path, body)
    assert (first.status_code, first.json()["status"]) == (200, "checked_out"), first.json()

    again = post(owner_app, path, body)

    assert_replay(first, again)
    assert OrderEvent.objects.filter(order=order, kind="checked_out").count() == 1


def test_an_owner_app_check_in_key_with_another_body_is_422_and_in_flight_is_409(owner_app, store, rt, today):
    order = make_order(store, room_type=rt, arrival=today)
    path = url(store, f"m/orders/{order.pk}/check-in/")
    claim(store, path, {"room": rt.rooms_list[1].pk})
    assert_in_flight(post(owner_app, path, {"room": rt.rooms_list[1].pk}))
    assert_mismatch(post(owner_app, path, {"room": rt.rooms_list[2].pk}))
    order.refresh_from_db()
    assert order.status == S.CONFIRMED
    first = post(owner_app, path, {"room": rt.rooms_list[2].pk}, key="check-in-2")
    assert_replay(first, post(owner_app, path, {"room": rt.rooms_list[2].pk}, key="check-in-2"))


# --- the key itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "tab\tinside", "键-1"])
def test_a_key_that_is_empty_too_long_or_not_printable_ascii_is_400(clerk_api, store, folio, methods, key):
    response = post(clerk_api, url(store, f"folios/{folio.pk}/payments/"), {"amount": "1.00", "payment_method": methods["cash"].pk},
                    key=key.encode().decode("latin-1"))
    assert response.status_code == 400
    message = "The Idempotency-Key header must be 1 to 255 printable ASCII characters, e.g. a UUID."
    assert error_json(response) == {"detail": message, "code": "idempotency_key_invalid", "extra": {"fields": {"Idempotency-Key": [message]}}}
    assert payments(folio) == [] and not IdempotencyKey.objects.exists()


def test_the_keys_errors_speak_chinese_by_default(api, store, folio, methods):
    client = api("alpha", "clerk_a1")  # no Accept-Language: zh-Hans
    path, body = url(store, f"folios/{folio.pk}/payments/"), {"amount": "1.00", "payment_method": methods["cash"].pk}
    assert post(client, path, body, key="x" * 256).json()["detail"] == "Idempotency-Key 请求头须为 1 至 255 个可打印 ASCII 字符，例如 UUID。"
    post(client, path, body)
    assert post(client, path, {**body, "amount": "2.00"}).json()["detail"] == "此 Idempotency-Key 已用于另一个请求。新请求请使用新的 key。"


def test_a_key_of_255_printable_characters_with_spaces_around_is_taken(clerk_api, store, folio, methods):
    key = "k" + "~ !" * 84 + "z"
    assert len(key) == 254
    response = post(clerk_api, url(store, f"folios/{folio.pk}/payments/"), {"amount": "1.00", "payment_method": methods["cash"].pk},
                    key=f"  {key}x ")
    assert response.status_code == 201
    assert IdempotencyKey.objects.get().key == key + "x"


def test_a_key_is_the_principals_another_users_same_key_is_another_key(api, clerk_api, store, folio, methods):
    path, body = url(store, f"folios/{folio.pk}/payments/"), {"amount": "300.00", "payment_method": methods["wechat"].pk}
    post(clerk_api, path, body)
    response = post(api("alpha", "manager_a1", language="en"), path, body)
    assert (response.status_code, response.headers.get("Idempotent-Replayed")) == (201, None)
    assert payments(folio) == [Decimal("300.00")] * 2
    assert sorted(IdempotencyKey.objects.values_list("user__username", flat=True)) == ["clerk_a1", "manager_a1"]


def test_a_key_is_kept_for_the_configured_time(clerk_api, store, folio, methods):
    path, body = url(store, f"folios/{folio.pk}/payments/"), {"amount": "1.00", "payment_method": methods["cash"].pk}
    with override_settings(PMS_IDEMPOTENCY_TTL_SECONDS=3600):
        post(clerk_api, path, body)
    key = IdempotencyKey.objects.get()
    assert key.expires_at - key.created_at == timedelta(hours=1)
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "Idempotent-Replayed" not in post(clerk_api, path, body).headers  # expired: a new request
    assert payments(folio) == [Decimal("1.00")] * 2


# --- failures store nothing ------------------------------------------------------------------------


def test_a_refused_request_stores_nothing_and_its_key_may_be_retried(clerk_api, store, folio, methods):
    path = url(store, f"folios/{folio.pk}/payments/")
    refused = post(clerk_api, path, {"amount": "300.00", "payment_method": 999999})
    assert (refused.status_code, refused.json()["code"]) == (400, "payment_method_unknown")
    assert not IdempotencyKey.objects.exists()
    # the same key, corrected: a new request (a refusal is not replayed)
    assert post(clerk_api, path, {"amount": "300.00", "payment_method": methods["cash"].pk}).status_code == 201
    assert payments(folio) == [Decimal("300.00")]


def test_a_server_error_stores_nothing_and_the_retry_runs_again(clerk_api, store, folio, methods, monkeypatch):
    path, body = url(store, f"folios/{folio.pk}/payments/"), {"amount": "300.00", "payment_method": methods["cash"].pk}
    real = folio_services.folio_post_payment

    def post_then_crash(**kwargs):
        real(**kwargs)
        raise RuntimeError("the worker fell over after posting")

    monkeypatch.setattr(folio_services, "folio_post_payment", post_then_crash)
    clerk_api.raise_request_exception = False
    assert post(clerk_api, path, body).status_code == 500
    assert payments(folio) == [] and not IdempotencyKey.objects.exists()  # the posting went with the answer
    monkeypatch.setattr(folio_services, "folio_post_payment", real)
    assert post(clerk_api, path, body).status_code == 201
    assert payments(folio) == [Decimal("300.00")]


def test_an_error_returned_rather_than_raised_commits_nothing(world, store, folio, methods):
    class RefusingView(StoreScopedMixin, APIView):
        @idempotent
        def post(self, request, store_id):
            folio_services.folio_post_payment(folio=folio, actor=None, amount=Decimal("5.00"), payment_method=methods["cash"])
            return Response({"detail": "no", "code": "refused", "extra": {}}, status=409)

    request = APIRequestFactory().post("/x/", {}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    force_authenticate(request, user=world.alpha.users["clerk_a1"])
    response = RefusingView.as_view()(request, store_id=store.pk)
    assert response.status_code == 409
    assert payments(folio) == [] and not IdempotencyKey.objects.exists()


def test_a_first_request_that_lost_its_claim_rolls_back(clerk_api, store, folio, methods, monkeypatch):
    """A first request that ran past the abandon time finds its claim taken over by a retry
    (which does the work): it rolls its own work back and answers 409."""
    path, body = url(store, f"folios/{folio.pk}/payments/"), {"amount": "300.00", "payment_method": methods["cash"].pk}
    real = idempotency.idempotency_begin

    def begin_then_a_retry_takes_over(**kwargs):
        begun = real(**kwargs)
        # what idempotency_begin does for a retry once the claim looks abandoned
        IdempotencyKey.objects.filter(pk=begun.key.pk).update(started_at=timezone.now() + timedelta(seconds=1))
        return begun

    monkeypatch.setattr(idempotency, "idempotency_begin", begin_then_a_retry_takes_over)
    assert_in_flight(post(clerk_api, path, body))
    assert payments(folio) == []
    assert IdempotencyKey.objects.get().status == "in_flight"  # the retry's claim, left to it


def test_an_abandoned_claim_is_taken_over_by_the_retry(clerk_api, store, folio, methods):
    path, body = url(store, f"folios/{folio.pk}/payments/"), {"amount": "300.00", "payment_method": methods["cash"].pk}
    claim(store, path, body, started_ago=timedelta(seconds=61))  # its worker died mid-request
    response = post(clerk_api, path, body)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert payments(folio) == [Decimal("300.00")]
    assert IdempotencyKey.objects.get().status == "done"


# --- concurrent duplicates ------------------------------------------------------------------------------


def _concurrent(committed_tenant, path_of, body_of, key="same-key", n=6):
    tenant, store = committed_tenant.tenant, committed_tenant.store
    with tenant_context(tenant):
        ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
        room_type, rooms = room_type_with_rooms(store, 3)
        methods = methods_for(store)
        token = integration_token_create(user=committed_tenant.admin)[1]
        path, body = path_of(tenant, store, room_type, rooms), body_of(room_type, methods)

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
        response = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        return response.status_code, response.headers.get("Idempotent-Replayed"), response.json()

    results = run_concurrently(send, [()] * n, tenant=tenant)
    assert not [r for r in results if isinstance(r, BaseException)], results
    done = [r for r in results if r[0] != 409]
    assert all(r[2]["code"] == "idempotency_key_in_flight" for r in results if r[0] == 409), results
    assert len([r for r in done if r[1] is None]) == 1, results  # one did the work
    assert all(r[0] == done[0][0] and r[2] == done[0][2] for r in done), results  # the others replayed it
    return tenant, done[0][2]


def test_concurrent_bookings_with_one_key_make_one_order(committed_tenant):
    day = date.today() + timedelta(days=30)

    def path_of(tenant, store, room_type, rooms):
        return f"/t/{tenant.slug}/api/v1/stores/{store.pk}/orders/"

    tenant, answer = _concurrent(committed_tenant, path_of, lambda room_type, methods: booking_body(room_type, day, methods))
    with tenant_context(tenant):
        assert list(Order.objects.values_list("pk", flat=True)) == [answer["id"]]
        assert FolioTransaction.objects.filter(transaction_type="payment").count() == 1


def test_concurrent_payments_with_one_key_post_once(committed_tenant):
    def path_of(tenant, store, room_type, rooms):
        order = make_order(store, room_type=room_type, room=rooms[0], arrival=None, status=S.CHECKED_IN)
        return f"/t/{tenant.slug}/api/v1/stores/{store.pk}/folios/{primary_folio(order).pk}/payments/"

    tenant, answer = _concurrent(
        committed_tenant, path_of, lambda room_type, methods: {"amount": "123.45", "payment_method": methods["cash"].pk})
    with tenant_context(tenant):
        assert list(FolioTransaction.objects.filter(transaction_type="payment").values_list("pk", "amount")) == [
            (answer["transaction"]["id"], Decimal("123.45"))]


# --- the schema -------------------------------------------------------------------------------------

# Every POST that creates or moves money or bookings (docs/api.md, "Idempotency", lists the
# other POSTs and why they take no key).
IDEMPOTENT = {
    "orders/", "external-orders/", "orders/{id}/confirm/", "orders/{id}/check-in/", "orders/{id}/check-out/",
    "orders/{id}/cancel/", "orders/{id}/no-show/", "orders/{id}/extend/", "orders/{id}/modify/", "orders/{id}/assign-room/",
    "orders/{id}/rates/", "orders/{id}/extras/", "orders/{id}/guests/", "orders/{order_id}/folios/",
    "folios/{id}/charges/", "folios/{id}/payments/", "folios/{id}/deposits/", "folios/{id}/deposit-returns/",
    "folios/{id}/refunds/", "folios/{id}/discounts/", "folios/{id}/transactions/{tx_id}/void/",
    "folios/{id}/transactions/{tx_id}/move/", "m/orders/{order_id}/check-in/", "m/orders/{order_id}/check-out/",
    "members/{id}/top-ups/", "members/{id}/refund/", "folios/{folio_id}/member-payments/",
    "folios/{folio_id}/member-payments/{tx_id}/void/",
}


def test_the_schema_documents_the_key_on_exactly_those_posts(clerk_api):
    schema = clerk_api.get("/t/alpha/api/schema/?format=json").json()
    documented = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            header = [p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"]
            if header:
                assert method == "post", path
                documented[path.removeprefix("/api/v1/stores/{store_id}/")] = (operation, header[0])
    assert set(documented) == IDEMPOTENT
    for path, (operation, header) in documented.items():
        assert header.get("required", False) is (path == "external-orders/"), path
        responses = operation["responses"]
        for status, code in (("409", "idempotency_key_in_flight"), ("422", "idempotency_key_mismatch"),
                             ("400", "idempotency_key_invalid")):
            body = responses[status]["content"]["application/json"]
            assert body["schema"] == {"$ref": "#/components/schemas/Error"}, (path, status)
            assert code in [e["value"]["code"] for e in body["examples"].values()], (path, status)
        replayed = [r["headers"]["Idempotent-Replayed"] for s, r in responses.items() if s.startswith("2")]
        assert replayed and all(h["schema"] == {"type": "string", "enum": ["true"]} for h in replayed), path
