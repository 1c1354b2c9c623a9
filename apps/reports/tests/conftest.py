"""Fixtures of the night audit tests.

Business day D is the store's local *yesterday*: a past calendar day may always be
audited, whatever the hour the tests run at (today's own audit is refused until its
audit time, ``audit_day_not_over``)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.reports.models import StoreBusinessDay
from apps.reports.selectors import store_local_today

Status = Order.Status


def set_business_date(store, day) -> None:
    StoreBusinessDay.objects.update_or_create(store=store, defaults={"business_date": day, "opened_at": timezone.now()})


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def manager(world):
    return world.alpha.users["manager_a1"]


@pytest.fixture
def day(store):
    """Business day D (yesterday, local), set as the store's open business date."""
    d = store_local_today(store=store) - timedelta(days=1)
    set_business_date(store, d)
    return d


@pytest.fixture
def rt(store):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 6, price="300.00")
    room_type.rooms_list = rooms
    return room_type


def stay(store, rt, room_index: int | None, *, arrival, nights: int = 2, status=Status.CHECKED_IN,
         prices: list[str] | None = None, **kw) -> Order:
    """An order in ``rt.rooms_list[room_index]`` (None: type level) driven to ``status``."""
    extra = {}
    if prices is not None:
        extra["nightly_prices"] = {arrival + timedelta(days=i): Decimal(p) for i, p in enumerate(prices)}
    room = rt.rooms_list[room_index] if room_index is not None else None
    return make_order(store, room_type=rt, room=room, arrival=arrival, nights=nights, status=status,
                      allow_past_arrival=True, **extra, **kw)
