"""Fixtures of the notification tests: an order whose booker has an e-mail and a mobile."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from apps.contacts.models import Contact
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, booking, room_type_with_rooms
from apps.tenancy.business_day import business_date

PHONE = "13812345678"


@pytest.fixture
def rt(store):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 3, price="300.00", name="山景大床房")
    room_type.rooms_list = rooms
    return room_type


@pytest.fixture
def outbox(settings, tmp_path):
    """The dev SMS/WeChat backends' JSON-lines file; ``outbox()`` reads it."""
    path = tmp_path / "outbox.jsonl"
    settings.PMS_NOTIFICATION_DEV_OUTBOX = str(path)

    def read() -> list[dict]:
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    return read


def book(store, rt, *, confirm=True, email="guest@example.com", nationality="", arrival=None, nights=2, name="王小明",
         phone=PHONE) -> Order:
    arrival = arrival or business_date(store=store) + timedelta(days=3)
    order = order_services.order_create(**booking(
        store=store, actor=None, room_type=rt, arrival=arrival, departure=arrival + timedelta(days=nights),
        booker=order_services.PersonIn(full_name=name, phone=phone), confirm=confirm,
    ))
    Contact.objects.filter(pk=order.booker_id).update(email=email, nationality=nationality)
    return Order.objects.select_related("booker").get(pk=order.pk)
