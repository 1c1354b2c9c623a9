"""Front desk v2 (issue 20) on the server: the live poll (304 when idle, a change seen,
its cost), the grid's lane and money marks in the markup with constant queries, the
desk-flow fixes (one edit form, both errors at once, a room of another type switches the
type, the folio's own ids, contexts and no jump, today's labels and money, cancelled
orders without a due, early check-out asks, the check-in room picker)."""
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.folios.services import folio_post_deposit
from apps.folios.tests.factories import methods_for, pay, primary_folio
from apps.orders.models import Order
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.rooms import services as rooms

S = Order.Status


@pytest.fixture
def rt(store, direct):
    """A room type with three rooms (``rt.rooms_list``)."""
    room_type, room_type.rooms_list = room_type_with_rooms(store, 3)
    return room_type


@pytest.fixture
def clerk(browser_login):
    return browser_login("alpha", "clerk_a1")


@pytest.fixture
def base(store):
    return f"/t/alpha/s/{store.pk}"


def _version(html: str) -> str:
    return re.search(r'data-live-version="([^"]+)"', html).group(1)


def _settle(clerk, url, version) -> str:
    """Poll until idle (304). Before that the feed's cursor may move on past writes that
    were still in flight elsewhere when the page was drawn (then ``changed`` may say true
    once for them: the page re-reads its rows, harmless)."""
    for _ in range(100):
        response = clerk.get(url, HTTP_IF_NONE_MATCH=f'"{version}"')
        if response.status_code == 304:
            assert response["ETag"] == f'"{version}"'
            return version
        version = response.json()["version"]
        time.sleep(0.05)
    raise AssertionError("the poll never settled")


def _change(clerk, url, version) -> str:
    """Poll until the change is seen (at once, unless a write elsewhere is in flight)."""
    for _ in range(100):
        response = clerk.get(url, HTTP_IF_NONE_MATCH=f'"{version}"')
        assert response.status_code == 200
        version = response.json()["version"]
        if response.json()["changed"]:
            return version
        time.sleep(0.05)
    raise AssertionError("the change was never seen")


def test_live_poll_answers_304_when_idle_and_200_on_a_change(store, rt, clerk, base):
    version = _version(clerk.get(f"{base}/grid/").content.decode())
    url = f"{base}/changes/"
    version = _settle(clerk, url, version)

    order = make_order(store, room_type=rt, guests=[PersonIn(full_name="周九")])  # another clerk, the owner app, a channel
    version = _settle(clerk, url, _change(clerk, url, version))

    rooms.room_housekeeping_set(room=rt.rooms_list[1], status="dirty", actor=None)  # housekeeping is not an order event
    version = _settle(clerk, url, _change(clerk, url, version))

    rooms.room_lock_create(store=store, room=rt.rooms_list[2], lock_type="maintenance", start_date=order.arrival,
                           end_date=order.departure, reason="漏水")
    _change(clerk, url, version)
    # a version never seen (or none): an answer to start from, no change claimed
    fresh = clerk.get(url, HTTP_IF_NONE_MATCH='"nonsense"')
    assert fresh.status_code == 200 and fresh.json()["changed"] is False
    # another store's poll needs that store
    assert clerk.get(f"/t/alpha/s/{store.pk + 999}/changes/").status_code == 404


def test_fifty_idle_polls_cost(store, rt, clerk, base, capsys):
    version = _version(clerk.get(f"{base}/today/").content.decode())
    url = f"{base}/changes/"
    version = _settle(clerk, url, version)  # and warm caches
    samples, cpu, counts = [], [], []
    for _ in range(50):
        with CaptureQueriesContext(connection) as queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = clerk.get(url, HTTP_IF_NONE_MATCH=f'"{version}"')
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 304 or response.json()["changed"] is False
        version = response.json()["version"] if response.status_code == 200 else version
        counts.append(len(queries))
    samples.sort()
    cpu.sort()
    p50, p95 = samples[24], samples[47]
    with capsys.disabled():
        print(f"\n50 idle polls: p50 {p50:.1f} ms, p95 {p95:.1f} ms, total {sum(samples):.0f} ms, "
              f"cpu p50 {cpu[24]:.1f} ms, queries {counts[0]}")
    # wall time depends on how busy the machine is; the work per poll is what is pinned
    assert max(counts) <= 6, counts
    assert cpu[24] < 40 and p95 < 500


def test_grid_lane_money_marks_and_constant_queries(store, rt, clerk, base, today):
    r1, r2, r3 = rt.rooms_list
    wang = make_order(store, room_type=rt, arrival=today, nights=1, guests=[PersonIn(full_name="王五")])
    guest = make_order(store, room_type=rt, room=r1, arrival=today, nights=2, status=S.CHECKED_IN, guests=[PersonIn(full_name="钱七")])
    folio_post_deposit(folio=primary_folio(guest), actor=None, amount=Decimal("300"), payment_method=methods_for(store)["cash"])
    html = clerk.get(f"{base}/grid/?days=7").content.decode()
    lane = re.search(rf'data-testid="unassigned-{rt.pk}">(.*?)</div>\n', html, re.S).group(1)
    assert f'data-order="{wang.pk}"' in lane and "王五" in lane
    block = re.search(rf'<a class="blk st-checked_in"[^>]*data-order="{guest.pk}".*?</a>', html, re.S).group(0)
    due = Order.objects.get(pk=guest.pk).due_amount
    assert f'data-mark="due">欠费¥{due}<' in block and 'data-mark="deposit">押金¥300.00<' in block

    with CaptureQueriesContext(connection) as small:
        clerk.get(f"{base}/grid/?days=7")
    for i in range(4):
        make_order(store, room_type=rt, arrival=today + timedelta(days=2 + i), nights=1)
        paid = make_order(store, room_type=rt, room=r2, arrival=today + timedelta(days=2 + i), nights=1)
        pay(primary_folio(paid), "100")
    with CaptureQueriesContext(connection) as big:
        clerk.get(f"{base}/grid/?days=7")
    assert len(small) == len(big)


