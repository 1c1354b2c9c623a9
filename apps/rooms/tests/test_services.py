"""Services of rooms: housekeeping, room types and rooms, locks, pricing rules."""
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from django_tenants.utils import tenant_context

from apps.common.errors import DomainError, DomainValidationError, NotFoundError
from apps.rooms import inventory, services
from apps.rooms.inventory import RoomTypeSoldOut, RoomUnavailable
from apps.rooms.models import HousekeepingEvent, PricingRule, Room, RoomLock, RoomNight, RoomType, RoomTypeNight
from apps.rooms.tests.factories import RoomFactory, RoomTypeFactory
from apps.tenancy.business_day import store_local_date
from tests.fixtures import run_concurrently


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def clerk(world):
    return world.alpha.users["clerk_a1"]


@pytest.fixture
def today(store):
    return store_local_date(store=store)


def counters(type_id):
    return list(RoomTypeNight.objects.filter(room_type_id=type_id).order_by("night").values_list("night", "capacity", "locked", "held"))


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
    services.room_mark_dirty(room=room, actor=clerk)  # in the test's transaction, as in the check-out's
    assert Room.objects.get(pk=room.pk).housekeeping == "dirty"
    services.room_mark_dirty(room=room, actor=None)  # already dirty: still recorded
    assert Room.objects.get(pk=room.pk).housekeeping == "dirty"
    assert history(room) == [("inspected", "dirty", "check_out", clerk.pk), ("dirty", "dirty", "check_out", None)]


# --- room types and rooms -----------------------------------------------------------


def test_room_type_name_unique_per_store(store, world):
    services.room_type_create(store=store, name="山景大床房", default_price=D("468"))
    with pytest.raises(DomainValidationError) as err:
        services.room_type_create(store=store, name=" 山景大床房 ", default_price=D("1"))
    assert err.value.code == "room_type_name_taken"
    assert list(err.value.extra["fields"]) == ["name"]
    assert RoomType.objects.filter(store=store).count() == 1
    # another store may use the same name
    services.room_type_create(store=world.alpha.stores["A2"], name="山景大床房", default_price=D("1"))


def test_room_number_unique_per_store_by_service_and_database(store, world):
    rt = RoomTypeFactory(store=store)
    services.room_create(store=store, room_type=rt, number="101")
    with pytest.raises(DomainValidationError) as err:
        services.room_create(store=store, room_type=rt, number="101")
    assert err.value.code == "room_number_taken"
    assert err.value.extra["fields"] == {"number": ["A room with this number already exists in this store."]}
    assert Room.objects.filter(store=store).count() == 1
    with pytest.raises(IntegrityError, match="room_number_unique_per_store"):
        with transaction.atomic():
            Room.objects.create(store=store, room_type=rt, number="101")
    # the same number in another store is fine
    other = world.alpha.stores["A2"]
    services.room_create(store=other, room_type=RoomTypeFactory(store=other), number="101")


def test_room_of_another_stores_type_is_refused(store, world):
    foreign = RoomTypeFactory(store=world.alpha.stores["A2"])
    with pytest.raises(DomainValidationError) as err:
        services.room_create(store=store, room_type=foreign, number="101")
    assert err.value.extra["fields"] == {"room_type": ["No such room type in this store."]}
    assert not Room.objects.filter(store=store).exists()


def test_room_create_and_deactivate_move_capacity_from_today(store, today):
    rt = RoomTypeFactory(store=store)
    r1 = services.room_create(store=store, room_type=rt, number="101")
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[today + timedelta(days=1)])
    assert counters(rt.pk) == [(today + timedelta(days=1), 1, 0, 1)]
    services.room_create(store=store, room_type=rt, number="102")
    assert counters(rt.pk) == [(today + timedelta(days=1), 2, 0, 1)]
    r2 = Room.objects.get(number="102")
    services.room_deactivate(room=r2)
    assert counters(rt.pk) == [(today + timedelta(days=1), 1, 0, 1)]
    # the last room cannot go: a type-level stay needs it
    with pytest.raises(RoomTypeSoldOut):
        services.room_deactivate(room=r1)
    assert Room.objects.get(pk=r1.pk).is_active is True
    assert counters(rt.pk) == [(today + timedelta(days=1), 1, 0, 1)]
    services.room_activate(room=r2)
    assert counters(rt.pk) == [(today + timedelta(days=1), 2, 0, 1)]


