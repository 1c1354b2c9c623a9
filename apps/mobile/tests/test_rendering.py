"""The owner app's and the orders' responses are what DRF would render: every output
serializer once through its plan (``apps.common.serializers.OutputSerializer``) and once
through DRF's own ``Serializer.to_representation``, on a store with stays, money and a
change feed."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from apps.folios.tests.factories import charge, pay, primary_folio
from apps.mobile.serializers import MobileOrderSerializer
from apps.mobile.tests.conftest import m
from apps.orders.models import Order
from apps.orders.tests.factories import make_order, room_type_with_rooms


def test_every_owner_app_and_order_response_renders_as_drf_renders_it(api, store, today, direct, drf_only):
    rt, rooms = room_type_with_rooms(store, 4, name="Garden")
    staying = make_order(store, room_type=rt, room=rooms[0], arrival=today, nights=2, status=Order.Status.CHECKED_IN)
    folio = primary_folio(staying)
    charge(folio, Decimal("300.00"))
    pay(folio, Decimal("300.00"))
    arriving = make_order(store, room_type=rt, room=rooms[1], arrival=today, nights=3)
    make_order(store, room_type=rt, arrival=today + timedelta(days=2), nights=1)
    c = api("alpha", "manager_a1", language="en")
    assert c.post(m(store, f"orders/{arriving.pk}/check-in/"), {}, format="json").status_code == 200
    paths = [
        "/t/alpha/api/v1/m/overview/", m(store, "room-status/?days=7"), "/t/alpha/api/v1/m/reminders/", m(store, "today/"),
        f"/t/alpha/api/v1/stores/{store.pk}/orders/{staying.pk}/", f"/t/alpha/api/v1/stores/{store.pk}/orders/",
    ]
    planned = [c.get(path).json() for path in paths]
    drf_only(True)
    assert [c.get(path).json() for path in paths] == planned
    assert planned[2]["events"] and planned[0]["stores"] and planned[4]["items"]  # none of them was empty
    staying.refresh_from_db()
    drf_only(False)
    card = MobileOrderSerializer(staying).data
    drf_only(True)
    assert MobileOrderSerializer(staying).data == card
