"""Django admin of rooms: writes go through the services (their checks and inventory effects)."""
from datetime import timedelta

import pytest

from apps.rooms import inventory, services
from apps.rooms.demo import seed
from apps.rooms.models import PricingRule, Room, RoomLock, RoomType, RoomTypeNight
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory
from apps.tenancy.business_day import store_local_date

ADMIN = "/t/alpha/admin/rooms"


@pytest.fixture
def a1(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def admin_client(browser_login, world):
    return browser_login("alpha", "admin_a")


def _room_form(store, room_type, number, **extra):
    return {"store": store.pk, "room_type": room_type.pk, "number": number, "floor": "1", "description": "",
            "is_active": "on", "sort_order": "0", **extra}


def test_admin_adds_a_room_through_the_service(admin_client, a1):
    rt = RoomTypeFactory(store=a1)
    RoomFactory(room_type=rt, number="101")
    night = store_local_date(store=a1) + timedelta(days=1)
    inventory.hold_stay(store_id=a1.pk, order_id=1, room_type_id=rt.pk, nights=[night])  # counter row: capacity 1
    response = admin_client.post(f"{ADMIN}/room/add/", _room_form(a1, rt, "102"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Room.objects.filter(store=a1).order_by("number").values_list("number", flat=True)) == ["101", "102"]
    # the service moved capacity: the counter now counts the new room
    assert RoomTypeNight.objects.get(room_type=rt, night=night).capacity == 2


def test_admin_shows_duplicate_room_number_on_the_field(admin_client, a1):
    rt = RoomTypeFactory(store=a1)
    RoomFactory(room_type=rt, number="101")
    response = admin_client.post(f"{ADMIN}/room/add/", _room_form(a1, rt, "101"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "A room with this number already exists in this store." in response.content.decode()
    assert Room.objects.filter(store=a1).count() == 1


def test_admin_deactivation_refused_by_the_service_saves_nothing(admin_client, a1):
    rt = RoomTypeFactory(store=a1)
    room = RoomFactory(room_type=rt, number="101")
    RoomFactory(room_type=rt, number="102")
    services.room_lock_create(store=a1, room=room, lock_type="hold", start_date=store_local_date(store=a1),
                              end_date=store_local_date(store=a1) + timedelta(days=1))
    form = _room_form(a1, rt, "101", floor="9")
    form.pop("is_active")
    response = admin_client.post(f"{ADMIN}/room/{room.pk}/change/", form, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.status_code == 200
    assert "stays or locks from" in response.content.decode()
    room.refresh_from_db()
    assert (room.is_active, room.floor) == (True, "")


def test_admin_room_types_and_rooms_cannot_be_deleted(admin_client, a1):
    rt = RoomTypeFactory(store=a1)
    room = RoomFactory(room_type=rt)
    assert admin_client.post(f"{ADMIN}/roomtype/{rt.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post(f"{ADMIN}/room/{room.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RoomType.objects.filter(pk=rt.pk).exists() and Room.objects.filter(pk=room.pk).exists()


def test_admin_pricing_rule_checked_by_the_service(admin_client, a1):
    rt = RoomTypeFactory(store=a1)
    form = {"store": a1.pk, "room_type": rt.pk, "name": "连住", "min_los": "5", "max_los": "2", "adjustment_type": "percent",
            "adjustment_value": "-10", "priority": "0", "is_active": "on", "days_of_week": ["5", "4"]}
    response = admin_client.post(f"{ADMIN}/pricingrule/add/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Must not be less than the minimum nights." in response.content.decode()
    assert not PricingRule.objects.exists()
    form["max_los"] = "7"
    assert admin_client.post(f"{ADMIN}/pricingrule/add/", form).status_code == 302
    rule = PricingRule.objects.get()
    assert (rule.days_of_week, rule.min_los, rule.max_los, rule.store_id) == ([4, 5], 5, 7, a1.pk)
    assert admin_client.post(f"{ADMIN}/pricingrule/{rule.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not PricingRule.objects.exists()


def test_admin_lists_render(admin_client, a1):
    seed(store=a1)
    for model in ("roomtype", "room", "pricingrule", "roomlock", "housekeepingevent"):
        assert admin_client.get(f"{ADMIN}/{model}/").status_code == 200, model


def test_demo_seed_builds_a_store_through_the_services(a1):
    seed(store=a1)
    seed(store=a1)  # idempotent
    assert list(RoomType.objects.filter(store=a1).values_list("name", flat=True)) == ["山景大床房", "庭院双床房", "家庭套房"]
    assert Room.objects.filter(store=a1).count() == 11
    assert PricingRule.objects.filter(store=a1).count() == 7
    assert RoomLock.objects.filter(store=a1).count() == 1
