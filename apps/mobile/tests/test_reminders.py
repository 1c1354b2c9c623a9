"""Order reminders (订单提醒): the polling cursor over orders' event outbox, its scope, and
the outbox gap (an event committed after a later one is never skipped)."""
import threading
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.fields import DateTimeField

from apps.mobile.selectors import reminders_poll
from apps.orders import services
from apps.orders.feed import FeedCursor
from apps.orders.models import Order, OrderEvent
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.rooms.models import Room
from apps.tenancy.business_day import business_date
from tests.errors import error_json

S = Order.Status
URL = "/t/alpha/api/v1/m/reminders/"


def _event(event, order, store, *, kind_label, summary_kind=None, actor_name=""):
    order.refresh_from_db()
    return {
        "id": event.pk, "kind": event.kind, "kind_label": kind_label, "at": DateTimeField().to_representation(event.at),
        "store_id": store.pk, "store_name": store.name, "from_status": event.from_status or None,
        "to_status": event.to_status or None, "actor_name": actor_name,
        "summary": f"{summary_kind or kind_label}: {order.code}, {order.arrival:%m-%d} to {order.departure:%m-%d}",
        "order": {
            "id": order.pk, "code": order.code, "status": order.status, "guest_name": "", "arrival": order.arrival.isoformat(),
            "departure": order.departure.isoformat(), "room_number": order.room.number if order.room else None,
            "room_type_name": order.room_type.name, "channel": "Direct",
        },
    }


def test_first_poll_gives_the_newest_events_and_a_cursor(login, store, rt, tomorrow):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow)  # created + confirmed
    created, confirmed = OrderEvent.objects.filter(order=order).order_by("id")
    c, _body = login("alpha", "clerk_a1")

    response = c.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "events": [_event(created, order, store, kind_label="Created"), _event(confirmed, order, store, kind_label="Confirmed")],
        "next_cursor": f"v1.{confirmed.pk}.{confirmed.pk}.0",
        "has_more": False,
    }
    assert c.get(URL + "?limit=1").json()["events"][0]["id"] == confirmed.pk


def test_polls_return_only_what_is_new_in_order(login, store, rt, today, tomorrow, world):
    first = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow)
    c, _body = login("alpha", "clerk_a1")
    cursor = c.get(URL).json()["next_cursor"]
    assert c.get(URL, {"cursor": cursor}).json() == {"events": [], "next_cursor": cursor, "has_more": False}

    clerk = world.alpha.users["clerk_a1"]
    second = make_order(store, room_type=rt, room=rt.rooms_list[1], arrival=today, status=S.PENDING_CONFIRMATION, actor=clerk)
    services.order_update(order=first, actor=clerk, notes="late arrival")  # "updated": not a reminder by default
    services.order_cancel(order=first, actor=clerk, reason="plans changed")

    body = c.get(URL, {"cursor": cursor}).json()

    assert [(e["kind"], e["order"]["id"]) for e in body["events"]] == [("created", second.pk), ("cancelled", first.pk)]
    cancelled = OrderEvent.objects.get(order=first, kind="cancelled")
    assert body["events"][1] == _event(cancelled, first, store, kind_label="Cancelled", actor_name="clerk_a1")
    last = OrderEvent.objects.order_by("-id").first().pk
    assert body["next_cursor"] == f"v1.{last}.{last}.0" and body["has_more"] is False
    # asking for "updated" too
    again = c.get(URL, {"cursor": cursor, "kinds": "updated,cancelled"}).json()
    assert [e["kind"] for e in again["events"]] == ["updated", "cancelled"]


def test_a_full_page_says_has_more_and_the_next_poll_continues(login, store, rt, tomorrow):
    c, _body = login("alpha", "clerk_a1")
    cursor = c.get(URL).json()["next_cursor"]
    orders = [make_order(store, room_type=rt, room=room, arrival=tomorrow) for room in rt.rooms_list]  # 6 events
    ids = list(OrderEvent.objects.filter(order__in=orders).order_by("id").values_list("id", flat=True))
    page1 = c.get(URL, {"cursor": cursor, "limit": 4}).json()
    assert [e["id"] for e in page1["events"]] == ids[:4] and page1["has_more"] is True
    page2 = c.get(URL, {"cursor": page1["next_cursor"], "limit": 4}).json()
    assert [e["id"] for e in page2["events"]] == ids[4:] and page2["has_more"] is False