def test_edit_page_is_one_form_saved_together_or_not_at_all(store, rt, clerk, base, today):
    r1, r2, r3 = rt.rooms_list
    order = make_order(store, room_type=rt, room=r1, arrival=today + timedelta(days=1), nights=2)
    make_order(store, room_type=rt, room=r3, arrival=today + timedelta(days=1), nights=2)
    url = f"{base}/orders/{order.pk}/edit/"
    html = clerk.get(url).content.decode()
    form = re.search(r'<form method="post" novalidate data-testid="edit-form".*?</form>', html, re.S).group(0)
    assert html.count('data-testid="edit-form"') == 1 and form.count('type="submit"') == 1
    assert '<fieldset data-testid="stay-form">' in form and '<fieldset data-testid="details-form">' in form
    stay = {"arrival": order.arrival, "departure": order.departure, "room_type": rt.pk}
    # the stay refused (room 3 is taken): the details typed are not saved either
    refused = clerk.post(url, {**stay, "room": r3.pk, "adults": 2, "children": 0, "notes": "高楼层"})
    assert refused.status_code == 200
    order.refresh_from_db()
    assert (order.room_id, order.adults, order.notes) == (r1.pk, 1, "")
    # both at once
    clerk.post(url, {**stay, "room": r2.pk, "adults": 2, "children": 0, "notes": "高楼层"})
    order.refresh_from_db()
    assert (order.room_id, order.adults, order.notes) == (r2.pk, 2, "高楼层")


def test_booking_shows_every_bad_number_and_a_room_of_another_type_switches_the_type(store, rt, clerk, base, today):
    other, (suite,) = room_type_with_rooms(store, 1)
    data = {"kind": "reservation", "room_type": rt.pk, "arrival": today, "departure": today + timedelta(days=1),
            "adults": 1, "children": 0, "guest_name": "吴十", "guest_phone": "123", "id_number": "123", "confirm": "on"}
    html = clerk.post(f"{base}/orders/new/", data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This phone number is not valid." in html
    assert re.search(r'id_id_number_error', html)
    assert not Order.objects.filter(primary_contact_name="吴十").exists()
    clerk.post(f"{base}/orders/new/", {**data, "guest_phone": "", "id_number": "", "room": suite.pk})
    order = Order.objects.get(primary_contact_name="吴十")
    assert (order.room_id, order.room_type_id) == (suite.pk, other.pk)


def test_folio_fields_open_button_and_no_jump(store, rt, clerk, base):
    order = make_order(store, room_type=rt, room=rt.rooms_list[0], status=S.CHECKED_IN)
    folio = primary_folio(order)
    html = clerk.get(f"{base}/folios/{folio.pk}/").content.decode()
    assert html.count('id="id_description"') == 1 and html.count('id="id_charge-description"') == 1
    assert 'for="id_charge-description"' in html
    assert 'data-testid="folio-open-submit">开立</button>' in html
    cash = methods_for(store)["cash"]
    response = clerk.post(f"{base}/folios/{folio.pk}/payments/", {"amount": "10", "payment_method": cash.pk})
    assert response.status_code == 302 and response["Location"] == f"{base}/folios/{folio.pk}/"
    # in the house until after today: checking out asks first
    assert "data-early-check-out" in html


def test_today_labels_money_and_cancelled_orders_show_no_due(store, rt, clerk, base, today):
    arriving = make_order(store, room_type=rt, arrival=today, nights=1, adults=1, children=1,
                          guests=[PersonIn(full_name="甲")])
    guest = make_order(store, room_type=rt, room=rt.rooms_list[0], status=S.CHECKED_IN)
    folio_post_deposit(folio=primary_folio(guest), actor=None, amount=Decimal("200"), payment_method=methods_for(store)["cash"])
    html = clerk.get(f"{base}/today/").content.decode()
    assert re.search(rf'data-testid="guests-{arriving.pk}">成人 1 儿童 1<', html)
    money = re.search(rf'data-testid="in-house-money-{guest.pk}">(.*?)</span></span>', html, re.S).group(1)
    due = Order.objects.get(pk=guest.pk).due_amount
    assert f"待付 ¥{due}" in money and "押金 ¥200.00" in money
    cancelled = make_order(store, room_type=rt, status=S.CANCELLED)
    assert Order.objects.get(pk=cancelled.pk).due_amount == 0
    detail = clerk.get(f"{base}/orders/{cancelled.pk}/").content.decode()
    assert 'data-testid="order-due">—<' in detail
    listing = clerk.get(f"{base}/orders/?status=cancelled").content.decode()
    assert f'data-testid="order-due-{cancelled.pk}">—<' in listing


def test_check_in_room_picker_lists_free_rooms_first_marked(store, rt, clerk, base, today):
    r1, r2, r3 = rt.rooms_list
    make_order(store, room_type=rt, room=r1, arrival=today, nights=1, status=S.CONFIRMED)
    rooms.room_housekeeping_set(room=r2, status="dirty", actor=None)
    order = make_order(store, room_type=rt, arrival=today, nights=1)
    html = clerk.get(f"{base}/orders/{order.pk}/check-in/").content.decode()
    select = re.search(r'<select name="room".*?</select>', html, re.S).group(0)
    labels = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)
    assert [label.split(" · ")[:2] for label in labels] == [[r3.number, "净"], [r2.number, "脏"], [r1.number, "占用"]]
    assert f'data-dirty-rooms="{r2.pk} "' in html
