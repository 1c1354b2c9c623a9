"""The folios REST API: exact shapes, each posting endpoint, errors in the one shape,
manager-only writes, store and tenant scope, pinned query counts, the printable folio."""
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.folios import services
from apps.folios.models import FolioTransaction
from apps.folios.tests.factories import (
    ExtraChargeItemFactory,
    charge,
    methods_for,
    pay,
    post_nights,
    primary_folio,
)
from apps.orders.models import Order, OrderItem
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.business_day import business_date
from tests.errors import error_json

D = Decimal


@pytest.fixture
def api_clerk(api):
    return api("alpha", "clerk_a1", language="en")


@pytest.fixture
def api_manager(api):
    return api("alpha", "manager_a1", language="en")


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def test_payment_exact_response(api_clerk, store, order, folio, methods, clerk):
    post_nights(order)
    body = {"amount": "450.00", "payment_method": methods["wechat"].pk, "gateway_txn_id": "4200001234", "description": "QR"}
    response = api_clerk.post(url(store, f"folios/{folio.pk}/payments/"), body, format="json")
    assert response.status_code == 201, response.json()
    tx = FolioTransaction.objects.get(folio=folio, transaction_type="payment")
    data = response.json()
    assert data == {
        "transaction": {
            "id": tx.pk, "folio_id": folio.pk, "transaction_type": "payment", "posts_to": "payments", "charge_type": "",
            "amount": "450.00", "currency": "CNY", "quantity": 1, "unit_price": None, "description": "QR",
            "service_date": None, "payment_method_id": methods["wechat"].pk, "payment_method_name": "微信支付",
            "gateway_txn_id": "4200001234", "extra_item_id": None, "order_item_id": None, "reverses_id": None,
            "transfer_of_id": None, "reason": "", "actor": {"id": clerk.pk, "username": "clerk_a1"},
            "posted_at": data["transaction"]["posted_at"], "business_date": business_date(store=store).isoformat(),
            "is_void": False, "is_moved": False, "taken_back_by": None,
        },
        "folio": {
            "id": folio.pk, "order_id": order.pk, "order_code": order.code, "guest_name": order.primary_contact_name,
            "name": "", "is_primary": True, "currency": "CNY", "total_charges": "600.00", "total_discounts": "0.00",
            "total_payments": "450.00", "total_refunds": "0.00", "total_deposits": "0.00", "total_deposit_returns": "0.00",
            "deposit_held": "0.00", "balance": "150.00", "posted_balance": "150.00", "unposted_amount": "0.00",
            "folio_status": "partially_paid", "closed_at": None,
            "created_at": data["folio"]["created_at"],
        },
    }
    assert datetime.fromisoformat(data["transaction"]["posted_at"]) == tx.posted_at
    assert datetime.fromisoformat(data["folio"]["created_at"]) == folio.created_at
    order.refresh_from_db()
    assert (order.paid_amount, order.due_amount) == (D("450.00"), D("150.00"))
    # the detail shows the same row
    detail = api_clerk.get(url(store, f"folios/{folio.pk}/")).json()
    assert detail["transactions"][-1] == data["transaction"]
    assert [e["kind"] for e in detail["events"]] == ["opened"]


def test_each_posting_endpoint(api_clerk, api_manager, store, order, folio, methods):
    cash = methods["cash"].pk
    breakfast = ExtraChargeItemFactory(store=store, name="Breakfast", default_price=D("38.00"))
    post = lambda client, path, body: client.post(url(store, f"folios/{folio.pk}/{path}/"), body, format="json")  # noqa: E731
    post_nights(order)  # 600.00
    r = post(api_clerk, "charges", {"extra_item": breakfast.pk, "quantity": 2})
    assert (r.status_code, r.json()["transaction"]["charge_type"], r.json()["transaction"]["amount"]) == (201, "extra", "76.00")
    assert OrderItem.objects.filter(order=order, kind="extra", total_price=D("76.00")).exists()
    r = post(api_clerk, "charges", {"description": "Broken cup", "unit_price": "20.00"})
    assert (r.status_code, r.json()["transaction"]["charge_type"]) == (201, "manual")
    r = post(api_clerk, "deposits", {"amount": "200.00", "payment_method": cash})
    assert (r.status_code, r.json()["folio"]["deposit_held"]) == (201, "200.00")
    r = post(api_clerk, "payments", {"amount": "700.00", "payment_method": cash})
    assert (r.json()["folio"]["balance"], r.json()["folio"]["posted_balance"]) == ("-4.00", "-4.00")
    r = post(api_clerk, "refunds", {"amount": "4.00", "payment_method": cash, "reason": "change"})
    assert (r.status_code, r.json()["folio"]["balance"], r.json()["folio"]["folio_status"]) == (201, "0.00", "settled")
    r = post(api_clerk, "deposit-returns", {"amount": "200.00", "payment_method": cash})
    assert (r.status_code, r.json()["folio"]["deposit_held"]) == (201, "0.00")
    r = post(api_manager, "discounts", {"amount": "6.00", "reason": "Regular"})
    assert (r.status_code, r.json()["folio"]["balance"], r.json()["folio"]["folio_status"]) == (201, "-6.00", "refunding")
    assert list(FolioTransaction.objects.filter(folio=folio).values_list("transaction_type", flat=True)) == [
        "charge", "charge", "charge", "charge", "deposit", "payment", "refund", "deposit_return", "discount",
    ]


