"""Fixtures of the night audit tests.

Business day D is the store's local *yesterday*: a past calendar day may always be
audited, whatever the hour the tests run at (today's own audit is refused until its
audit time, ``audit_day_not_over``)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
from apps.tenancy.business_day import store_local_date
from tests.fixtures import set_business_date

Status = Order.Status


@pytest.fixture
def day(store):
    """Business day D (yesterday, local), set as the store's open business date."""
    d = store_local_date(store=store) - timedelta(days=1)
    set_business_date(store, d)
    return d


@pytest.fixture
def rt(store):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 6, price="300.00")
    room_type.rooms_list = rooms
    return room_type