def test_reminders_scope(login, store, store2, rt, tomorrow):
    mine = make_order(store, room_type=rt, room=rt.rooms_list[0], arrival=tomorrow)
    other_type, other_rooms = room_type_with_rooms(store2, 1)
    theirs = make_order(store2, room_type=other_type, room=other_rooms[0], arrival=tomorrow)
    clerk, _ = login("alpha", "clerk_a1")
    assert {e["order"]["id"] for e in clerk.get(URL).json()["events"]} == {mine.pk}
    assert {e["order"]["id"] for e in clerk.get(URL, {"store": store.pk}).json()["events"]} == {mine.pk}
    response = clerk.get(URL, {"store": store2.pk})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert clerk.get(URL, {"store": 99999999}).status_code == 404
    admin, _ = login("alpha", "admin_a")
    assert {e["order"]["id"] for e in admin.get(URL).json()["events"]} == {mine.pk, theirs.pk}
    assert {e["store_name"] for e in admin.get(URL).json()["events"]} == {"Alpha One", "Alpha Two"}
    beta, _ = login("beta", "clerk_b1")
    assert beta.get("/t/beta/api/v1/m/reminders/").json()["events"] == []


def test_invalid_cursor_and_parameters_answer_400(login, store):
    c, _body = login("alpha", "clerk_a1")
    response = c.get(URL, {"cursor": "42"})
    assert response.status_code == 400
    assert error_json(response) == {
        "detail": "The cursor is not valid.", "code": "cursor_invalid",
        "extra": {"fields": {"cursor": ["Not a cursor from this API: send back the next_cursor of the previous answer."]}},
    }
    zh, _ = login("alpha", "clerk_a1", language=None)
    assert zh.get(URL, {"cursor": "v2.1.1.0"}).json()["detail"] == "游标无效。"
    assert c.get(URL, {"store": "mine"}).json()["extra"]["fields"] == {"store": ['Give a store id or "all".']}
    assert c.get(URL, {"kinds": "created,exploded"}).json()["extra"]["fields"] == {"kinds": ["Unknown kind: exploded."]}
    assert c.get(URL, {"limit": 201}).status_code == 400


def test_reminders_need_a_live_token(login, api):
    c, _body = login("alpha", "clerk_a1")
    assert c.post(c.prefix + "/auth/logout/").status_code == 204
    assert c.get(URL).status_code == 401
    assert api("alpha").get(URL).json()["code"] == "not_authenticated"


def test_cursor_round_trip():
    assert FeedCursor.decode("v1.5.9.1700000000000000") == FeedCursor(5, 9, 1700000000000000)
    assert FeedCursor(5, 9, 17).encode() == "v1.5.9.17"
    assert FeedCursor(9, 9, 17).encode() == "v1.9.9.0"  # nothing pending
    assert FeedCursor.decode("v1.9.3.0") == FeedCursor(9, 9, 0)


# --- the outbox gap ------------------------------------------------------------------------------------


@pytest.fixture
def gap_world(committed_tenant, django_db_blocker):
    with django_db_blocker.unblock(), tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        # two room types: confirming the orders locks different inventory counters
        (type_a, rooms_a), (type_b, rooms_b) = room_type_with_rooms(store, 1), room_type_with_rooms(store, 1)
        today = business_date(store=store)
        early = make_order(store, room_type=type_a, room=rooms_a[0], arrival=today + timedelta(days=1),
                           status=S.PENDING_CONFIRMATION)
        late = make_order(store, room_type=type_b, room=rooms_b[0], arrival=today + timedelta(days=1),
                          status=S.PENDING_CONFIRMATION)
        yield committed_tenant, store, early, late


