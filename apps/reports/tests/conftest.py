"""Fixtures of the reports tests: store A1 of tenant alpha, business day D = the store's
local yesterday (open, so that its audit may run), a room type of six rooms."""
from __future__ import annotations

from datetime import timedelta

import pytest

from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
from apps.tenancy.business_day import store_local_date
from tests.fixtures import set_business_date


@pytest.fixture
def day(store):
    d = store_local_date(store=store) - timedelta(days=1)
    set_business_date(store, d)
    return d


@pytest.fixture
def rt(store):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    ChannelFactory(store=store, code="ctrip", name="Ctrip", channel_type="ota")
    room_type, rooms = room_type_with_rooms(store, 6, price="300.00", name="Deluxe King")
    room_type.rooms_list = rooms
    return room_type
