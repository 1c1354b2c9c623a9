"""The blacklist (黑名单): the desk is warned at check-in when a guest of the order is the
same person (profile, phone or document, any store of the tenant) as an active entry;
entries carry reason, who and when, and are lifted, never deleted. Here rather than in
apps/members/tests: the check-in page is the desk's (a layer above members)."""
from datetime import timedelta

import pytest

from apps.contacts.services import contact_create_or_reuse
from apps.members import selectors, services
from apps.members.models import BlacklistEntry
from apps.orders.models import Order
from apps.orders.services import PersonIn
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.business_day import business_date


@pytest.fixture
def order(store):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 1)
    return make_order(store, room_type=room_type, room=rooms[0], status=Order.Status.CONFIRMED,
                      booker=PersonIn(full_name="赵六", phone="13700007777"))


def test_check_in_warns_of_the_same_person_blacklisted_at_another_store(order, store, store2, manager, browser_login):
    elsewhere = contact_create_or_reuse(store=store2, full_name="赵六", phone="13700007777").contact
    entry = services.blacklist_add(contact=elsewhere, store=store2, reason="损坏房间设施", actor=manager)
    assert [e.pk for e in selectors.blacklist_for_order(order=order)] == [entry.pk]
    client = browser_login("alpha", "clerk_a1")
    page = client.get(f"/t/alpha/s/{store.pk}/orders/{order.pk}/check-in/").content.decode()
    assert 'data-testid="blacklist-warning"' in page and "损坏房间设施" in page
    assert "13700007777" not in page
    services.blacklist_lift(entry=entry, reason="误录", actor=manager)
    page = client.get(f"/t/alpha/s/{store.pk}/orders/{order.pk}/check-in/").content.decode()
    assert 'data-testid="blacklist-warning"' not in page
    entry.refresh_from_db()
    assert (entry.lift_reason, entry.lifted_by, entry.actor, entry.reason) == ("误录", manager, manager, "损坏房间设施")


def test_blacklist_api_managers_write_everyone_reads(api, order, store):
    clerk, manager = api("alpha", "clerk_a1", language="en"), api("alpha", "manager_a1", language="en")
    base = f"/t/alpha/api/v1/stores/{store.pk}/blacklist/"
    body = {"contact": order.booker_id, "reason": "逃单"}
    assert clerk.post(base, body, format="json").status_code == 403
    r = manager.post(base, body, format="json")
    assert r.status_code == 201, r.json()
    assert {k: r.json()[k] for k in ("name", "reason", "by", "lifted_at")} == {"name": "赵六", "reason": "逃单", "by": "manager_a1",
                                                                             "lifted_at": None}
    again = manager.post(base, body, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_blacklisted")
    assert [e["reason"] for e in clerk.get(base).json()] == ["逃单"]
    lifted = manager.post(f"{base}{r.json()['id']}/lift/", {"reason": "已赔偿"}, format="json")
    assert lifted.status_code == 200 and lifted.json()["lift_reason"] == "已赔偿"
    assert clerk.get(base).json() == [] and BlacklistEntry.objects.count() == 1


def test_a_booking_at_the_desk_warns_of_a_blacklisted_guest(store, manager, browser_login):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 1)
    known = contact_create_or_reuse(store=store, full_name="钱七", phone="13600006666").contact
    services.blacklist_add(contact=known, store=store, reason="吸烟被投诉", actor=manager)
    client = browser_login("alpha", "clerk_a1")
    day = business_date(store=store)
    response = client.post(f"/t/alpha/s/{store.pk}/orders/new/", {
        "kind": "reservation", "room_type": room_type.pk, "room": rooms[0].pk, "arrival": day + timedelta(days=1),
        "departure": day + timedelta(days=2), "adults": 1, "children": 0, "guest_name": "钱七", "guest_phone": "13600006666",
        "confirm": "on",
    }, follow=True)
    page = response.content.decode()
    assert Order.objects.filter(store=store).count() == 1  # warned, not refused
    assert "吸烟被投诉" in page and "manager_a1" in page and "13600006666" not in page
