import pytest

from apps.members.tests.factories import make_member
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms


@pytest.fixture
def rt(store):
    """A room type of A1 with four rooms at 300.00 (``rt.rooms_list``), and the direct channel."""
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 4)
    room_type.rooms_list = rooms
    return room_type


@pytest.fixture
def member(store, clerk):
    """王芳, enrolled at A1 (name and phone on her profile)."""
    return make_member(store, full_name="王芳", phone="13912345678", actor=clerk)
