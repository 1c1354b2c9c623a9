import pytest

from apps.orders.tests.factories import room_type_with_rooms


@pytest.fixture
def rt(store, direct):
    """A room type of A1 with two rooms."""
    room_type, _rooms = room_type_with_rooms(store, 2)
    return room_type
