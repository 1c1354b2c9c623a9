"""The owner's overview (数据概览): figures per store and in total, who may see them, and
a query count that does not depend on the number of stores."""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.orders import services
from apps.orders.models import Order
from apps.orders.tests.factories import booking, make_order, room_type_with_rooms
from apps.reports.overview import overview_figures
from apps.rooms.models import Room
from apps.rooms.services import room_lock_create
from apps.tenancy.services import store_create
from tests.errors import error_json

S = Order.Status
URL = "/t/alpha/api/v1/m/overview/"
NO_MONEY = {"payments": "0.00", "refunds": "0.00", "deposits": "0.00", "deposit_returns": "0.00", "net": "0.00"}
NO_COLLECTIONS = {"total": NO_MONEY, "by_method": []}


def _period(start, end, **figures):
    base = {
        "start": start.isoformat(), "end": end.isoformat(), "rooms_available": 0, "rooms_sold": 0, "room_revenue": "0.00",
        "occupancy": None, "adr": None, "revpar": None, "arrivals": 0, "arrivals_checked_in": 0, "departures": 0,
        "departures_checked_out": 0, "audited_nights": 0, "collections": NO_COLLECTIONS,
    }
    base.update(figures)
    return base


@pytest.fixture
def day(today):
    """A day ahead whose month has at least two nights before it (bookable in advance)."""
    d = today + timedelta(days=3)
    return d if d.day >= 3 else d + timedelta(days=2)


def test_overview_of_one_store_exact_figures(login, store, rt, day):
    r1, r2, r3 = rt.rooms_list
    make_order(store, room_type=rt, room=r1, arrival=day - timedelta(days=2), nights=3)  # nights D-2, D-1, D
    make_order(store, room_type=rt, room=r2, arrival=day, nights=2)  # D, D+1 (D+1 is after the period)
    make_order(store, room_type=rt, arrival=day - timedelta(days=1), nights=1)  # by type, night D-1
    make_order(store, room_type=rt, room=r2, arrival=day - timedelta(days=1), nights=1, status=S.PENDING_CONFIRMATION)
    make_order(store, room_type=rt, room=r3, arrival=day - timedelta(days=1), nights=1, status=S.CANCELLED)
    room_lock_create(store=store, room=r3, lock_type="out_of_order", start_date=day, end_date=day + timedelta(days=1))
    c, _body = login("alpha", "manager_a1")

    response = c.get(URL, {"store": store.pk, "date": day.isoformat()})

    assert response.status_code == 200, response.json()
    month = day.replace(day=1)
    available_mtd = 3 * day.day - 1
    today = _period(day, day, rooms_available=2, rooms_sold=2, room_revenue="600.00", occupancy="1.0000", adr="300.00",
                    revpar="300.00", arrivals=1)
    mtd = _period(month, day, rooms_available=available_mtd, rooms_sold=5, room_revenue="1500.00",
                  occupancy=str((Decimal(5) / available_mtd).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)),
                  adr="300.00", revpar=str((Decimal(1500) / available_mtd).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
                  arrivals=3)
    assert response.json() == {
        "total": {"date": day.isoformat(), "currency": "CNY", "store_count": 1, "today": today, "month_to_date": mtd},
        "stores": [{"store_id": store.pk, "store_name": "Alpha One", "currency": "CNY", "date": day.isoformat(),
                    "today": today, "month_to_date": mtd}],
    }


def test_overview_counts_todays_check_ins_and_check_outs(login, store, rt, today, world):
    r1, r2, r3 = rt.rooms_list
    make_order(store, room_type=rt, room=r1, status=S.CHECKED_IN, nights=2)  # arrived today
    # arrived yesterday (entered late), checked in today and left today: its night today goes back
    late = services.order_create(**booking(
        store=store, actor=None, room_type=rt, room=r2, arrival=today - timedelta(days=1), departure=today + timedelta(days=2),
        channel=None, confirm=True, allow_past_arrival=True,
    ))
    services.order_check_in(order=late, actor=None)
    services.order_check_out(order=late, actor=None)
    make_order(store, room_type=rt, room=r3, arrival=today, nights=1)  # expected, not arrived yet
    c, _body = login("alpha", "admin_a")

    body = c.get(URL, {"store": store.pk}).json()

    figures = body["stores"][0]["today"]
    assert body["stores"][0]["date"] == today.isoformat()
    assert {k: figures[k] for k in ("rooms_available", "rooms_sold", "room_revenue", "occupancy", "arrivals",
                                     "arrivals_checked_in", "departures", "departures_checked_out")} == {
        "rooms_available": 3, "rooms_sold": 2, "room_revenue": "600.00", "occupancy": "0.6667", "arrivals": 2,
        "arrivals_checked_in": 1, "departures": 1, "departures_checked_out": 1,
    }