def test_deactivation_refused_while_room_holds_future_nights(store, today):
    rt = RoomTypeFactory(store=store)
    room = services.room_create(store=store, room_type=rt, number="101")
    services.room_create(store=store, room_type=rt, number="102")
    night = today + timedelta(days=2)
    inventory.hold_stay(store_id=store.pk, order_id=7, room_type_id=rt.pk, nights=[night], room_id=room.pk)
    with pytest.raises(DomainError) as err:
        services.room_deactivate(room=room)
    assert err.value.code == "room_has_future_holds"
    assert err.value.extra == {"nights": [night.isoformat()], "room_id": room.pk}
    assert Room.objects.get(pk=room.pk).is_active is True
    assert counters(rt.pk) == [(night, 2, 0, 1)]


def test_room_type_change_moves_one_unit_between_types(store, today):
    a, b = RoomTypeFactory(store=store), RoomTypeFactory(store=store)
    room = services.room_create(store=store, room_type=a, number="101")
    services.room_create(store=store, room_type=b, number="201")
    night = today + timedelta(days=1)
    for t in (a, b):  # materialise counter rows
        inventory.hold_stay(store_id=store.pk, order_id=100 + t.pk, room_type_id=t.pk, nights=[night])
        inventory.release_stay(store_id=store.pk, order_id=100 + t.pk, room_type_id=t.pk, nights=[night])
    room = services.room_update(room=room, room_type=b, floor="2")
    assert (room.room_type_id, room.floor) == (b.pk, "2")
    assert counters(a.pk) == [(night, 0, 0, 0)]
    assert counters(b.pk) == [(night, 2, 0, 0)]


def test_inactive_room_cannot_be_assigned(store, today):
    rt = RoomTypeFactory(store=store)
    room = services.room_create(store=store, room_type=rt, number="101")
    services.room_create(store=store, room_type=rt, number="102")
    services.room_deactivate(room=room)
    with pytest.raises(DomainError) as err:
        with transaction.atomic():
            inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[today], room_id=room.pk)
    assert err.value.code == "room_inactive"
    assert not RoomNight.objects.exists()


# --- locks --------------------------------------------------------------------------


def test_lock_blocks_sale_of_its_nights(store, clerk, today):
    rt = RoomTypeFactory(store=store)
    room = services.room_create(store=store, room_type=rt, number="101")
    start, end = today + timedelta(days=1), today + timedelta(days=3)
    lock = services.room_lock_create(
        store=store, room=room, lock_type="maintenance", start_date=start, end_date=end, reason="空调维修", actor=clerk
    )
    assert (lock.created_by_id, lock.reason) == (clerk.pk, "空调维修")
    assert list(RoomNight.objects.filter(room=room).values_list("night", "kind", "lock_id")) == [
        (start, "lock", lock.pk), (start + timedelta(days=1), "lock", lock.pk),
    ]
    assert counters(rt.pk) == [(start, 1, 1, 0), (start + timedelta(days=1), 1, 1, 0)]
    with pytest.raises(RoomTypeSoldOut):
        inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[start])


def test_overlapping_lock_is_refused_with_its_own_code_and_nothing_written(store, today):
    rt = RoomTypeFactory(store=store)
    room = services.room_create(store=store, room_type=rt, number="101")
    services.room_create(store=store, room_type=rt, number="102")
    first = services.room_lock_create(
        store=store, room=room, lock_type="out_of_order", start_date=today + timedelta(days=2), end_date=today + timedelta(days=4)
    )
    with pytest.raises(RoomUnavailable) as err:  # a RoomUnavailable, with a code of its own
        services.room_lock_create(
            store=store, room=room, lock_type="hold", start_date=today, end_date=today + timedelta(days=3)
        )
    assert err.value.code == "room_lock_overlap"
    assert err.value.extra == {"nights": [(today + timedelta(days=2)).isoformat()], "room_id": room.pk, "lock_ids": [first.pk]}
    assert RoomLock.objects.count() == 1
    assert RoomNight.objects.count() == 2
    assert [c[2] for c in counters(rt.pk)] == [1, 1]  # locked: only the first lock


