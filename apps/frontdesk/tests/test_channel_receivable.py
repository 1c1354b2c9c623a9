"""An order the channel (OTA) collected for is settled by a receivable from the channel
(挂账), with the channel's commission recorded, not by a payment at the desk
(docs/folios.md, "Money truth: the definitions")."""
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.folios.models import FolioTransaction
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms


@pytest.fixture
def ctrip(store):
    return ChannelFactory(store=store, code="ctrip", name="携程", channel_type="ota")


@pytest.fixture
def rt(store):
    room_type, _rooms = room_type_with_rooms(store, 2, price="300.00")
    return room_type


def push(client, store, rt, arrival, key, **extra):
    body = {"channel": "ctrip", "external_ref": "CT-88", "room_type": str(rt.pk), "arrival": arrival.isoformat(),
            "departure": (arrival + timedelta(days=2)).isoformat(), "guest": {"full_name": "赵敏"}, "amount": "936.00",
            **extra}
    return client.post(f"/t/alpha/api/v1/stores/{store.pk}/external-orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_prepaid_channel_order_is_settled_by_a_receivable_with_its_commission(api, store, rt, ctrip, tomorrow):
    client = api("alpha", "clerk_a1", language="en")
    response = push(client, store, rt, tomorrow, "k-1", prepaid_amount="936.00", commission="140.40")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["outcome"], data["total_amount"], data["paid_amount"], data["due_amount"]) == (
        "confirmed", "936.00", "936.00", "0.00")
    row = FolioTransaction.objects.select_related("payment_method").get(folio__order_id=data["id"])
    assert (row.transaction_type, row.amount, row.payment_method.method_type, row.gateway_txn_id, row.description) == (
        "payment", Decimal("936.00"), "ota_prepaid", "CT-88", "携程 挂账 · 佣金 140.40")
    # the same order pushed again (another key): no second receivable
    again = push(client, store, rt, tomorrow, "k-2", prepaid_amount="936.00", commission="140.40")
    assert (again.status_code, again.json()["outcome"], again.json()["paid_amount"]) == (200, "duplicate", "936.00")
    assert FolioTransaction.objects.filter(folio__order_id=data["id"]).count() == 1


def test_a_channel_order_the_guest_pays_at_the_desk_has_no_receivable(api, store, rt, ctrip, tomorrow):
    response = push(api("alpha", "clerk_a1"), store, rt, tomorrow, "k-1")
    assert (response.status_code, response.json()["due_amount"]) == (201, "936.00")
    assert not FolioTransaction.objects.filter(folio__order_id=response.json()["id"]).exists()
