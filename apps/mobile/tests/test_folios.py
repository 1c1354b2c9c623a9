"""What the owner's app reads from and passes through to folios: collections by payment
method in the overview, and the check-out's settlement rule with a manager's override."""
from datetime import timedelta
from decimal import Decimal

from apps.folios import services as folio_services
from apps.folios.tests.factories import charge, methods_for, pay, primary_folio
from apps.mobile.tests.conftest import m
from apps.orders.models import Order, OrderEvent
from apps.orders.tests.factories import make_order, room_type_with_rooms
from tests.errors import error_json

S = Order.Status
URL = "/t/alpha/api/v1/m/overview/"


def _money(payments="0.00", refunds="0.00", deposits="0.00", deposit_returns="0.00", net="0.00"):
    return {"payments": payments, "refunds": refunds, "deposits": deposits, "deposit_returns": deposit_returns, "net": net}


def test_collections_by_payment_method(login, store, store2, rt, today, world):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], status=S.CHECKED_IN, nights=2)
    folio = primary_folio(order)
    methods = methods_for(store)
    cash, wechat = methods["cash"], methods["wechat"]
    pay(folio, "300.00", method=wechat)
    voided = pay(folio, "100.00", method=cash)
    folio_services.folio_transaction_void(tx=voided, actor=None, reason="wrong folio")
    folio_services.folio_post_refund(folio=folio, actor=None, amount=Decimal("50.00"), payment_method=wechat, reason="late check-in")
    folio_services.folio_post_deposit(folio=folio, actor=None, amount=Decimal("200.00"), payment_method=cash)
    other_type, other_rooms = room_type_with_rooms(store2, 1)
    other = make_order(store2, room_type=other_type, room=other_rooms[0], status=S.CHECKED_IN, nights=1)
    pay(primary_folio(other), "88.00", method=methods_for(store2)["cash"])
    admin, _ = login("alpha", "admin_a")

    body = admin.get(URL).json()

    a1 = body["stores"][0]["today"]["collections"]
    assert a1 == {
        "total": _money(payments="300.00", refunds="50.00", deposits="200.00", net="450.00"),
        "by_method": [
            {"method_id": cash.pk, "name": "现金", "method_type": "cash", **_money(deposits="200.00", net="200.00")},
            {"method_id": wechat.pk, "name": "微信支付", "method_type": "wechat", **_money(payments="300.00", refunds="50.00", net="250.00")},
        ],
    }
    assert body["stores"][0]["month_to_date"]["collections"] == a1
    # all stores: grouped by method type, named by the type
    assert body["total"]["today"]["collections"] == {
        "total": _money(payments="388.00", refunds="50.00", deposits="200.00", net="538.00"),
        "by_method": [
            {"method_id": None, "name": "Cash", "method_type": "cash", **_money(payments="88.00", deposits="200.00", net="288.00")},
            {"method_id": None, "name": "WeChat Pay", "method_type": "wechat", **_money(payments="300.00", refunds="50.00", net="250.00")},
        ],
    }
    # money posted today is not yesterday's, nor (when it is in the same month) tomorrow's
    yesterday = admin.get(URL, {"date": (today - timedelta(days=1)).isoformat()}).json()
    assert yesterday["total"]["today"]["collections"]["by_method"] == []
    tomorrow = today + timedelta(days=1)
    if tomorrow.month == today.month:
        ahead = admin.get(URL, {"date": tomorrow.isoformat()}).json()
        assert ahead["total"]["today"]["collections"]["by_method"] == []
        assert ahead["total"]["month_to_date"]["collections"]["total"]["net"] == "538.00"


def test_check_out_needs_a_settled_bill_or_a_managers_override(login, store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], status=S.CHECKED_IN, nights=1)
    folio = primary_folio(order)
    charge(folio, "45.00")
    clerk, _ = login("alpha", "clerk_a1")
    url = m(store, f"orders/{order.pk}/check-out/")

    refused = clerk.post(url, {}, format="json")

    assert refused.status_code == 409
    # the night (300.00) is charged by the check-out itself: 345.00 owed
    assert error_json(refused) == {
        "detail": "The guest still owes 345.00: take the payment before check-out, or a manager overrides with a reason.",
        "code": "folio_balance_not_zero",
        "extra": {"balance": "345.00", "deposit_held": "0.00",
                  "folios": [{"id": folio.pk, "balance": "345.00", "deposit_held": "0.00"}]},
    }
    forced = clerk.post(url, {"override_reason": "the guest pays tomorrow"}, format="json")
    assert forced.status_code == 403 and forced.json()["code"] == "manager_only"
    order.refresh_from_db()
    assert order.status == S.CHECKED_IN
    manager, _ = login("alpha", "manager_a1")
    done = manager.post(url, {"override_reason": "company account"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "checked_out"
    event = OrderEvent.objects.get(order=order, kind="checked_out")
    assert event.data["folio_override"]["reason"] == "company account"


def test_check_out_of_a_settled_bill(login, store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], status=S.CHECKED_IN, nights=1)
    folio = primary_folio(order)
    charge(folio, "45.00")
    pay(folio, "345.00")  # the night and the charge
    clerk, _ = login("alpha", "clerk_a1")
    response = clerk.post(m(store, f"orders/{order.pk}/check-out/"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["paid_amount"], response.json()["due_amount"]) == (
        "checked_out", "345.00", "0.00")