def test_lock_over_a_stay_is_refused(store, today):
    rt = RoomTypeFactory(store=store)
    room = services.room_create(store=store, room_type=rt, number="101")
    services.room_create(store=store, room_type=rt, number="102")
    inventory.hold_stay(store_id=store.pk, order_id=42, room_type_id=rt.pk, nights=[today + timedelta(days=1)], room_id=room.pk)
    with pytest.raises(RoomUnavailable) as err:
        services.room_lock_create(store=store, room=room, lock_type="hold", start_date=today, end_date=today + timedelta(days=2))
    assert err.value.code == "room_unavailable"
    assert err.value.extra == {"nights": [(today + timedelta(days=1)).isoformat()], "room_id": room.pk, "order_ids": [42]}
    assert not RoomLock.objects.exists()
    assert list(RoomNight.objects.values_list("kind", flat=True)) == ["stay"]


@pytest.mark.parametrize(
    ("offsets", "lock_type", "code"),
    [
        ((1, 1), "hold", "invalid_date_range"),
        ((2, 1), "hold", "invalid_date_range"),
        ((-1, 1), "hold", "room_lock_in_past"),
        ((0, 400), "hold", "date_span_too_long"),
        ((0, 1), "party", "invalid"),
    ],
)
def test_lock_input_refusals(store, today, offsets, lock_type, code):
    room = services.room_create(store=store, room_type=RoomTypeFactory(store=store), number="101")
    with pytest.raises(DomainValidationError) as err:
        services.room_lock_create(
            store=store, room=room, lock_type=lock_type,
            start_date=today + timedelta(days=offsets[0]), end_date=today + timedelta(days=offsets[1]),
        )
    assert err.value.code == code
    assert not RoomLock.objects.exists()


def test_lock_of_another_stores_room_is_not_found(store, world, today):
    other = world.alpha.stores["A2"]
    room = services.room_create(store=other, room_type=RoomTypeFactory(store=other), number="101")
    with pytest.raises(NotFoundError):
        services.room_lock_create(store=store, room=room, lock_type="hold", start_date=today, end_date=today + timedelta(days=1))
    assert not RoomLock.objects.exists()


def test_release_gives_back_nights_from_today_and_keeps_the_row(store, clerk, today):
    rt = RoomTypeFactory(store=store)
    room = services.room_create(store=store, room_type=rt, number="101")
    lock = services.room_lock_create(store=store, room=room, lock_type="hold", start_date=today, end_date=today + timedelta(days=3))
    # pretend the lock began yesterday: that night is history and stays held
    yesterday = today - timedelta(days=1)
    RoomLock.objects.filter(pk=lock.pk).update(start_date=yesterday)
    RoomNight.objects.create(store=store, room=room, night=yesterday, kind="lock", lock=lock)
    released = services.room_lock_release(lock=lock, actor=clerk)
    assert (released.released_by_id, released.released_at is not None) == (clerk.pk, True)
    assert list(RoomNight.objects.filter(lock=lock).values_list("night", flat=True)) == [yesterday]
    assert [c[2] for c in counters(rt.pk)] == [0, 0, 0]
    with pytest.raises(DomainError) as err:
        services.room_lock_release(lock=lock, actor=clerk)
    assert err.value.code == "room_lock_released"
    # the nights are for sale again
    inventory.hold_stay(store_id=store.pk, order_id=1, room_type_id=rt.pk, nights=[today], room_id=room.pk)


def test_future_lock_released_entirely(store, today):
    rt = RoomTypeFactory(store=store)
    room = services.room_create(store=store, room_type=rt, number="101")
    lock = services.room_lock_create(
        store=store, room=room, lock_type="maintenance", start_date=today + timedelta(days=5), end_date=today + timedelta(days=7)
    )
    services.room_lock_release(lock=lock)
    assert not RoomNight.objects.filter(lock=lock).exists()
    assert [c[2] for c in counters(rt.pk)] == [0, 0]