def test_overview_of_all_stores_adds_them_up(login, store, store2, rt, day):
    make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=day, nights=1)
    other_type, other_rooms = room_type_with_rooms(store2, 2, price="500.00")
    make_order(store2, room_type=other_type, room=other_rooms[0], arrival=day, nights=1)
    make_order(store2, room_type=other_type, room=other_rooms[1], arrival=day, nights=1)
    admin, _ = login("alpha", "admin_a")

    body = admin.get(URL, {"date": day.isoformat()}).json()

    assert [(s["store_name"], s["today"]["rooms_sold"], s["today"]["room_revenue"]) for s in body["stores"]] == [
        ("Alpha One", 1, "300.00"), ("Alpha Two", 2, "1000.00"),
    ]
    total = body["total"]["today"]
    assert body["total"]["store_count"] == 2
    assert (total["rooms_available"], total["rooms_sold"], total["room_revenue"], total["occupancy"], total["adr"], total["revpar"]) == (
        5, 3, "1300.00", "0.6000", "433.33", "260.00",
    )
    assert total["arrivals"] == 3
    # a manager sees the stores they manage only
    manager, _ = login("alpha", "manager_a1")
    assert [s["store_id"] for s in manager.get(URL, {"date": day.isoformat()}).json()["stores"]] == [store.pk]


def test_overview_is_for_managers(login, store, store2):
    clerk, _ = login("alpha", "clerk_a1")
    response = clerk.get(URL)
    assert response.status_code == 403
    assert error_json(response) == {"detail": "Only a store manager can do this.", "code": "manager_only", "extra": {}}
    assert clerk.get(URL, {"store": store.pk}).status_code == 403
    assert clerk.get(URL, {"store": store2.pk}).status_code == 404  # not even a store they work in
    manager, _ = login("alpha", "manager_a1")
    assert error_json(manager.get(URL, {"store": store2.pk})) == {"detail": "Not found.", "code": "not_found", "extra": {}}
    zh, _ = login("alpha", "clerk_a2", language=None)
    assert error_json(zh.get(URL)) == {"detail": "只有店长可以执行此操作。", "code": "manager_only", "extra": {}}


def test_overview_input_errors_and_revoked_tokens(login, store):
    c, _ = login("alpha", "manager_a1")
    assert c.get(URL, {"date": "2026-13-01"}).json()["extra"]["fields"] == {
        "date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}
    assert c.get(URL, {"store": "0"}).status_code == 400
    assert c.post(c.prefix + "/auth/logout/").status_code == 204
    assert c.get(URL).status_code == 401


def test_overview_in_another_tenant_sees_only_that_tenant(login, world):
    beta, _ = login("beta", "admin_b")
    body = beta.get("/t/beta/api/v1/m/overview/").json()
    assert [s["store_name"] for s in body["stores"]] == ["Beta One"]


def _count(client, params) -> int:
    client.get(URL, params)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


def test_overview_query_count_does_not_depend_on_the_number_of_stores(login, store, store2, rt, day):
    admin, _ = login("alpha", "admin_a")
    on = day.isoformat()
    one = _count(admin, {"store": store.pk, "date": on})
    two = _count(admin, {"date": on})
    two_by_business_date = _count(admin, {})
    for i in range(3):
        store_create(name=f"Extra {i}", code=f"x{i}")
    five = _count(admin, {"date": on})
    assert one == two == five
    assert _count(admin, {}) == two_by_business_date


def test_the_overview_on_one_connection_follows_the_tenant(world, store, rt, day):
    """Two tenants whose stores have the same id, read one after the other on the same
    connection: each overview counts its own tenant's rooms."""
    from django_tenants.utils import tenant_context

    alpha = overview_figures(stores=[store], day=day)
    alpha_rooms = Room.objects.filter(store=store, is_active=True).count()
    assert alpha["stores"][0]["today"]["rooms_available"] == alpha_rooms > 0

    with tenant_context(world.beta.tenant):
        beta_store = world.beta.stores["B1"]
        assert beta_store.pk == store.pk  # the same id in the other schema
        beta = overview_figures(stores=[beta_store], day=day)
        beta_rooms = Room.objects.filter(store=beta_store, is_active=True).count()
    assert beta["stores"][0]["today"]["rooms_available"] == beta_rooms != alpha_rooms
    assert beta["stores"][0]["store_name"] == "Beta One"
