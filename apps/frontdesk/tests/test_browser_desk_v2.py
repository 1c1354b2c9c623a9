"""Front desk v2 (issue 20) in a real headless Chromium, as walked in docs/frontdesk.md:
the desk-flow bugs, the 未排房 lane with a drag onto a room, pending and conflict styles,
money marks, the filters, live updates across two browsers, drag-select booking, the
drop preview and undo, the phone layout. Screenshots go to test-artifacts/desk-v2-*.png."""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.contacts.tests.factories import resident_id
from apps.folios.services import folio_post_deposit
from apps.folios.tests.factories import methods_for, pay, primary_folio
from apps.frontdesk.tests.test_browser_grid import block, cell, desk_world, drag, grid_url, order_row
from apps.orders.models import Order
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order
from apps.rooms import services as rooms
from tests.browser import login, screenshot
from tests.fixtures import set_business_date
from tests.world import PASSWORD

pytestmark = pytest.mark.browser


def today_url(page, w) -> str:
    return f"{page.base_url}/t/{w.slug}/s/{w.store.pk}/today/"


def money_world(committed_tenant):
    """desk_world plus: 王五 (大床房, tonight, no room, confirmed), 赵六 (pending, room 103,
    tonight), 钱七 in 201 since yesterday, due out today, owing 260 and holding a 500
    deposit, 孙八 in 202 from tomorrow, paid in full in advance; 102 dirty."""
    w = desk_world(committed_tenant)
    with tenant_context(w.tenant):
        w.wang = make_order(w.store, room_type=w.king, arrival=w.today, nights=1, guests=[PersonIn(full_name="王五")])
        w.zhao = make_order(w.store, room_type=w.king, room=w.room["103"], arrival=w.today, nights=1,
                            status=Order.Status.PENDING_CONFIRMATION, guests=[PersonIn(full_name="赵六")])
        Order.objects.filter(pk=w.zhao.pk).update(is_conflict=True)  # as an OTA intake conflict leaves it
        set_business_date(w.store, w.today - timedelta(days=1))  # 钱七 came yesterday
        w.qian = make_order(w.store, room_type=w.twin, room=w.room["201"], arrival=w.today - timedelta(days=1), nights=1,
                            status=Order.Status.CHECKED_IN, guests=[PersonIn(full_name="钱七")])
        set_business_date(w.store, w.today)
        cash = methods_for(w.store)["cash"]
        folio_post_deposit(folio=primary_folio(w.qian), actor=None, amount=Decimal("500"), payment_method=cash)
        w.sun = make_order(w.store, room_type=w.twin, room=w.room["202"], arrival=w.tomorrow, nights=1,
                           guests=[PersonIn(full_name="孙八")])
        pay(primary_folio(w.sun), str(Order.objects.get(pk=w.sun.pk).total_amount))
        rooms.room_housekeeping_set(room=w.room["102"], status="dirty", actor=None)
        w.qian_due = Order.objects.get(pk=w.qian.pk).due_amount
    connection.set_schema_to_public()
    return w


