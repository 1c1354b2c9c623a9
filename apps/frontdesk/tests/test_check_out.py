"""The desk's check-out (``stay_check_out``, its API endpoint and its page): the nights used
and not yet posted are charged; a guest who still owes is refused unless a manager
overrides with a reason; an overpayment is left refundable; the folios are closed and the
room becomes dirty."""
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.common.errors import DomainError
from apps.folios import services as folio_services
from apps.folios.models import Folio, FolioEvent
from apps.folios.tests.factories import charge, pay
from apps.frontdesk.services import stay_check_out
from apps.orders.models import Order, OrderEvent
from apps.orders.tests.factories import make_order
from apps.rooms.models import Room
from tests.errors import error_json

S = Order.Status


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def test_check_out_refused_while_the_guest_owes(api, store, order, folio):
    """Two nights of 300.00 from today, a 120.00 charge: a check-out today keeps one night,
    charges it, and the guest owes 420.00: refused, and nothing of it is written."""
    charge(folio, "120.00")
    clerk = api("alpha", "clerk_a1", language="en")
    response = clerk.post(url(store, f"orders/{order.pk}/check-out/"), {}, format="json")
    assert response.status_code == 409
    assert error_json(response) == {
        "detail": "The guest still owes 420.00: take the payment before check-out, or a manager overrides with a reason.",
        "code": "folio_balance_not_zero",
        "extra": {"balance": "420.00", "deposit_held": "0.00",
                  "folios": [{"id": folio.pk, "balance": "420.00", "deposit_held": "0.00"}]},
    }
    order.refresh_from_db()
    folio.refresh_from_db()
    assert (order.status, order.departure - order.arrival, folio.closed_at, folio.total_charges) == (
        S.CHECKED_IN, timedelta(days=2), None, Decimal("120.00"))
    assert not OrderEvent.objects.filter(order=order, kind="checked_out").exists()


def test_check_out_of_a_paid_stay_charges_the_night_and_closes_the_folio(api, store, order, folio):
    charge(folio, "120.00")
    pay(folio, "420.00")
    response = api("alpha", "clerk_a1").post(url(store, f"orders/{order.pk}/check-out/"), {}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "checked_out")
    assert (response.json()["total_amount"], response.json()["paid_amount"], response.json()["due_amount"]) == (
        "420.00", "420.00", "0.00")
    folio.refresh_from_db()
    assert (folio.status, folio.closed_at is not None, folio.total_charges, folio.amount_due) == (
        Folio.Status.SETTLED, True, Decimal("420.00"), Decimal("0.00"))
    data = OrderEvent.objects.get(order=order, kind="checked_out").data
    assert "folio_override" not in data
    assert data["charged"] == [{"order_item_id": data["charged"][0]["order_item_id"], "amount": "300.00",
                                "service_date": order.arrival.isoformat()}]


def test_manager_override_is_recorded_on_the_folio_and_the_order(api, store, order, folio, world):
    charge(folio, "120.00")
    manager = api("alpha", "manager_a1")
    body = {"override_reason": "Company settles by bank transfer"}
    response = manager.post(url(store, f"orders/{order.pk}/check-out/"), body, format="json")
    assert response.status_code == 200, response.json()
    user = world.alpha.users["manager_a1"]
    event = OrderEvent.objects.get(order=order, kind="checked_out")
    assert event.data["folio_override"] == {
        "reason": "Company settles by bank transfer", "balance": "420.00", "deposit_held": "0.00", "by": user.pk,
    }
    override = FolioEvent.objects.get(folio=folio, kind="check_out_override")
    assert (override.actor_id, override.reason) == (user.pk, "Company settles by bank transfer")
    folio.refresh_from_db()
    assert (folio.closed_at is not None, folio.balance) == (True, Decimal("420.00"))
    assert response.json()["due_amount"] == "420.00"


def test_front_desk_override_is_403(api, store, order, folio):
    charge(folio, "120.00")
    clerk = api("alpha", "clerk_a1")
    response = clerk.post(url(store, f"orders/{order.pk}/check-out/"), {"override_reason": "trust me"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "manager_only")
    order.refresh_from_db()
    assert order.status == S.CHECKED_IN
    assert not FolioEvent.objects.filter(kind="check_out_override").exists()


def test_service_check_out_without_folios_opens_charges_and_closes_the_primary(order, clerk, methods):
    with pytest.raises(DomainError) as err:
        stay_check_out(order=order, actor=clerk)
    assert (err.value.code, err.value.extra["balance"]) == ("folio_balance_not_zero", "300.00")
    assert not Folio.objects.filter(order=order).exists()
    folio = folio_services.folio_primary_for_order(order=order, actor=clerk)
    pay(folio, "300.00")
    order = stay_check_out(order=order, actor=clerk)
    folio.refresh_from_db()
    assert (folio.is_primary, folio.closed_at is not None, folio.balance) == (True, True, Decimal("0.00"))
    assert list(FolioEvent.objects.filter(folio=folio).values_list("kind", flat=True)) == ["opened", "closed"]


def test_deposit_held_blocks_the_service_check_out(order, folio, clerk, methods):
    pay(folio, "300.00")
    folio_services.folio_post_deposit(folio=folio, actor=clerk, amount=Decimal("100"), payment_method=methods["cash"])
    with pytest.raises(DomainError) as err:
        stay_check_out(order=order, actor=clerk)
    assert err.value.code == "folio_deposit_held"


def test_an_overpaid_stay_checks_out_and_is_left_refundable(order, folio, clerk):
    """Both nights prepaid (600.00); leaving the first day keeps one night: 300.00 is owed
    back, the folio closes 退款中 and still takes the refund."""
    pay(folio, "600.00")
    order = stay_check_out(order=order, actor=clerk)
    folio.refresh_from_db()
    folio.order.refresh_from_db()
    assert (order.total_amount, order.paid_amount, order.due_amount) == (Decimal("300.00"), Decimal("600.00"),
                                                                       Decimal("-300.00"))
    assert (folio.status, folio.amount_due, folio.closed_at is not None) == (Folio.Status.REFUNDING, Decimal("-300.00"), True)
    assert OrderEvent.objects.get(order=order, kind="checked_out").data["refundable"] == "300.00"


@pytest.mark.parametrize("from_status", [S.CHECKED_IN, S.EXTENDED])
def test_check_out_marks_the_room_dirty(store, rt, today, from_status, world):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, arrival=today, nights=1, status=from_status)
    clerk = world.alpha.users["clerk_a1"]
    pay(folio_services.folio_primary_for_order(order=order), str(order.total_amount))
    order = stay_check_out(order=order, actor=clerk)
    assert order.status == S.CHECKED_OUT and order.checked_out_at is not None
    assert Room.objects.get(pk=room.pk).housekeeping == Room.Housekeeping.DIRTY
    event = order.events.order_by("id").last()
    assert (event.kind, event.from_status, event.to_status, event.actor) == ("checked_out", from_status, S.CHECKED_OUT, clerk)
