from datetime import timedelta

import pytest

from apps.orders.selectors import business_date
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def today(store):
    return business_date(store=store)


@pytest.fixture
def tomorrow(today):
    return today + timedelta(days=1)


@pytest.fixture
def direct(store):
    return ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")


@pytest.fixture
def rt(store, direct):
    """A room type with two rooms (``rt.rooms_list``)."""
    room_type, rooms = room_type_with_rooms(store, 2)
    room_type.rooms_list = rooms
    return room_type