def test_lane_pending_conflict_money_marks_and_a_drag_from_the_lane(page, committed_tenant):
    w = money_world(committed_tenant)
    login(page, w.slug, "clerk_c", PASSWORD)
    page.goto(grid_url(page, w, days=7))

    # the 未排房 lane of 大床房 holds 王五, who has no room yet
    lane = page.locator(f"[data-testid=unassigned-{w.king.pk}]")
    assert lane.locator(".rk-label").inner_text().startswith("未排房")
    assert lane.locator(f".blk[data-order='{w.wang.pk}']").inner_text().startswith("王五")
    assert page.locator(f"[data-testid=unassigned-{w.twin.pk}]").count() == 0
    # the pending order is in its room, in its own style, and marked as a conflict
    zhao = page.locator(f".rk-row[data-number='103'] .blk[data-order='{w.zhao.pk}']")
    assert zhao.get_attribute("class").split() == ["blk", "st-pending_confirmation", "pend", "conflict"]
    assert "⚠" in zhao.inner_text()
    # money: 钱七 owes and holds a deposit, and leaves today: still shown on today's column
    qian = page.locator(f".rk-row[data-number='201'] .blk[data-order='{w.qian.pk}']")
    assert w.qian_due > 0
    assert qian.locator("[data-mark=due]").inner_text() == f"欠费¥{w.qian_due}"
    assert qian.locator("[data-mark=deposit]").inner_text() == "押金¥500.00"
    assert "due-out" in qian.get_attribute("class") and "今日离店" in qian.inner_text()
    assert qian.evaluate("el => getComputedStyle(el).getPropertyValue('--s').trim()") == "0"
    # 孙八 paid in full before arriving; 张三 (nothing paid, not arrived) has no money mark
    assert page.locator(f".blk[data-order='{w.sun.pk}'] [data-mark=prepaid]").inner_text() == "已付"
    assert block(page, w.zhang.pk).locator(".mk").count() == 0
    screenshot(page, "desk-v2-grid-states")

    # drag 王五 from the lane onto 202 (双床房): the type would change, the clerk is asked and says no
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    drag(page, block(page, w.wang.pk), cell(page, w, "202", w.today))
    page.wait_for_selector(f".blk[data-order='{w.wang.pk}'][data-returned]")
    assert asked and "另一房型" in asked[0]
    assert order_row(w, w.wang.pk).room_id is None
    # drag 王五 from the lane onto 101 tomorrow, 张三's night: refused by the server, back in the lane
    wang = block(page, w.wang.pk)
    drag(page, wang, cell(page, w, "101", w.tomorrow))
    page.locator("#messages .toast.error").last.wait_for()
    assert order_row(w, w.wang.pk).room_id is None
    page.wait_for_selector(f".blk[data-order='{w.wang.pk}'][data-returned]:not(.returning)")
    # onto 101 (free tonight): assigned by the server's checks, now in row 101
    drag(page, block(page, w.wang.pk), cell(page, w, "101", w.today))
    page.wait_for_selector(f".rk-row[data-number='101'] .blk[data-order='{w.wang.pk}']")
    assert order_row(w, w.wang.pk).room_id == w.room["101"].pk
    assert page.locator(f"[data-testid=unassigned-{w.king.pk}]").count() == 0
    screenshot(page, "desk-v2-lane-assigned")


def test_filters(page, committed_tenant):
    w = money_world(committed_tenant)
    with tenant_context(w.tenant):
        rooms.room_lock_create(store=w.store, room=w.room["202"], lock_type="maintenance", start_date=w.today,
                               end_date=w.tomorrow, reason="漏水")
    connection.set_schema_to_public()
    login(page, w.slug, "clerk_c", PASSWORD)
    page.goto(grid_url(page, w, days=7))

    def shown():
        return page.locator(".rk-row[data-room]:visible").evaluate_all("rs => rs.map(r => r.dataset.number)")

    def only(name):
        page.click(f"[data-testid=filter-{name}]")
        result = shown()
        page.click(f"[data-testid=filter-{name}]")
        return result

    assert shown() == ["101", "102", "103", "201", "202"]
    # tonight: 101 and 103 free and clean (赵六 is only pending), 102 free and dirty,
    # 103 has an arrival (pending 赵六), 201 in the house and leaving, 202 locked
    assert only("vc") == ["101", "103"]
    assert only("vd") == ["102"]
    assert only("arr") == ["103"]
    assert only("dep") == ["201"]
    assert only("in") == ["201"]
    assert only("ooo") == ["202"]
    assert page.locator("[data-testid=filter-vc] .n").inner_text() == "2"
    page.select_option("[data-testid=filter-type]", str(w.twin.pk))
    assert shown() == ["201", "202"]
    assert page.locator(f"[data-testid=unassigned-{w.king.pk}]").is_hidden()
    page.select_option("[data-testid=filter-type]", "")
    page.select_option("[data-testid=filter-floor]", "1")
    assert shown() == ["101", "102", "103"]
    page.click("[data-testid=filter-vd]")
    assert shown() == ["102"]
    screenshot(page, "desk-v2-filter-dirty")


