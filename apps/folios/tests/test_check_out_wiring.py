"""The check-out rule wired into orders: ``order_check_out`` (and its API action) refuses
an unsettled folio unless a manager overrides with a reason; the folios are closed."""
from decimal import Decimal

import pytest

from apps.common.errors import DomainError
from apps.folios.models import Folio, FolioEvent
from apps.folios.tests.factories import charge, pay
from apps.orders import services as order_services
from apps.orders.models import Order, OrderEvent

S = Order.Status


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def test_check_out_refused_while_the_folio_has_a_balance(api, store, order, folio):
    charge(folio, "120.00")
    clerk = api("alpha", "clerk_a1", language="en")
    response = clerk.post(url(store, f"orders/{order.pk}/check-out/"), {}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "The folio balance is 120.00: settle it before check-out, or a manager overrides with a reason.",
        "code": "folio_balance_not_zero",
        "extra": {"balance": "120.00", "deposit_held": "0.00",
                  "folios": [{"id": folio.pk, "balance": "120.00", "deposit_held": "0.00"}]},
    }
    order.refresh_from_db()
    folio.refresh_from_db()
    assert (order.status, folio.closed_at) == (S.CHECKED_IN, None)
    assert not OrderEvent.objects.filter(order=order, kind="checked_out").exists()


def test_check_out_of_a_settled_folio_closes_it(api, store, order, folio):
    charge(folio, "120.00")
    pay(folio, "120.00")
    response = api("alpha", "clerk_a1").post(url(store, f"orders/{order.pk}/check-out/"), {}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "checked_out")
    folio.refresh_from_db()
    assert folio.status == Folio.Status.CLOSED
    assert "folio_override" not in OrderEvent.objects.get(order=order, kind="checked_out").data


def test_manager_override_is_recorded_on_the_folio_and_the_order(api, store, order, folio, world):
    charge(folio, "120.00")
    manager = api("alpha", "manager_a1")
    body = {"override_reason": "Company settles by bank transfer"}
    response = manager.post(url(store, f"orders/{order.pk}/check-out/"), body, format="json")
    assert response.status_code == 200, response.json()
    user = world.alpha.users["manager_a1"]
    event = OrderEvent.objects.get(order=order, kind="checked_out")
    assert event.data["folio_override"] == {
        "reason": "Company settles by bank transfer", "balance": "120.00", "deposit_held": "0.00", "by": user.pk,
    }
    override = FolioEvent.objects.get(folio=folio, kind="check_out_override")
    assert (override.actor_id, override.reason) == (user.pk, "Company settles by bank transfer")
    folio.refresh_from_db()
    assert (folio.closed_at is not None, folio.balance) == (True, Decimal("120.00"))


def test_front_desk_override_is_403(api, store, order, folio):
    charge(folio, "120.00")
    clerk = api("alpha", "clerk_a1")
    response = clerk.post(url(store, f"orders/{order.pk}/check-out/"), {"override_reason": "trust me"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "manager_only")
    order.refresh_from_db()
    assert order.status == S.CHECKED_IN
    assert not FolioEvent.objects.filter(kind="check_out_override").exists()


def test_service_check_out_without_folios_opens_and_closes_the_primary(order, clerk):
    order = order_services.order_check_out(order=order, actor=clerk)
    folio = Folio.objects.get(order=order)
    assert (folio.is_primary, folio.closed_at is not None) == (True, True)
    assert list(FolioEvent.objects.filter(folio=folio).values_list("kind", flat=True)) == ["opened", "closed"]


def test_deposit_held_blocks_the_service_check_out(order, folio, clerk, methods):
    from apps.folios import services

    services.folio_post_deposit(folio=folio, actor=clerk, amount=Decimal("100"), payment_method=methods["cash"])
    with pytest.raises(DomainError) as err:
        order_services.order_check_out(order=order, actor=clerk)
    assert err.value.code == "folio_deposit_held"
