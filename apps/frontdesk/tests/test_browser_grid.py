"""The room status grid in a real headless Chromium: drag a stay to another room and to
other dates (persisted after a reload), a drag onto an occupied room is refused and the
block returns, the keyboard help overlay, the room panel (housekeeping, lock/unlock)."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.orders.models import Order
from apps.orders.services import PersonIn, channel_defaults_ensure, order_create
from apps.orders.tests.factories import booking
from apps.rooms import services as rooms
from apps.tenancy.business_day import store_local_date
from apps.tenancy.models import StaffProfile
from apps.tenancy.services import staff_create
from tests.browser import login, screenshot
from tests.world import PASSWORD

pytestmark = pytest.mark.browser


def desk_world(committed_tenant) -> SimpleNamespace:
    """A front-desk clerk, two room types (101-103 大床房, 201-202 双床房) and two stays:
    张三 in 101 and 李四 in 102, both from tomorrow for 2 nights. Built through the services."""

    store = committed_tenant.store
    with tenant_context(committed_tenant.tenant):
        staff_create(username="clerk_c", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[store])
        channel_defaults_ensure(store=store)
        king = rooms.room_type_create(store=store, name="大床房", default_price=300, capacity=2, sort_order=0)
        twin = rooms.room_type_create(store=store, name="双床房", default_price=260, capacity=2, sort_order=1)
        room = {}
        for number, room_type in (("101", king), ("102", king), ("103", king), ("201", twin), ("202", twin)):
            room[number] = rooms.room_create(store=store, room_type=room_type, number=number, floor=number[0])
        today = store_local_date(store=store)
        tomorrow = today + timedelta(days=1)
        zhang = order_create(**booking(store=store, actor=None, room_type=king, room=room["101"], arrival=tomorrow,
                             departure=tomorrow + timedelta(days=2), confirm=True, guests=[PersonIn(full_name="张三")]))
        li = order_create(**booking(store=store, actor=None, room_type=king, room=room["102"], arrival=tomorrow,
                          departure=tomorrow + timedelta(days=2), confirm=True, guests=[PersonIn(full_name="李四")]))
    connection.set_schema_to_public()
    return SimpleNamespace(store=store, tenant=committed_tenant.tenant, slug=committed_tenant.tenant.slug, room=room,
                           king=king, twin=twin, today=today, tomorrow=tomorrow, zhang=zhang, li=li)


def grid_url(page, w, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"days": 14, **params}.items())
    return f"{page.base_url}/t/{w.slug}/s/{w.store.pk}/grid/?{query}"


def block(page, order_id):
    return page.locator(f".blk[data-order='{order_id}']")


def cell(page, w, number, day):
    """The night cell of room ``number`` on ``day`` (cells are the row's <i>, in column order)."""
    column = page.locator(".rk-head .rk-d").evaluate_all("(ds, d) => ds.findIndex(x => x.dataset.d === d)", day.isoformat())
    assert column >= 0, f"{day} is not on the grid"
    return page.locator(f".rk-row[data-number='{number}'] > i").nth(column)


def drag(page, source, target) -> None:
    """Press on the block's first night, move in steps onto ``target``'s centre, release."""
    src = source.bounding_box()
    dst = target.bounding_box()
    x0, y0 = src["x"] + min(20, src["width"] / 2), src["y"] + src["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 6, y0 + 3, steps=2)
    page.mouse.move(dst["x"] + min(20, dst["width"] / 2), dst["y"] + dst["height"] / 2, steps=12)
    page.mouse.up()


def order_row(w, order_id):
    with tenant_context(w.tenant):
        order = Order.objects.get(pk=order_id)
    connection.set_schema_to_public()
    return order


def test_drag_a_stay_to_another_room_and_other_dates_and_a_refused_drag_snaps_back(page, committed_tenant):
    w = desk_world(committed_tenant)
    login(page, w.slug, "clerk_c", PASSWORD)
    page.goto(grid_url(page, w))
    zhang = block(page, w.zhang.pk)
    assert zhang.inner_text().startswith("张三")
    assert page.locator(".rk-row[data-number='101']").locator(f".blk[data-order='{w.zhang.pk}']").count() == 1
    screenshot(page, "grid")

    # onto 102, where 李四 sleeps the same nights: refused, the block returns, the reason shows
    drag(page, zhang, cell(page, w, "102", w.tomorrow))
    toast = page.locator("#messages .toast.error").last
    toast.wait_for()
    assert "已被占用" in toast.inner_text()
    page.wait_for_selector(f".blk[data-order='{w.zhang.pk}'][data-returned]")
    assert zhang.evaluate("el => el.style.transform") == ""
    assert zhang.evaluate("el => el.closest('.rk-row').dataset.number") == "101"
    assert order_row(w, w.zhang.pk).room_id == w.room["101"].pk

    # to room 103, same nights: accepted, persisted after a reload
    drag(page, zhang, cell(page, w, "103", w.tomorrow))
    page.locator("#messages .toast.success").last.wait_for()
    page.wait_for_selector(f".rk-row[data-number='103'] .blk[data-order='{w.zhang.pk}']")
    page.reload()
    assert page.locator(f".rk-row[data-number='103'] .blk[data-order='{w.zhang.pk}']").count() == 1
    assert order_row(w, w.zhang.pk).room_id == w.room["103"].pk

    # two nights later in the same room: accepted, persisted after a reload
    later = w.tomorrow + timedelta(days=2)
    drag(page, block(page, w.zhang.pk), cell(page, w, "103", later))
    page.wait_for_selector(f".rk-row[data-number='103'] .blk[data-order='{w.zhang.pk}'][data-a='{later.isoformat()}']")
    page.reload()
    moved = block(page, w.zhang.pk)
    assert moved.get_attribute("data-a") == later.isoformat()
    order = order_row(w, w.zhang.pk)
    assert (order.room_id, order.arrival, order.departure) == (w.room["103"].pk, later, later + timedelta(days=2))
    screenshot(page, "grid-after-moves")


def test_help_overlay_shortcuts_and_the_room_panel(page, committed_tenant):
    w = desk_world(committed_tenant)
    login(page, w.slug, "clerk_c", PASSWORD)
    page.goto(grid_url(page, w))
    page.keyboard.press("?")
    dialog = page.locator("[data-testid=help-dialog]")
    dialog.wait_for(state="visible")
    assert "g" in dialog.inner_text() and "房态图" in dialog.inner_text()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # move a stay with the keyboard only: focus it, "m", two rooms down, one night later, Enter
    block(page, w.zhang.pk).focus()
    page.keyboard.press("m")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert page.locator("#rack-live").inner_text() == f"103 · {(w.tomorrow + timedelta(days=1)).isoformat()}"
    page.keyboard.press("Enter")
    page.wait_for_selector(f".rk-row[data-number='103'] .blk[data-order='{w.zhang.pk}']")
    order = order_row(w, w.zhang.pk)
    assert (order.room_id, order.arrival) == (w.room["103"].pk, w.tomorrow + timedelta(days=1))

    # the room panel: mark 201 dirty, lock it for tonight, unlock it
    page.click("[data-testid='room-201']")
    panel = page.locator("[data-testid=room-panel]")
    panel.wait_for()
    page.click("[data-testid=set-hk-dirty]")
    page.wait_for_selector("[data-testid='hk-201'].hk-dirty")
    page.locator("[data-testid=room-panel] summary").click()
    page.select_option("[data-testid=lock-form] select[name=lock_type]", "out_of_order")
    page.fill("[data-testid=lock-form] input[name=reason]", "空调维修")
    page.click("[data-testid=lock-submit]")
    page.wait_for_selector(".rk-row[data-number='201'] .blk.lock")
    page.locator("[data-testid^=unlock-]").click()
    page.wait_for_selector(".rk-row[data-number='201'] .blk.lock", state="detached")

    # two-key shortcut: g then t opens today's page
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("t")
    page.wait_for_url(f"**/s/{w.store.pk}/today/")
    assert page.locator("[data-testid=today-board]").is_visible()


def test_tablet_grid_scrolls_with_sticky_rooms_and_a_stay_moves_by_touch(browser, live_server, committed_tenant):
    """iPad-sized, touch only: 31 nights scroll sideways under a sticky room column, and a
    press-and-hold drag moves a stay (Chromium turns CDP touch events into pointer events)."""
    w = desk_world(committed_tenant)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768}, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    try:
        login(page, w.slug, "clerk_c", PASSWORD)
        page.goto(grid_url(page, w, days=31))
        rack = page.locator("#rack")
        assert rack.evaluate("el => el.scrollWidth > el.clientWidth + 300")
        label = page.locator("[data-testid='room-101']")
        x_before = label.bounding_box()["x"]
        rack.evaluate("el => { el.scrollLeft = 500; }")
        assert abs(label.bounding_box()["x"] - x_before) < 1  # the room column stays put
        rack.evaluate("el => { el.scrollLeft = 0; }")
        screenshot(page, "grid-tablet")

        src = block(page, w.zhang.pk).bounding_box()
        dst = cell(page, w, "103", w.tomorrow).bounding_box()
        x0, y0 = src["x"] + 15, src["y"] + src["height"] / 2
        x1, y1 = dst["x"] + dst["width"] / 2, dst["y"] + dst["height"] / 2
        cdp = context.new_cdp_session(page)

        def touch(kind, x, y):
            points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", x0, y0)
        page.wait_for_timeout(500)  # press and hold
        for i in range(1, 11):
            touch("touchMove", x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10)
            page.wait_for_timeout(20)
        touch("touchEnd", x1, y1)
        page.wait_for_selector(f".rk-row[data-number='103'] .blk[data-order='{w.zhang.pk}']")
        assert order_row(w, w.zhang.pk).room_id == w.room["103"].pk
    finally:
        context.close()
