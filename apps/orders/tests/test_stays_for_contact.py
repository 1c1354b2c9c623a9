"""A guest's stay history: the orders they booked or stayed in, in one query, and on the profile page."""
from datetime import timedelta

from apps.orders import selectors
from apps.orders.models import Order
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order

S = Order.Status


def test_stays_for_contact_lists_booked_and_stayed_orders_latest_first(store, rt, tomorrow, django_assert_num_queries, world):
    booked = make_order(store, room_type=rt, arrival=tomorrow, booker=PersonIn(full_name="赵六", phone="13900139000"))
    contact_id = booked.booker_id
    stayed = make_order(
        store, room_type=rt, arrival=tomorrow + timedelta(days=10), status=S.PENDING_CONFIRMATION,
        guests=[PersonIn(full_name="赵六", phone="13900139000")],
    )
    make_order(store, room_type=rt, arrival=tomorrow + timedelta(days=20), booker=PersonIn(full_name="别人", phone="13700137000"))
    with django_assert_num_queries(1):
        stays = selectors.stays_for_contact(store=store, contact_id=contact_id)
    assert [o.pk for o in stays] == [stayed.pk, booked.pk]
    assert selectors.stays_for_contact(store=world.alpha.stores["A2"], contact_id=contact_id) == []


def test_guest_profile_shows_the_stay_history(store, rt, tomorrow, browser_login):
    order = make_order(store, room_type=rt, arrival=tomorrow, booker=PersonIn(full_name="赵六", phone="13900139000"))
    page = browser_login("alpha", "clerk_a1").get(f"/t/alpha/s/{store.pk}/guests/{order.booker_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="guest-stays"' in html
    assert f"/t/alpha/s/{store.pk}/orders/{order.pk}/" in html and order.code in html
