"""Fixtures of the front desk tests: a guest in the house with a folio, the payment methods."""
import pytest

from apps.folios.tests.factories import methods_for, primary_folio
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms


@pytest.fixture
def rt(store):
    """A room type of A1 with three rooms (``rt.rooms_list``), and the direct channel."""
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 3)
    room_type.rooms_list = rooms
    return room_type


@pytest.fixture
def order(store, rt):
    """A guest in the house in room 1 for two nights (600.00), no folio yet."""
    return make_order(store, room_type=rt, room=rt.rooms_list[0], status=Order.Status.CHECKED_IN)


@pytest.fixture
def folio(order):
    return primary_folio(order)


@pytest.fixture
def methods(store):
    return methods_for(store)