def test_two_browsers_see_each_others_changes_without_a_reload(page, committed_tenant, browser):
    w = money_world(committed_tenant)
    login(page, w.slug, "clerk_c", PASSWORD)
    page.goto(grid_url(page, w, days=7))
    other = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    other.set_default_timeout(10_000)
    second = other.new_page()
    second.base_url = page.base_url
    try:
        login(second, w.slug, "clerk_c", PASSWORD)
        second.goto(today_url(second, w))
        page.evaluate("window.__notReloaded = true")
        second.evaluate("window.__notReloaded = true")
        # the clerk of the first browser is typing in a side panel meanwhile
        page.click("[data-testid=room-101]")
        page.locator("[data-testid=drawer]").wait_for()
        page.locator("[data-testid=room-panel] details:has([data-testid=lock-form]) > summary").click()
        reason = page.locator("[data-testid=lock-form] input[name=reason]")
        reason.fill("空调维修中")

        # a booking made in a third place (the services, as the owner app or a channel would)
        with tenant_context(w.tenant):
            booked = make_order(w.store, room_type=w.king, room=w.room["103"], arrival=w.today + timedelta(days=3), nights=1,
                                guests=[PersonIn(full_name="周九")])
            arriving = make_order(w.store, room_type=w.twin, arrival=w.today, nights=1, guests=[PersonIn(full_name="吴十")])
        connection.set_schema_to_public()
        started = time.monotonic()
        page.wait_for_selector(f".rk-row[data-number='103'] .blk[data-order='{booked.pk}']", timeout=5000)
        second.wait_for_selector(f"[data-testid=arrival-{arriving.pk}]", timeout=5000)
        assert time.monotonic() - started < 5
        assert page.evaluate("window.__notReloaded") is True and second.evaluate("window.__notReloaded") is True
        assert page.locator("[data-testid=drawer]").is_visible() and reason.input_value() == "空调维修中"

        # and a booking from the first browser's grid shows in the second's today list
        page.keyboard.press("Escape")
        cell(page, w, "101", w.today).click()
        panel = page.locator("[data-testid=booking-panel]")
        panel.wait_for()
        panel.locator("input[name=guest_name]").fill("郑一")
        panel.locator("[data-testid=order-submit]").click()
        second.locator("[data-testid=arrivals]").get_by_text("郑一").wait_for(timeout=5000)
        # one toast for one booking (desk.js initialises once)
        page.locator("#messages .toast.success").first.wait_for()
        assert page.locator("#messages .toast").count() == 1
        screenshot(second, "desk-v2-today-live")
    finally:
        other.close()


def test_drag_select_booking_drop_preview_and_undo(page, committed_tenant):
    w = desk_world(committed_tenant)
    with tenant_context(w.tenant):
        rooms.room_lock_create(store=w.store, room=w.room["103"], lock_type="maintenance", start_date=w.tomorrow,
                               end_date=w.tomorrow + timedelta(days=1), reason="检修")
    connection.set_schema_to_public()
    login(page, w.slug, "clerk_c", PASSWORD)
    page.goto(grid_url(page, w, days=7))

    # press on 201 tonight, drag to the third night, release: a 3-night booking panel
    first, last = cell(page, w, "201", w.today).bounding_box(), cell(page, w, "201", w.today + timedelta(days=2)).bounding_box()
    page.mouse.move(first["x"] + 5, first["y"] + 5)
    page.mouse.down()
    page.mouse.move(last["x"] + 10, last["y"] + 5, steps=8)
    assert page.locator(".rk-row[data-number='201'] > i.sel").count() == 3
    page.mouse.up()
    panel = page.locator("[data-testid=booking-panel]")
    panel.wait_for()
    assert panel.locator("input[name=arrival]").input_value() == w.today.isoformat()
    assert panel.locator("input[name=departure]").input_value() == (w.today + timedelta(days=3)).isoformat()
    page.keyboard.press("Escape")

    # dragging 张三 over 102 (李四) and over 103 (locked): the ghost says the drop is refused
    zhang = block(page, w.zhang.pk)
    src = zhang.bounding_box()
    page.mouse.move(src["x"] + 10, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(src["x"] + 16, src["y"] + src["height"] / 2 + 3, steps=2)
    target = cell(page, w, "102", w.tomorrow).bounding_box()
    page.mouse.move(target["x"] + 10, target["y"] + target["height"] / 2, steps=6)
    ghost = page.locator(".drop-ghost")
    assert ghost.get_attribute("data-refused") == "occupied" and "bad" in ghost.get_attribute("class")
    target = cell(page, w, "103", w.tomorrow).bounding_box()
    page.mouse.move(target["x"] + 10, target["y"] + target["height"] / 2, steps=6)
    assert ghost.get_attribute("data-refused") == "locked" and "维修" in ghost.inner_text()
    screenshot(page, "desk-v2-drop-preview")
    page.mouse.up()  # dropped on the lock: refused, back in 101
    page.locator("#messages .toast.error").last.wait_for()
    assert order_row(w, w.zhang.pk).room_id == w.room["101"].pk
    page.reload()

    # a move to 201 (two nights later) is committed at once and can be undone (a move back)
    later = w.tomorrow + timedelta(days=2)
    drag(page, block(page, w.zhang.pk), cell(page, w, "101", later))
    page.wait_for_selector(f".blk[data-order='{w.zhang.pk}'][data-a='{later.isoformat()}']")
    assert order_row(w, w.zhang.pk).arrival == later
    page.click("[data-testid=undo-move]")
    page.wait_for_selector(f".blk[data-order='{w.zhang.pk}'][data-a='{w.tomorrow.isoformat()}']")
    order = order_row(w, w.zhang.pk)
    assert (order.room_id, order.arrival) == (w.room["101"].pk, w.tomorrow)


def test_phone_layout(browser, live_server, committed_tenant):
    w = money_world(committed_tenant)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.base_url = live_server.url
    try:
        login(page, w.slug, "clerk_c", PASSWORD)
        page.goto(grid_url(page, w, days=7))
        # no navigation label broken one character per line: each is one line high
        heights = page.locator(".nav a").evaluate_all("as => as.map(a => a.getBoundingClientRect().height)")
        assert heights and max(heights) < 48, heights
        widths = page.locator(".nav a").evaluate_all("as => as.map(a => [a.textContent.trim(), a.scrollHeight, a.clientHeight])")
        assert all(sh <= ch + 1 for _t, sh, ch in widths), widths
        # the first room row within 200 px of the top, no sideways page overflow
        top = page.locator(".rk-row[data-room]").first.evaluate("r => r.getBoundingClientRect().top + window.scrollY")
        screenshot(page, "desk-v2-grid-phone")
        assert top <= 200, top
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "desk-v2-grid-phone")
        page.goto(today_url(page, w))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "desk-v2-today-phone")
    finally:
        context.close()


