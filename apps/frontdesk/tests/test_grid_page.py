"""Back-office pages of the desk around the room status grid: the grid itself and the room panel beside it (housekeeping, locks), with stays on it."""
import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.orders.models import Channel, Order
from apps.orders.services import PersonIn, order_check_in, order_create
from apps.orders.tests.factories import booking
from apps.rooms import services
from apps.rooms.models import HousekeepingEvent, Room, RoomLock, RoomNight
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory
from apps.tenancy.business_day import store_local_date

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def a1(world):
    return world.alpha.stores["A1"]


@pytest.fixture
def clerk(browser_login):
    return browser_login("alpha", "clerk_a1")


def _grid_url(store, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/t/alpha/s/{store.pk}/grid/" + (f"?{query}" if query else "")


def _populate(world, store, *, n_rooms: int, types: int = 2, prefix: str = "R"):
    """Rooms in ``types`` types, a confirmed stay on every room and a lock on every third."""
    with tenant_context(world.alpha.tenant):
        today = store_local_date(store=store)
        channel = Channel.objects.filter(store=store, code="direct").first() or Channel.objects.create(
            store=store, code="direct", name="直订", channel_type="direct")
        room_types = [RoomTypeFactory(store=store, name=f"{prefix}型{i}", sort_order=i) for i in range(types)]
        rooms = [RoomFactory(room_type=room_types[i % types], number=f"{prefix}{i:03d}", floor=str(1 + i // 10)) for i in range(n_rooms)]
        for i, room in enumerate(rooms):
            order_create(**booking(store=store, actor=None, room_type=room.room_type, room=room, arrival=today + timedelta(days=i % 3),
                         departure=today + timedelta(days=i % 3 + 2), channel=channel, confirm=True,
                         guests=[PersonIn(full_name=f"客{prefix}{i}")]))
            if i % 3 == 0:
                services.room_lock_create(store=store, room=room, lock_type="maintenance", start_date=today + timedelta(days=4),
                                          end_date=today + timedelta(days=5), reason="检修")
        return today, rooms


def test_grid_shows_rooms_stays_locks_housekeeping_and_free_counts(world, a1, clerk):
    today, rooms = _populate(world, a1, n_rooms=3)
    with tenant_context(world.alpha.tenant):
        services.room_housekeeping_set(room=rooms[1], status="dirty", actor=None)

    response = clerk.get(_grid_url(a1, days=7))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="rk-row" data-room=') == 3
    for room in rooms:
        assert f'data-testid="room-{room.number}"' in html
    # one stay block per room, movable (confirmed), positioned by column and span
    assert len(re.findall(r'class="blk st-confirmed"[^>]*data-movable="dates room"', html)) == 3
    assert 'style="--s:0;--n:2"' in html and 'style="--s:1;--n:2"' in html and 'style="--s:2;--n:2"' in html
    assert "客R0<small>" in html
    # the lock on room 0 (every third room) at today + 4
    assert html.count('class="blk lock') == 1 and 'style="--s:4;--n:1"' in html
    # housekeeping badge, today highlighted, free counts (2 types: R000/R002 in type 0, R001 in type 1)
    assert 'data-testid="hk-R001">待清洁' in html
    assert f'class="rk-d today" data-d="{today.isoformat()}"' in html
    assert html.count('<i class="t"></i>') == 3  # today's cell in each room row
    free_total = re.search(r'data-testid="free-total">(.*?)</div>\s*</div>', html, re.S).group(0)
    assert re.findall(r'rk-free[^"]*"[^>]*>(\d+)<', free_total) == ["2", "1", "1", "2", "2", "3", "3"]


def test_grid_groups_by_floor(world, a1, clerk):
    _populate(world, a1, n_rooms=12, types=1)
    html = clerk.get(_grid_url(a1, days=7, group="floor")).content.decode()
    labels = re.findall(r'data-testid="grid-group-row">\s*<div class="rk-label">([^<]*)<', html)
    assert [label.strip() for label in labels] == ["1", "2"]
    assert html.count('data-testid="free-type"') == 1


def test_grid_query_count_is_constant(world, a1, clerk):
    _populate(world, a1, n_rooms=4, prefix="S")
    clerk.get(_grid_url(a1, days=7))  # warm caches (tenant, content types)
    with CaptureQueriesContext(connection) as small:
        assert clerk.get(_grid_url(a1, days=7)).status_code == 200
    _populate(world, a1, n_rooms=40, types=4, prefix="L")
    clerk.get(_grid_url(a1, days=31))  # the new room types into the reference cache
    with CaptureQueriesContext(connection) as big:
        response = clerk.get(_grid_url(a1, days=31))
    assert response.content.decode().count('class="rk-row" data-room=') == 44
    assert len(small) == len(big), [q["sql"] for q in big.captured_queries]


def test_grid_partial_is_only_the_rows(world, a1, clerk):
    _populate(world, a1, n_rooms=2)
    html = clerk.get(_grid_url(a1, days=7, partial=1)).content.decode()
    assert "<html" not in html and 'class="rk-row" data-room=' in html


def test_grid_of_another_store_is_404_and_anonymous_goes_to_login(world, a1, client, clerk):
    a2 = world.alpha.stores["A2"]
    assert clerk.get(_grid_url(a2)).status_code == 404
    client.logout()
    response = client.get(_grid_url(a1))
    assert response.status_code == 302 and "/t/alpha/login/" in response["Location"]


def test_bad_window_parameters_fall_back_to_defaults(world, a1, clerk):
    _populate(world, a1, n_rooms=1)
    response = clerk.get(_grid_url(a1, days=365, start="nonsense"))
    assert response.status_code == 200
    assert response.content.decode().count('class="rk-d') == 14


def test_room_panel_shows_housekeeping_choices_and_locks(world, a1, clerk):
    _today, rooms = _populate(world, a1, n_rooms=1)
    html = clerk.get(f"/t/alpha/s/{a1.pk}/rooms/{rooms[0].pk}/panel/", **HX).content.decode()
    assert 'data-testid="room-panel"' in html
    assert 'data-testid="set-hk-dirty"' in html and 'data-testid="set-hk-inspected"' in html
    assert "检修" in html and 'data-testid="lock-form"' in html


def test_housekeeping_from_the_panel(world, a1, clerk):
    _today, rooms = _populate(world, a1, n_rooms=1)
    room = rooms[0]
    url = f"/t/alpha/s/{a1.pk}/rooms/{room.pk}/housekeeping/"

    response = clerk.post(url, {"status": "dirty"}, **HX)

    assert response.status_code == 204
    events = json.loads(response["HX-Trigger"])
    assert events["desk-changed"] is True and events["toast"]["level"] == "success"
    with tenant_context(world.alpha.tenant):
        assert Room.objects.get(pk=room.pk).housekeeping == "dirty"
        # dirty -> inspected is not allowed: refused with the reason, nothing written
        count = HousekeepingEvent.objects.count()
    refused = clerk.post(url, {"status": "inspected"}, **HX)
    assert refused.status_code == 204
    assert json.loads(refused["HX-Trigger"])["toast"]["level"] == "error"
    with tenant_context(world.alpha.tenant):
        assert Room.objects.get(pk=room.pk).housekeeping == "dirty"
        assert HousekeepingEvent.objects.count() == count


def test_housekeeping_without_javascript_redirects_back_with_a_message(world, a1, clerk):
    _today, rooms = _populate(world, a1, n_rooms=1)
    today_url = f"/t/alpha/s/{a1.pk}/today/"
    response = clerk.post(f"/t/alpha/s/{a1.pk}/rooms/{rooms[0].pk}/housekeeping/", {"status": "dirty", "next": today_url})
    assert response.status_code == 302 and response["Location"] == today_url
    response = clerk.post(f"/t/alpha/s/{a1.pk}/rooms/{rooms[0].pk}/housekeeping/", {"status": "dirty", "next": "https://evil.example/"})
    assert response["Location"] == f"/t/alpha/s/{a1.pk}/grid/"


def test_lock_and_unlock_from_the_panel(world, a1, clerk):
    today, rooms = _populate(world, a1, n_rooms=2)
    room = rooms[1]  # no lock yet; its stay is today+1 .. today+3
    url = f"/t/alpha/s/{a1.pk}/rooms/{room.pk}/locks/"
    start, end = today + timedelta(days=5), today + timedelta(days=7)

    response = clerk.post(url, {"lock_type": "out_of_order", "start_date": start, "end_date": end, "reason": "漏水"}, **HX)

    assert response.status_code == 204
    with tenant_context(world.alpha.tenant):
        lock = RoomLock.objects.get(room=room)
        assert (lock.start_date, lock.end_date, lock.reason) == (start, end, "漏水")
        assert RoomNight.objects.filter(room=room, kind="lock").count() == 2
    response = clerk.post(f"/t/alpha/s/{a1.pk}/locks/{lock.pk}/release/", {}, **HX)
    assert response.status_code == 204
    with tenant_context(world.alpha.tenant):
        assert RoomNight.objects.filter(room=room, kind="lock").count() == 0


def test_lock_over_a_stay_is_refused_on_the_form_with_the_values_kept(world, a1, clerk):
    today, rooms = _populate(world, a1, n_rooms=2)
    room = rooms[1]
    url = f"/t/alpha/s/{a1.pk}/rooms/{room.pk}/locks/"
    data = {"lock_type": "hold", "start_date": today + timedelta(days=1), "end_date": today + timedelta(days=2), "reason": "老板朋友"}

    response = clerk.post(url, data, HTTP_ACCEPT_LANGUAGE="en", **HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in html and "Guests are booked in this room" in html
    assert 'value="老板朋友"' in html
    with tenant_context(world.alpha.tenant):
        assert not RoomLock.objects.filter(room=room).exists()
    # a bad range never reaches the service
    bad = clerk.post(url, {**data, "end_date": today}, **HX).content.decode()
    assert "errorlist" in bad


def test_lock_of_another_stores_room_is_404(world, a1, clerk):
    with tenant_context(world.alpha.tenant):
        other = RoomFactory(room_type=RoomTypeFactory(store=world.alpha.stores["A2"]))
    today = store_local_date(store=a1)
    response = clerk.post(f"/t/alpha/s/{a1.pk}/rooms/{other.pk}/locks/",
                          {"lock_type": "hold", "start_date": today, "end_date": today + timedelta(days=1)}, **HX)
    assert response.status_code == 404


def test_in_house_stays_move_by_room_only(world, a1, clerk):
    today, rooms = _populate(world, a1, n_rooms=1)
    with tenant_context(world.alpha.tenant):
        order = Order.objects.get(room=rooms[0])
        order_check_in(order=order, actor=None)
    html = clerk.get(_grid_url(a1, days=7)).content.decode()
    assert 'class="blk st-checked_in"' in html and 'data-movable="room"' in html
