"""The overview takes the nights the night audit closed from its daily figures."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.night_audit.models import DailyStoreStats
from apps.orders.models import Order
from apps.orders.tests.factories import make_order

S = Order.Status
URL = "/t/alpha/api/v1/m/overview/"


@pytest.fixture
def day(today):
    d = today + timedelta(days=3)
    return d if d.day >= 3 else d + timedelta(days=2)


def test_audited_nights_come_from_the_daily_figures(login, store, rt, day):
    r1, r2, _r3 = rt.rooms_list
    make_order(store, room_type=rt, room=r1, arrival=day - timedelta(days=2), nights=3)  # D-2, D-1, D
    make_order(store, room_type=rt, room=r2, arrival=day, nights=1)  # D
    # the audit closed D-1 with other figures than the order lines say (a void, a complimentary room)
    DailyStoreStats.objects.create(
        store=store, date=day - timedelta(days=1), rooms_total=3, rooms_out_of_order=1, rooms_available=2, rooms_sold=2,
        room_revenue=Decimal("555.00"), other_revenue=Decimal("0.00"), computed_at=timezone.now(),
    )
    c, _ = login("alpha", "manager_a1")

    body = c.get(URL, {"store": store.pk, "date": day.isoformat()}).json()

    today = body["stores"][0]["today"]
    assert (today["rooms_available"], today["rooms_sold"], today["room_revenue"], today["audited_nights"]) == (3, 2, "600.00", 0)
    mtd = body["stores"][0]["month_to_date"]
    live_nights = day.day - 1
    assert (mtd["rooms_available"], mtd["rooms_sold"], mtd["room_revenue"], mtd["audited_nights"]) == (
        3 * live_nights + 2, 2 + 2 + 1, "1455.00", 1,  # D-2 and D live (1 + 2 sold), D-1 audited (2)
    )
    # asking for D-1 itself: its night is the audited one
    closed = c.get(URL, {"store": store.pk, "date": (day - timedelta(days=1)).isoformat()}).json()["stores"][0]["today"]
    assert (closed["rooms_available"], closed["rooms_sold"], closed["room_revenue"], closed["occupancy"], closed["audited_nights"]) == (
        2, 2, "555.00", "1.0000", 1,
    )