def test_concurrent_locks_on_one_room_yield_one(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        rt = RoomTypeFactory(store=store)
        room = services.room_create(store=store, room_type=rt, number="101")
        services.room_create(store=store, room_type=rt, number="102")
        today = store_local_date(store=store)

    def attempt(i):
        room_obj = Room.objects.get(pk=room.pk)
        services.room_lock_create(
            store=store, room=room_obj, lock_type="hold", start_date=today + timedelta(days=i % 3),
            end_date=today + timedelta(days=3 + i % 3), reason=str(i),
        )
        return "ok"

    results = run_concurrently(attempt, [(i,) for i in range(8)], tenant=committed_tenant.tenant)
    assert results.count("ok") == 1, results
    assert all(isinstance(r, RoomUnavailable) for r in results if r != "ok"), results
    with tenant_context(committed_tenant.tenant):
        assert RoomLock.objects.count() == 1
        assert RoomNight.objects.filter(room=room).count() == 3
        assert sum(RoomTypeNight.objects.filter(room_type=rt).values_list("locked", flat=True)) == 3


# --- pricing rules ------------------------------------------------------------------


def test_pricing_rule_create_normalises_weekdays(store):
    rt = RoomTypeFactory(store=store)
    rule = services.pricing_rule_create(
        store=store, room_type=rt, name=" 周末 ", days_of_week=[5, 4, 5], adjustment_type="percent", adjustment_value=D("20"),
    )
    rule.refresh_from_db()
    assert (rule.name, rule.days_of_week, rule.store_id) == ("周末", [4, 5], store.pk)


def test_pricing_rule_incoherent_values_refused_with_field_errors(store):
    rt = RoomTypeFactory(store=store)
    with pytest.raises(DomainValidationError) as err:
        services.pricing_rule_create(
            store=store, room_type=rt, name="x", min_los=5, max_los=2, days_of_week=[7],
            adjustment_type="percent", adjustment_value=D("-100"),
        )
    assert err.value.code == "pricing_rule_invalid"
    assert sorted(err.value.extra["fields"]) == ["adjustment_value", "days_of_week", "max_los"]
    assert not PricingRule.objects.exists()


def test_pricing_rule_update_checks_merged_values_and_delete(store):
    rt = RoomTypeFactory(store=store)
    rule = services.pricing_rule_create(store=store, room_type=rt, name="x", min_los=2, adjustment_type="amount", adjustment_value=D("-10"))
    with pytest.raises(DomainValidationError):
        services.pricing_rule_update(rule=rule, max_los=1)
    rule = services.pricing_rule_update(rule=rule, max_los=4, priority=3)
    assert (rule.min_los, rule.max_los, rule.priority) == (2, 4, 3)
    services.pricing_rule_delete(rule=rule)
    assert not PricingRule.objects.exists()


def test_deactivation_racing_assignments_never_leaves_an_inactive_room_held(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        rt = RoomTypeFactory(store=store)
        room = services.room_create(store=store, room_type=rt, number="101")
        for n in ("102", "103", "104"):
            services.room_create(store=store, room_type=rt, number=n)
        night = store_local_date(store=store) + timedelta(days=1)

    def deactivate():
        services.room_deactivate(room=Room.objects.get(pk=room.pk))
        return "deactivated"

    def assign(order_id):
        with transaction.atomic():
            inventory.hold_stay(store_id=store.pk, order_id=order_id, room_type_id=rt.pk, nights=[night], room_id=room.pk)
        return "held"

    results = run_concurrently(
        lambda i: deactivate() if i == 0 else assign(i), [(i,) for i in range(6)], tenant=committed_tenant.tenant
    )
    with tenant_context(committed_tenant.tenant):
        room.refresh_from_db()
        held = RoomNight.objects.filter(room=room, night=night).count()
        capacity, locked, held_type = RoomTypeNight.objects.filter(room_type=rt, night=night).values_list("capacity", "locked", "held").get()
    assert results.count("held") <= 1, results
    if room.is_active:
        # an assignment won first: the deactivation saw its night and was refused
        assert (results.count("held"), held, capacity, held_type) == (1, 1, 4, 1)
        assert getattr(results[0], "code", None) == "room_has_future_holds", results
    else:
        assert results[0] == "deactivated" and held == 0 and capacity == 3, results
        assert all(r == "held" or getattr(r, "code", None) in {"room_inactive", "room_unavailable"} for r in results[1:]), results
        assert held_type == results.count("held") == 0