def test_discounts_are_for_managers(api_clerk, store, folio):
    charge(folio, "100.00")
    response = api_clerk.post(url(store, f"folios/{folio.pk}/discounts/"), {"amount": "1.00", "reason": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "manager_only")
    assert not FolioTransaction.objects.filter(transaction_type="discount").exists()


def test_refund_beyond_paid_is_409_in_the_one_shape(api_clerk, store, folio, methods):
    pay(folio, "50.00")
    body = {"amount": "50.01", "payment_method": methods["cash"].pk, "reason": "x"}
    response = api_clerk.post(url(store, f"folios/{folio.pk}/refunds/"), body, format="json")
    assert response.status_code == 409
    assert error_json(response) == {
        "detail": "A refund cannot exceed what was paid on this folio (50.00).", "code": "refund_exceeds_paid",
        "extra": {"refundable": "50.00"},
    }
    assert not FolioTransaction.objects.filter(transaction_type="refund").exists()


def test_invalid_input_answers_field_errors(api_clerk, store, folio, methods):
    response = api_clerk.post(url(store, f"folios/{folio.pk}/payments/"), {"amount": "-1", "payment_method": 999999}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "payment_method_unknown")
    response = api_clerk.post(url(store, f"folios/{folio.pk}/payments/"), {"amount": "0", "payment_method": methods["cash"].pk},
                              format="json")
    assert (response.status_code, response.json()["code"], list(response.json()["extra"]["fields"])) == (400, "amount_invalid", ["amount"])
    response = api_clerk.post(url(store, f"folios/{folio.pk}/payments/"), {"amount": "1.001"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert set(response.json()["extra"]["fields"]) == {"amount", "payment_method"}


def test_void_and_move_through_the_api(api_clerk, store, order, folio):
    company = services.folio_open(order=order, actor=None, name="Acme")
    tx = charge(folio, "45.00")
    gone = charge(folio, "5.00")
    response = api_clerk.post(url(store, f"folios/{folio.pk}/transactions/{tx.pk}/move/"),
                              {"target_folio": company.pk, "reason": "Company pays dinner"}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["transfer_out"]["transaction_type"], data["transfer_out"]["amount"], data["transfer_out"]["reverses_id"]) == (
        "transfer_out", "-45.00", tx.pk)
    assert (data["transfer_in"]["folio_id"], data["transfer_in"]["amount"], data["transfer_in"]["transfer_of_id"]) == (
        company.pk, "45.00", tx.pk)
    assert (data["folio"]["total_charges"], data["target_folio"]["total_charges"]) == ("5.00", "45.00")
    response = api_clerk.post(url(store, f"folios/{folio.pk}/transactions/{gone.pk}/void/"), {"reason": "Wrong"}, format="json")
    assert response.status_code == 201
    assert (response.json()["transaction"]["transaction_type"], response.json()["folio"]["posted_balance"],
            response.json()["folio"]["balance"]) == ("reversal", "0.00", "600.00")  # the two nights, not posted yet
    again = api_clerk.post(url(store, f"folios/{folio.pk}/transactions/{gone.pk}/void/"), {"reason": "Wrong"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_voided")
    missing_reason = api_clerk.post(url(store, f"folios/{folio.pk}/transactions/{tx.pk}/void/"), {}, format="json")
    assert (missing_reason.status_code, missing_reason.json()["code"]) == (400, "invalid")
    # a row of another folio is not found under this folio
    other = api_clerk.post(url(store, f"folios/{company.pk}/transactions/{gone.pk}/void/"), {"reason": "x"}, format="json")
    assert other.status_code == 404
    rows = {r["id"]: r for r in api_clerk.get(url(store, f"folios/{folio.pk}/")).json()["transactions"]}
    assert (rows[tx.pk]["is_moved"], rows[tx.pk]["is_void"], rows[gone.pk]["is_void"]) == (True, False, True)


def test_order_folios_open_the_primary_lazily_and_another_on_request(api_clerk, store, order):
    response = api_clerk.get(url(store, f"orders/{order.pk}/folios/"))
    assert response.status_code == 200
    # nothing posted; the two nights of the stay (600.00) are owed
    assert [(f["is_primary"], f["folio_status"], f["balance"], f["posted_balance"]) for f in response.json()] == [
        (True, "open", "600.00", "0.00")]
    response = api_clerk.post(url(store, f"orders/{order.pk}/folios/"), {"name": "Acme Ltd"}, format="json")
    assert (response.status_code, response.json()["name"], response.json()["is_primary"]) == (201, "Acme Ltd", False)
    assert [f["name"] for f in api_clerk.get(url(store, f"orders/{order.pk}/folios/")).json()] == ["", "Acme Ltd"]
    assert api_clerk.get(url(store, "orders/999999/folios/")).status_code == 404


# --- scope --------------------------------------------------------------------------------------------


def test_folio_of_another_store_is_404(api, store, folio, methods, world):
    clerk_a2 = api("alpha", "clerk_a2", language="en")
    a2 = world.alpha.stores["A2"]
    assert clerk_a2.get(url(a2, f"folios/{folio.pk}/")).status_code == 404
    body = {"amount": "1.00", "payment_method": methods_for(a2)["cash"].pk}
    assert clerk_a2.post(url(a2, f"folios/{folio.pk}/payments/"), body, format="json").status_code == 404
    assert clerk_a2.get(url(store, f"folios/{folio.pk}/")).status_code == 404  # A1 is not granted to clerk_a2
    assert not FolioTransaction.objects.exists()


def test_folio_of_another_tenant_is_404(api, folio, world):
    clerk_b1 = api("beta", "clerk_b1", language="en")
    b1 = world.beta.stores["B1"]
    response = clerk_b1.get(f"/t/beta/api/v1/stores/{b1.pk}/folios/{folio.pk}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_move_to_a_folio_of_another_store_is_refused(api_clerk, store, folio, world, rt):
    a2 = world.alpha.stores["A2"]
    ChannelFactory(store=a2, code="direct", name="Direct")
    rt2, rooms = room_type_with_rooms(a2, 1)
    foreign = primary_folio(make_order(a2, room_type=rt2, room=rooms[0], status=Order.Status.CHECKED_IN))
    tx = charge(folio, "5.00")
    response = api_clerk.post(url(store, f"folios/{folio.pk}/transactions/{tx.pk}/move/"),
                              {"target_folio": foreign.pk, "reason": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "move_target_invalid")


# --- payment methods and extras -------------------------------------------------------------------------


def test_payment_methods_defaults_and_manager_writes(api_clerk, api_manager, store):
    response = api_clerk.get(url(store, "payment-methods/"))
    assert response.status_code == 200
    assert [(m["name"], m["method_type"]) for m in response.json()] == [
        ("现金", "cash"), ("微信支付", "wechat"), ("支付宝", "alipay"), ("银行卡", "bank_card"), ("OTA预付", "ota_prepaid"),
        ("其他", "other"),
    ]
    body = {"name": "美团付", "method_type": "ota_prepaid", "details": {"merchant": "m1"}}
    assert api_clerk.post(url(store, "payment-methods/"), body, format="json").json()["code"] == "manager_only"
    created = api_manager.post(url(store, "payment-methods/"), body, format="json")
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ["name", "method_type", "details", "is_active"]} == {
        "name": "美团付", "method_type": "ota_prepaid", "details": {"merchant": "m1"}, "is_active": True}
    taken = api_manager.post(url(store, "payment-methods/"), body, format="json")
    assert (taken.status_code, taken.json()["code"]) == (400, "payment_method_name_taken")
    off = api_manager.patch(url(store, f"payment-methods/{created.json()['id']}/"), {"is_active": False}, format="json")
    assert (off.status_code, off.json()["is_active"]) == (200, False)


# Raw JSON bodies: what PostgreSQL's jsonb cannot store used to reach it and answer 500
# (1e400 parses to infinity, written as "Infinity"; jsonb has no \u0000, no lone surrogate).
@pytest.mark.parametrize("raw, message", [
    ('{"details": {"limit": 1e400}}', "A number is too large to store."),
    ('{"details": {"limit": -1e400}}', "A number is too large to store."),
    ('{"details": {"nested": {"list": [1, 2e999]}}}', "A number is too large to store."),
    ('{"details": {"\\u0000": 1}}', "Null characters (U+0000) are not allowed."),
    ('{"details": {"merchant": "m\\u0000"}}', "Null characters (U+0000) are not allowed."),
    ('{"details": {"\\ud800": 1}}', "Unpaired surrogate characters are not allowed."),
    ('{"details": {"merchant": ["\\udfff"]}}', "Unpaired surrogate characters are not allowed."),
    ('{"details": {"a": [[[[[[[[1]]]]]]]]}}', "Nest objects and lists at most 8 levels deep."),
    ('{"details": {"a": "' + "x" * 4090 + '"}}', "At most 4096 characters as JSON."),
    ('{"details": [1]}', 'Expected a dictionary of items but got type "list".'),
])
def test_payment_method_details_postgresql_cannot_store_answer_400(api_manager, store, methods, raw, message):
    method = methods["cash"]
    response = api_manager.generic("PATCH", url(store, f"payment-methods/{method.pk}/"), raw, content_type="application/json")
    assert response.status_code == 400
    assert error_json(response) == {"detail": "Some fields are not valid.", "code": "invalid", "extra": {"fields": {"details": [message]}}}
    method.refresh_from_db()
    assert method.details == {}


def test_payment_method_details_large_integers_and_unicode_keys_are_stored(api_manager, store, methods):
    details = {"merchant_id": 10**40, "商户号": "1900000109", "emoji 😀": [True, None, 1.5, {"deep": -(10**20)}]}
    response = api_manager.patch(url(store, f"payment-methods/{methods['cash'].pk}/"), {"details": details}, format="json")
    assert (response.status_code, response.json()["details"]) == (200, details)
    methods["cash"].refresh_from_db()
    assert methods["cash"].details == details


def test_extra_items_catalogue(api_clerk, api_manager, store):
    body = {"name": "Laundry", "default_price": "30.00", "category": "laundry", "description": "per bag"}
    assert api_clerk.post(url(store, "extra-items/"), body, format="json").status_code == 403
    created = api_manager.post(url(store, "extra-items/"), body, format="json")
    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"], "name": "Laundry", "default_price": "30.00", "category": "laundry", "is_taxable": True,
        "description": "per bag", "is_active": True, "sort_order": 0,
    }
    assert [i["name"] for i in api_clerk.get(url(store, "extra-items/")).json()] == ["Laundry"]
    changed = api_manager.patch(url(store, f"extra-items/{created.json()['id']}/"), {"default_price": "35.00"}, format="json")
    assert changed.json()["default_price"] == "35.00"


# --- query counts -------------------------------------------------------------------------------------------


def _queries(client, path):
    client.get(path)  # warm the per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_folio_list_query_count_does_not_grow_with_its_rows(api_clerk, store, rt, order, folio):
    few = _queries(api_clerk, url(store, "folios/"))
    for room in rt.rooms_list[1:]:
        other = primary_folio(make_order(store, room_type=rt, room=room, status=Order.Status.CHECKED_IN))
        charge(other, "10.00")
        services.folio_open(order=order, actor=None, name=f"extra {room.pk}")
    assert _queries(api_clerk, url(store, "folios/")) == few


def test_folio_detail_query_count_does_not_grow_with_its_ledger(api_clerk, store, folio, methods):
    charge(folio, "10.00")
    few = _queries(api_clerk, url(store, f"folios/{folio.pk}/"))
    pay(folio, "5.00", method=methods["wechat"])
    pay(folio, "5.00", method=methods["cash"])
    assert _queries(api_clerk, url(store, f"folios/{folio.pk}/")) == few


def test_filters(api_clerk, store, order, folio, manager):
    services.folio_check_out_guard(order=order, actor=manager)
    ids = lambda r: [f["id"] for f in r.json()["results"]]  # noqa: E731
    assert ids(api_clerk.get(url(store, f"folios/?order={order.pk}"))) == [folio.pk]
    assert ids(api_clerk.get(url(store, "folios/?is_closed=false"))) == []
    assert ids(api_clerk.get(url(store, "folios/?is_closed=true"))) == [folio.pk]


# --- print ------------------------------------------------------------------------------------------------------


def test_printable_folio_in_both_languages(api, api_clerk, store, order, folio):
    """Two nights of 300.00 not posted yet are shown as such and owed: 620.00 due."""
    tx = charge(folio, "88.00", description="Minibar")
    services.folio_transaction_void(tx=tx, actor=None, reason="Wrong room")
    charge(folio, "120.00", description="Airport pick-up")
    pay(folio, "100.00")
    response = api_clerk.get(url(store, f"folios/{folio.pk}/print/?lang=en"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    for text in ("Guest folio", f"F{folio.pk}", order.code, "Airport pick-up", "Balance due", "CNY 620.00", "@media print",
                 "Wrong room", "-88.00", "Void", "Not yet posted", "600.00"):
        assert text in html, text
    assert "Guest folio" in api_clerk.get(url(store, f"folios/{folio.pk}/print/")).content.decode()  # Accept-Language: en
    zh = api("alpha", "clerk_a1").get(url(store, f"folios/{folio.pk}/print/")).content.decode()  # default zh-Hans
    assert "宾客账单" in api_clerk.get(url(store, f"folios/{folio.pk}/print/?lang=zh-hans")).content.decode()
    for text in ("宾客账单", "应付余额", "部分支付", "冲销", "未入账"):
        assert text in zh, text


def test_back_office_print_page(browser_login, store, folio):
    client = browser_login("alpha", "clerk_a1")
    response = client.get(f"/t/alpha/s/{store.pk}/folios/{folio.pk}/print/?lang=en")
    assert response.status_code == 200
    assert "Guest folio" in response.content.decode()
    assert client.get(f"/t/alpha/s/{store.pk}/folios/999999/print/").status_code == 404


def test_folio_endpoints_are_in_the_openapi_schema(client, world):
    paths = client.get("/t/alpha/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/stores/{store_id}/folios/", "/api/v1/stores/{store_id}/folios/{id}/",
        "/api/v1/stores/{store_id}/folios/{id}/charges/", "/api/v1/stores/{store_id}/folios/{id}/payments/",
        "/api/v1/stores/{store_id}/folios/{id}/deposits/", "/api/v1/stores/{store_id}/folios/{id}/deposit-returns/",
        "/api/v1/stores/{store_id}/folios/{id}/refunds/", "/api/v1/stores/{store_id}/folios/{id}/discounts/",
        "/api/v1/stores/{store_id}/folios/{id}/transactions/{tx_id}/void/",
        "/api/v1/stores/{store_id}/folios/{id}/transactions/{tx_id}/move/", "/api/v1/stores/{store_id}/folios/{id}/print/",
        "/api/v1/stores/{store_id}/orders/{order_id}/folios/", "/api/v1/stores/{store_id}/payment-methods/",
        "/api/v1/stores/{store_id}/extra-items/",
    ):
        assert path in paths, path


def test_folio_schema_has_no_generator_warnings(db):
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        SchemaGenerator(patterns=[path("api/v1/", include("apps.folios.urls_api"))]).get_schema(request=None, public=True)
    problems = sorted({*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache})
    GENERATOR_STATS.reset()
    assert problems == []


def test_a_posting_costs_the_same_whatever_the_ledger_and_takes_the_audit_gate(api_clerk, store, folio, methods):
    path = url(store, f"folios/{folio.pk}/payments/")
    body = {"amount": "10.00", "payment_method": methods["cash"].pk}

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = api_clerk.post(path, body, format="json")
        assert response.status_code == 201
        return ctx.captured_queries

    count()  # warm the per-process caches
    first = count()
    for _ in range(20):
        pay(folio, "1.00")
    assert len(count()) == len(first)
    # the row is dated under the store's audit gate (shared): docs/night_audit.md
    assert any("pg_advisory_xact_lock_shared" in q["sql"] for q in first)