def test_search_by_id_number_and_ota_reference_and_a_dirty_room_asks_at_check_in(page, committed_tenant):
    w = money_world(committed_tenant)
    id_number = resident_id("330106", "19880808", "321")
    with tenant_context(w.tenant):
        make_order(w.store, room_type=w.king, arrival=w.today, nights=1,
                           guests=[PersonIn(full_name="冯二", id_type="resident_id", id_number=id_number, is_primary=True)])
        Order.objects.filter(pk=w.wang.pk).update(external_ref="CTRIP-889900")
    connection.set_schema_to_public()
    login(page, w.slug, "clerk_c", PASSWORD)
    orders = f"{page.base_url}/t/{w.slug}/s/{w.store.pk}/orders/"
    page.goto(orders)
    results = "() => document.querySelector('#order-results').innerText"
    page.fill('[data-testid="order-filter"] input[name=q]', id_number)
    page.wait_for_function(f"() => ({results})().includes('冯二') && !({results})().includes('王五')")
    page.fill('[data-testid="order-filter"] input[name=q]', "CTRIP-889900")
    page.wait_for_function(f"() => ({results})().includes('王五') && !({results})().includes('冯二')")
    assert id_number not in page.url

    # check 王五 in: the picker lists free rooms first, marked; the dirty 102 asks first
    page.goto(f"{page.base_url}/t/{w.slug}/s/{w.store.pk}/orders/{w.wang.pk}/check-in/")
    options = page.locator("select[name=room] option").evaluate_all("os => os.map(o => o.textContent)")
    assert options[1].startswith("101 · 净") and any(o.startswith("102 · 脏") for o in options)
    page.select_option("select[name=room]", str(w.room["102"].pk))
    page.fill("input[data-testid^=doc-]", resident_id("110105", "19900101", "123"))
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("[data-testid=check-in-submit]")
    page.wait_for_timeout(300)
    assert asked and "还未清洁" in asked[0]
    assert order_row(w, w.wang.pk).status == "confirmed"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=check-in-submit]")
    page.wait_for_url(f"**/orders/{w.wang.pk}/")
    order = order_row(w, w.wang.pk)
    assert (order.status, order.room_id) == ("checked_in", w.room["102"].pk)
