"""Services of rooms: housekeeping, room types and rooms, locks, pricing rules."""
import pytest

from apps.common.errors import DomainError, DomainValidationError
from apps.rooms import services
from apps.rooms.models import HousekeepingEvent, Room
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def clerk(world):
    return world.alpha.users["clerk_a1"]


def history(room):
    return list(
        HousekeepingEvent.objects.filter(room=room).order_by("id").values_list("from_status", "to_status", "source", "actor_id")
    )


# --- housekeeping -------------------------------------------------------------------


def test_housekeeping_cycle_records_who_and_when(store, clerk):
    room = RoomFactory(room_type=RoomTypeFactory(store=store))
    assert room.housekeeping == "clean"
    for status in ("dirty", "cleaning", "clean", "inspected"):
        room = services.room_housekeeping_set(room=room, status=status, actor=clerk)
    room.refresh_from_db()
    assert (room.housekeeping, room.housekeeping_by_id) == ("inspected", clerk.pk)
    assert room.housekeeping_at == HousekeepingEvent.objects.filter(room=room).latest("id").created_at
    assert history(room) == [
        ("clean", "dirty", "manual", clerk.pk),
        ("dirty", "cleaning", "manual", clerk.pk),
        ("cleaning", "clean", "manual", clerk.pk),
        ("clean", "inspected", "manual", clerk.pk),
    ]


def test_housekeeping_move_outside_the_table_is_refused_and_nothing_written(store, clerk):
    room = RoomFactory(room_type=RoomTypeFactory(store=store), housekeeping="dirty")
    with pytest.raises(DomainError) as err:
        services.room_housekeeping_set(room=room, status="inspected", actor=clerk)
    assert err.value.code == "housekeeping_transition_not_allowed"
    assert err.value.extra == {"from": "dirty", "to": "inspected", "allowed": ["clean", "cleaning", "dirty"]}
    room.refresh_from_db()
    assert (room.housekeeping, room.housekeeping_at, room.housekeeping_by_id) == ("dirty", None, None)
    assert history(room) == []


def test_unknown_housekeeping_status_is_a_validation_error(store, clerk):
    room = RoomFactory(room_type=RoomTypeFactory(store=store))
    with pytest.raises(DomainValidationError) as err:
        services.room_housekeeping_set(room=room, status="sparkling", actor=clerk)
    assert err.value.code == "housekeeping_status_invalid"
    assert history(room) == []


def test_check_out_makes_any_room_dirty(store, clerk):
    room = RoomFactory(room_type=RoomTypeFactory(store=store), housekeeping="inspected")
    room = services.room_mark_dirty(room=room, actor=clerk)
    assert room.housekeeping == "dirty"
    room = services.room_mark_dirty(room=room, actor=None)  # already dirty: still recorded
    assert Room.objects.get(pk=room.pk).housekeeping == "dirty"
    assert history(room) == [("inspected", "dirty", "check_out", clerk.pk), ("dirty", "dirty", "check_out", None)]
