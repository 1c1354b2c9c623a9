"""ARI for channels: what a channel reads of a store (free rooms, nightly price, closed
flags, minimum stay), the change log it polls with a cursor (a booking, a price change, a
closed date and a lock each appear once after the cursor, each committed on its own), and
the store's feed version the desk's live grid reads."""
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django_tenants.utils import tenant_context

from apps.common.feed import FeedCursor
from apps.orders import services
from apps.orders.feed import store_feed_version
from apps.orders.tests.factories import booking
from apps.rooms.ari import ari_changes_poll, ari_read
from apps.rooms.models import AriChange, RoomType
from apps.rooms.services import (
    pricing_rule_create,
    room_create,
    room_lock_create,
    room_type_create,
    room_type_update,
    stay_restrictions_set,
)
from apps.rooms.tests.factories import PricingRuleFactory
from apps.tenancy.business_day import business_date

D = Decimal


def _changes(polled):
    return [(c["kind"], c["room_type_id"], c["first_night"], c["last_night"]) for c in polled["changes"]]


def test_a_booking_a_price_change_a_closed_date_and_a_lock_each_appear_once_after_the_cursor(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        store, actor = committed_tenant.store, committed_tenant.admin
        services.channel_defaults_ensure(store=store)
        rt = room_type_create(store=store, name="山景大床房", default_price=D("400"))
        other = room_type_create(store=store, name="庭院双床房", default_price=D("300"))
        rooms = [room_create(store=store, room_type=rt, number=str(100 + i)) for i in range(2)]
        room_create(store=store, room_type=other, number="200")
        day = business_date(store=store) + timedelta(days=3)
        cursor = FeedCursor.decode(ari_changes_poll(store=store, cursor=None, limit=10)["next_cursor"])
        version = store_feed_version(store_id=store.pk)
        # when: four changes, each in its own transaction
        services.order_create(**booking(store=store, actor=actor, room_type=rt, arrival=day,
                                        departure=day + timedelta(days=2), confirm=True))
        pricing_rule_create(store=store, room_type=rt, name="周末", adjustment_type="percent", adjustment_value=D("20"),
                            date_range_start=day + timedelta(days=5), date_range_end=day + timedelta(days=6), actor=actor)
        stay_restrictions_set(store=store, room_type=other, start=day, end=day + timedelta(days=1), actor=actor, closed=True)
        room_lock_create(store=store, room=rooms[1], lock_type="maintenance", start_date=day + timedelta(days=10),
                         end_date=day + timedelta(days=12), actor=actor)
        # then
        polled = ari_changes_poll(store=store, cursor=cursor, limit=10)
        assert _changes(polled) == [
            ("availability", rt.pk, day, day + timedelta(days=1)),
            ("price", rt.pk, day + timedelta(days=5), day + timedelta(days=6)),
            ("restriction", other.pk, day, day),
            ("lock", rt.pk, day + timedelta(days=10), day + timedelta(days=11)),
        ]
        assert polled["has_more"] is False
        again = ari_changes_poll(store=store, cursor=FeedCursor.decode(polled["next_cursor"]), limit=10)
        assert again["changes"] == []
        # paging: two at a time gives the same four, once each
        first = ari_changes_poll(store=store, cursor=cursor, limit=2)
        second = ari_changes_poll(store=store, cursor=FeedCursor.decode(first["next_cursor"]), limit=2)
        assert (first["has_more"], _changes(first) + _changes(second)) == (True, _changes(polled))
        # the desk's version moved
        assert store_feed_version(store_id=store.pk) != version
        # a default price change is open-ended
        room_type_update(room_type=RoomType.objects.get(pk=other.pk), actor=actor, default_price=D("320"))
        latest = ari_changes_poll(store=store, cursor=FeedCursor.decode(polled["next_cursor"]), limit=10)
        assert _changes(latest) == [("price", other.pk, None, None)]
    connection.set_schema_to_public()


def test_a_rolled_back_change_leaves_no_row_and_one_transaction_makes_one_row_per_type_and_kind(store, rt, tomorrow, manager):
    # (the test runs in one transaction: both bookings are one writer)
    before = AriChange.objects.count()
    services.order_create(**booking(store=store, actor=None, room_type=rt, arrival=tomorrow,
                                    departure=tomorrow + timedelta(days=1), confirm=True))
    services.order_create(**booking(store=store, actor=None, room_type=rt, arrival=tomorrow + timedelta(days=4),
                                    departure=tomorrow + timedelta(days=6), confirm=True))
    rows = list(AriChange.objects.filter(store=store).values_list("kind", "first_night", "last_night"))
    assert AriChange.objects.count() - before == 1
    assert rows == [("availability", tomorrow, tomorrow + timedelta(days=5))]


def test_ari_reads_free_rooms_price_and_restrictions_per_night(store, rt, tomorrow, manager):
    PricingRuleFactory(room_type=rt, name="假日", date_range_start=tomorrow + timedelta(days=1),
                       date_range_end=tomorrow + timedelta(days=1), adjustment_type="fixed", adjustment_value=D("500"))
    PricingRuleFactory(room_type=rt, name="连住", min_los=2, adjustment_type="fixed", adjustment_value=D("1"), priority=9)
    services.order_create(**booking(store=store, actor=None, room_type=rt, arrival=tomorrow,
                                    departure=tomorrow + timedelta(days=1), confirm=True))
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow + timedelta(days=1), end=tomorrow + timedelta(days=2),
                          actor=manager, closed_to_arrival=True, min_stay=2)
    stay_restrictions_set(store=store, room_type=rt, start=tomorrow + timedelta(days=2), end=tomorrow + timedelta(days=3),
                          actor=manager, closed=True)
    # when
    [row] = ari_read(store=store, start=tomorrow, end=tomorrow + timedelta(days=3), room_type_ids=[rt.pk])
    # then: the LOS rule is left out of a night's price (it needs a stay)
    assert row["room_type_id"] == rt.pk
    assert row["nights"] == [
        {"date": tomorrow, "free": 1, "price": D("300.00"), "closed": False, "closed_to_arrival": False, "min_stay": 1},
        {"date": tomorrow + timedelta(days=1), "free": 2, "price": D("500.00"), "closed": False, "closed_to_arrival": True,
         "min_stay": 2},
        {"date": tomorrow + timedelta(days=2), "free": 2, "price": D("300.00"), "closed": True, "closed_to_arrival": False,
         "min_stay": 1},
    ]


def test_the_ari_api_answers_staff_and_refuses_a_bad_cursor(store, rt, tomorrow, api):
    clerk = api("alpha", "clerk_a1", language="en")
    base = f"/t/alpha/api/v1/stores/{store.pk}/ari/"
    response = clerk.get(base, {"start": tomorrow.isoformat(), "end": (tomorrow + timedelta(days=1)).isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == store.currency
    assert {"room_type_id": rt.pk, "name": rt.name, "nights": [
        {"date": tomorrow.isoformat(), "free": 2, "price": "300.00", "closed": False, "closed_to_arrival": False, "min_stay": 1},
    ]} in body["room_types"]
    first = clerk.get(base + "changes/")
    assert first.status_code == 200 and first.json()["next_cursor"].startswith("v1.")
    bad = clerk.get(base + "changes/", {"cursor": "nope"})
    assert (bad.status_code, bad.json()["code"]) == (400, "cursor_invalid")
    other_store = api("alpha", "clerk_a2", language="en").get(base, {"start": tomorrow.isoformat(),
                                                                      "end": (tomorrow + timedelta(days=1)).isoformat()})
    assert other_store.status_code == 404
