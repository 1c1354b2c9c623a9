"""Back-office pages of the front desk: today's board, the check-in with each guest's
document, the check-out (the bill settled or a manager's reason; the room becomes dirty),
and query counts that do not grow."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contacts.tests.factories import resident_id
from apps.folios.services import folio_post_charge, folio_primary_for_order
from apps.folios.tests.factories import pay_due
from apps.orders.models import Order
from apps.orders.services import ExtraIn, PersonIn, order_extra_add
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.rooms.models import Room

S = Order.Status
HX = {"HTTP_HX_REQUEST": "true"}
JSON = {"HTTP_ACCEPT": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ID_NUMBER = resident_id("110105", "19900101", "123")


@pytest.fixture
def rt(store, direct):
    """A room type with two rooms (``rt.rooms_list``)."""
    room_type, room_type.rooms_list = room_type_with_rooms(store, 2)
    return room_type


@pytest.fixture
def clerk(browser_login):
    return browser_login("alpha", "clerk_a1")


@pytest.fixture
def base(store):
    return f"/t/alpha/s/{store.pk}"


def _guest(name="张三", **kwargs):
    return PersonIn(full_name=name, is_primary=True, **kwargs)


def test_check_out_makes_the_room_dirty(store, rt, today, clerk, base):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, room=room, status=S.CHECKED_IN, nights=1)
    pay_due(order)
    response = clerk.post(f"{base}/orders/{order.pk}/check-out/", {"next": f"{base}/today/"})
    assert response.status_code == 302 and response["Location"] == f"{base}/today/"
    order.refresh_from_db()
    assert order.status == S.CHECKED_OUT and Room.objects.get(pk=room.pk).housekeeping == "dirty"


def test_today_lists_arrivals_departures_in_house_and_rooms_to_clean(store, rt, today, clerk, base):
    r1, r2 = rt.rooms_list
    arriving = make_order(store, room_type=rt, arrival=today, guests=[_guest("到店")])
    leaving = make_order(store, room_type=rt, room=r1, status=S.CHECKED_IN, nights=1, guests=[_guest("离店")])
    Room.objects.filter(pk=r2.pk).update(housekeeping="dirty")
    html = clerk.get(f"{base}/today/").content.decode()
    assert f'data-testid="arrival-{arriving.pk}"' in html and f'data-testid="check-in-{arriving.pk}"' in html
    assert f'data-testid="in-house-{leaving.pk}"' in html  # due out tomorrow: not a departure yet
    assert f'data-testid="departure-{leaving.pk}"' not in html
    assert f'data-testid="dirty-{r2.number}"' in html
    partial = clerk.get(f"{base}/today/?partial=1").content.decode()
    assert partial.startswith('<div id="today-board"')
    pay_due(leaving)
    response = clerk.post(f"{base}/orders/{leaving.pk}/check-out/", **HX)
    assert response.status_code == 204
    assert f'data-testid="dirty-{r1.number}"' in clerk.get(f"{base}/today/").content.decode()


def test_check_out_needs_a_settled_folio_or_a_managers_reason(store, rt, today, browser_login, base):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], status=S.CHECKED_IN)
    folio_post_charge(folio=folio_primary_for_order(order=order), actor=None, charge_type="manual", description="赔偿", unit_price=Decimal("50"))
    clerk = browser_login("alpha", "clerk_a1")
    refused = clerk.post(f"{base}/orders/{order.pk}/check-out/", **JSON)
    assert refused.status_code == 409 and refused.json()["code"] == "folio_balance_not_zero"
    assert clerk.post(f"{base}/orders/{order.pk}/check-out/", {"override_reason": "挂账"}, **JSON).status_code == 403
    order.refresh_from_db()
    assert order.status == S.CHECKED_IN
    manager = browser_login("alpha", "manager_a1")
    assert 'name="override_reason"' in manager.get(f"{base}/orders/{order.pk}/").content.decode()
    response = manager.post(f"{base}/orders/{order.pk}/check-out/", {"override_reason": "公司月结"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.CHECKED_OUT



def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_today_and_detail_query_counts_do_not_grow(store, today, clerk, base):
    room_type, rooms = room_type_with_rooms(store, 8)
    first = make_order(store, room_type=room_type, room=rooms[0], status=S.CHECKED_IN)
    make_order(store, room_type=room_type, arrival=today)
    clerk.get(f"{base}/today/")
    few_today, few_detail = _count(clerk, f"{base}/today/"), _count(clerk, f"{base}/orders/{first.pk}/")
    for room in rooms[1:6]:
        make_order(store, room_type=room_type, room=room, status=S.CHECKED_IN)
        make_order(store, room_type=room_type, arrival=today + timedelta(days=2))
    Room.objects.filter(pk__in=[r.pk for r in rooms]).update(housekeeping="dirty")
    for i in range(4):
        order_extra_add(order=first, actor=None, extra=ExtraIn(description=f"早餐{i}", unit_price=Decimal("38")))
    assert _count(clerk, f"{base}/today/") == few_today
    assert _count(clerk, f"{base}/orders/{first.pk}/") == few_detail


def test_check_in_registers_each_guests_document(store, rt, today, clerk, base):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, arrival=today, guests=[_guest("李雷")])
    contact = order.guests.get().contact
    page = clerk.get(f"{base}/orders/{order.pk}/check-in/").content.decode()
    assert f'data-testid="doc-{contact.pk}"' in page

    response = clerk.post(f"{base}/orders/{order.pk}/check-in/", {
        "room": room.pk, f"g{contact.pk}_id_type": "resident_id", f"g{contact.pk}_id_number": ID_NUMBER,
    })

    assert response.status_code == 302 and response["Location"] == f"{base}/orders/{order.pk}/"
    order.refresh_from_db()
    contact.refresh_from_db()
    assert (order.status, order.room_id) == (S.CHECKED_IN, room.pk)
    assert contact.id_number_masked == "**************1232"


def test_check_in_without_a_document_or_with_a_bad_one_changes_nothing(store, rt, today, clerk, base):
    room = rt.rooms_list[0]
    order = make_order(store, room_type=rt, arrival=today, guests=[_guest("韩梅梅")])
    contact = order.guests.get().contact
    url = f"{base}/orders/{order.pk}/check-in/"
    missing = clerk.post(url, {"room": room.pk}, **EN).content.decode()
    assert "This field is required." in missing
    bad = clerk.post(url, {"room": room.pk, f"g{contact.pk}_id_number": "110105199001011230"}, **EN)
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    order.refresh_from_db()
    contact.refresh_from_db()
    assert order.status == S.CONFIRMED and order.room_id is None and contact.id_type == ""


def test_check_in_refused_by_the_service_keeps_the_document_unchanged(store, rt, today, clerk, base):
    r1, r2 = rt.rooms_list
    make_order(store, room_type=rt, room=r1, arrival=today, nights=1)
    order = make_order(store, room_type=rt, arrival=today, guests=[_guest("林涛")])
    contact = order.guests.get().contact
    response = clerk.post(f"{base}/orders/{order.pk}/check-in/", {"room": r1.pk, f"g{contact.pk}_id_number": ID_NUMBER})
    assert response.status_code == 200 and "已被占用" in response.content.decode()
    contact.refresh_from_db()
    order.refresh_from_db()
    assert contact.id_type == "" and order.status == S.CONFIRMED


def test_a_check_out_that_leaves_money_owed_back_says_so(store, rt, today, clerk, base):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], status=S.CHECKED_IN, nights=2)
    pay_due(order)  # both nights prepaid; leaving the first day keeps one
    response = clerk.post(f"{base}/orders/{order.pk}/check-out/", follow=True)
    order.refresh_from_db()
    assert (order.status, order.due_amount) == (S.CHECKED_OUT, -order.total_amount)
    assert f"应退客人 {order.total_amount}：请在账单中办理退款。" in response.content.decode()
