"""A front-desk day in a real headless Chromium: book from an empty cell of the grid,
check in with the guest's document, post an extra on the folio, take payment, check out
(the folio settled), see the room dirty, switch the language. Screenshots of the folio
and the order go to test-artifacts/ (the grid's: apps/rooms/tests/test_browser_grid.py)."""
from __future__ import annotations

import pytest

from apps.contacts.tests.factories import resident_id
from apps.frontdesk.tests.test_browser_grid import cell, desk_world, grid_url, order_row
from tests.browser import login, screenshot
from tests.world import PASSWORD

pytestmark = pytest.mark.browser
ID_NUMBER = resident_id("330106", "19880808", "321")


def test_book_check_in_extra_check_out_and_switch_language(page, committed_tenant):
    w = desk_world(committed_tenant)
    login(page, w.slug, "clerk_c", PASSWORD)
    page.goto(grid_url(page, w, days=7))

    # book from an empty cell: room 201, tonight
    cell(page, w, "201", w.today).click()
    panel = page.locator("[data-testid=booking-panel]")
    panel.wait_for()
    assert panel.locator("select[name=room] option:checked").inner_text() == "201 · 净 · 双床房"  # free rooms first, marked
    assert panel.locator("input[name=arrival]").input_value() == w.today.isoformat()
    panel.locator("input[name=guest_name]").fill("王小明")
    panel.locator("input[name=guest_phone]").fill("13800138000")
    panel.locator("[data-testid=order-submit]").click()
    booked = page.locator(".rk-row[data-number='201'] .blk[data-order]")
    booked.wait_for()
    assert "王小明" in booked.inner_text()
    order_id = int(booked.get_attribute("data-order"))
    assert page.locator("[data-testid=drawer]").is_hidden()

    # click the stay: its panel offers check-in, which asks for the guest's document
    booked.click()
    page.locator("[data-testid=order-panel]").wait_for()
    page.click("[data-testid=panel-check-in]")
    page.wait_for_url("**/check-in/**")
    page.click("[data-testid=check-in-submit]")  # no document: refused, nothing changes
    assert page.locator(".errorlist").first.is_visible()
    assert order_row(w, order_id).status == "confirmed"
    page.fill("input[data-testid^=doc-]", ID_NUMBER)
    page.click("[data-testid=check-in-submit]")
    page.wait_for_url("**/grid/**")
    page.wait_for_selector(f".blk.st-checked_in[data-order='{order_id}']")
    assert order_row(w, order_id).status == "checked_in"

    # the order page: the document is masked; its folio takes the extras and the money
    page.goto(f"{page.base_url}/t/{w.slug}/s/{w.store.pk}/orders/{order_id}/")
    assert "**************" + ID_NUMBER[-4:] in page.locator("[data-testid=order-guests]").inner_text()
    page.click("[data-testid=folio]")
    page.wait_for_url("**/folios/**")
    charge = page.locator("[data-testid=charge-form]")
    charge.locator("input[name=description]").fill("早餐")
    charge.locator("input[name=unit_price]").fill("38")
    charge.locator("input[name=quantity]").fill("2")
    charge.locator("[data-testid=charge-submit]").click()
    page.wait_for_selector("[data-testid=ledger-row][data-type=charge]")
    # what the guest owes: the night (260.00, not posted yet) and the breakfast
    assert page.locator("[data-testid=folio-balance]").inner_text() == "336.00"
    assert page.locator("[data-testid=folio-unposted]").inner_text().startswith("260.00")

    # take payment: the form offers what is owed; pay it by WeChat Pay
    payment = page.locator("[data-testid=payment-form]")
    assert payment.locator("input[name=amount]").input_value() == "336.00"
    payment.locator("select[name=payment_method]").select_option(label="微信支付")
    payment.locator("[data-testid=payment-submit]").click()
    page.wait_for_selector("[data-testid=ledger-row][data-type=payment]")
    assert page.locator("[data-testid=folio-balance]").inner_text() == "0.00"
    assert page.locator("[data-testid=folio-status]").inner_text() == "已结清"
    screenshot(page, "folio")

    # check out from the folio (settled): the order is closed and the room shows dirty
    asked = []  # before the departure date: the page asks first (an early check-out)
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("[data-testid=folio-check-out]")
    page.wait_for_selector("[data-testid=folio-closed]:has-text('已关闭')")
    assert asked and "提前退房" in asked[0]
    assert page.locator("[data-testid=folio-status]").inner_text() == "已结清"  # the night charged, paid
    assert order_row(w, order_id).status == "checked_out"
    page.goto(f"{page.base_url}/t/{w.slug}/s/{w.store.pk}/orders/{order_id}/")
    assert page.locator("[data-testid=order-status]").inner_text() == "已退房"
    assert "早餐" in page.locator("[data-testid=extra-row]").inner_text()
    assert page.locator("[data-testid=order-total]").inner_text() == "336.00"
    screenshot(page, "order")
    page.goto(grid_url(page, w, days=7))
    assert "hk-dirty" in page.locator("[data-testid='hk-201']").get_attribute("class")
    assert page.locator("[data-testid='hk-201']").inner_text() == "待清洁"

    # switch the language: the same page in English
    with page.expect_navigation():
        page.select_option("[data-testid=lang-switch]", "en")
    assert page.locator(".nav a[aria-current=page]").inner_text() == "Room grid"
    assert page.locator("[data-testid='hk-201']").inner_text() == "Dirty"
    screenshot(page, "grid-en")