def test_an_event_committed_after_a_later_one_is_not_skipped(gap_world, django_db_blocker):
    """Transaction T1 writes event k and stays open; T2 writes event k+1 and commits. A poll
    then must not return k+1 (its cursor would pass k for good): it returns nothing new and
    remembers what to wait for; once T1 commits, the next poll returns k and k+1, in order."""
    ct, store, early, late = gap_world
    written, release = threading.Event(), threading.Event()
    errors = []

    def slow_writer():
        try:
            with tenant_context(ct.tenant), transaction.atomic():
                services.order_confirm(order=early, actor=None)  # event k, not committed yet
                written.set()
                release.wait(30)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            written.set()
        finally:
            connections.close_all()

    with django_db_blocker.unblock(), tenant_context(ct.tenant):
        start = reminders_poll(stores=[store], cursor=None, limit=50)
        cursor = FeedCursor.decode(start["next_cursor"])
        thread = threading.Thread(target=slow_writer)
        thread.start()
        try:
            assert written.wait(30) and not errors
            services.order_confirm(order=late, actor=None)  # event k + 1, committed
            k1 = OrderEvent.objects.get(order=late, kind="confirmed").pk

            during = reminders_poll(stores=[store], cursor=cursor, limit=50)

            assert during["events"] == []
            waiting = FeedCursor.decode(during["next_cursor"])
            assert waiting.last_id == cursor.last_id and waiting.pending_id >= k1
        finally:
            release.set()
            thread.join(30)
        assert not errors
        after = reminders_poll(stores=[store], cursor=FeedCursor.decode(during["next_cursor"]), limit=50)
        k = OrderEvent.objects.get(order=early, kind="confirmed").pk
        assert k < k1
        assert [(e["id"], e["kind"], e["order"]["id"]) for e in after["events"]] == [
            (k, "confirmed", early.pk), (k1, "confirmed", late.pk),
        ]
        assert FeedCursor.decode(after["next_cursor"]).last_id == k1


def test_a_first_poll_while_a_write_is_in_flight_does_not_skip_it(gap_world, django_db_blocker):
    ct, store, early, late = gap_world
    written, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with tenant_context(ct.tenant), transaction.atomic():
                services.order_confirm(order=early, actor=None)
                written.set()
                release.wait(30)
        finally:
            connections.close_all()

    with django_db_blocker.unblock(), tenant_context(ct.tenant):
        # the orders were booked a while ago
        OrderEvent.objects.filter(kind="created").update(at=timezone.now() - timedelta(minutes=10))
        thread = threading.Thread(target=slow_writer)
        thread.start()
        try:
            assert written.wait(30)
            services.order_confirm(order=late, actor=None)
            first = reminders_poll(stores=[store], cursor=None, limit=50)
            # history up to what is surely settled: the two "created" events, not the confirmations
            assert {e["kind"] for e in first["events"]} == {"created"}
        finally:
            release.set()
            thread.join(30)
        after = reminders_poll(stores=[store], cursor=FeedCursor.decode(first["next_cursor"]), limit=50)
        assert [(e["kind"], e["order"]["id"]) for e in after["events"]] == [("confirmed", early.pk), ("confirmed", late.pk)]


def test_a_long_transaction_that_writes_no_order_event_does_not_hold_reminders_back(gap_world, django_db_blocker):
    """Only transactions holding a write lock on the event table can hold unsettled ids."""

    ct, store, early, late = gap_world
    written, release = threading.Event(), threading.Event()

    def housekeeper():
        try:
            with tenant_context(ct.tenant), transaction.atomic():
                # a writer, of other rows: not the room confirming `late` locks
                Room.objects.filter(store=store).exclude(pk=late.room_id).update(housekeeping="dirty")
                written.set()
                release.wait(30)
        finally:
            connections.close_all()

    with django_db_blocker.unblock(), tenant_context(ct.tenant):
        cursor = FeedCursor.decode(reminders_poll(stores=[store], cursor=None, limit=50)["next_cursor"])
        thread = threading.Thread(target=housekeeper)
        thread.start()
        try:
            assert written.wait(30)
            services.order_confirm(order=late, actor=None)
            polled = reminders_poll(stores=[store], cursor=cursor, limit=50)
            housekeeper_still_open = thread.is_alive()
        finally:
            release.set()
            thread.join(30)
        assert housekeeper_still_open  # the poll ran beside the open transaction, not after it
        assert [(e["kind"], e["order"]["id"]) for e in polled["events"]] == [("confirmed", late.pk)]
