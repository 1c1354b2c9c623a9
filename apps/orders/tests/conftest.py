
import pytest

from apps.orders.tests.factories import room_type_with_rooms


@pytest.fixture
def rt(store, direct):
    """A room type with two rooms (``rt.rooms_list``)."""
    room_type, rooms = room_type_with_rooms(store, 2)
    room_type.rooms_list = rooms
    return room_type
