"""From zero to the first booking without the Django admin (issue 18, "Must show"): a
freshly provisioned tenant's admin sets the store profile, creates a room type with an
image, five rooms, a weekend price, a payment method and a clerk; the clerk logs in and
books a weekend night at the weekend price. A screenshot of every page: test-artifacts/first-*.png.

The weekend price is the one step not made in a page: the rate calendar is another
issue's, so it is posted to the REST API (pricing-rules) by the admin's signed-in
browser, with the session and its CSRF token, as a page's script would."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.backoffice.tests.conftest import png_bytes
from apps.orders.models import Order
from apps.tenancy.business_day import store_local_date
from tests.browser import login, screenshot
from tests.world import PASSWORD

pytestmark = pytest.mark.browser


def test_zero_to_first_booking_without_django_admin(page, committed_tenant):
    slug, store = committed_tenant.tenant.slug, committed_tenant.store
    settings_url = f"{page.base_url}/t/{slug}/s/{store.pk}/settings/"
    with tenant_context(committed_tenant.tenant):
        today = store_local_date(store=store)
    connection.set_schema_to_public()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)

    login(page, slug, "admin_c", PASSWORD)
    screenshot(page, "first-01-grid-empty")
    page.click("nav.nav >> text=设置")
    screenshot(page, "first-02-settings")

    # the store profile
    page.click("[data-testid=bo-nav] >> text=门店资料")
    page.fill("input[name=name]", "苍山小院")
    page.fill("input[name=address]", "大理古城复兴路 21 号")
    page.fill("input[name=phone]", "0872-2661234")
    page.fill("input[name=check_in_time]", "14:00")
    page.fill("input[name=check_out_time]", "12:00")
    page.click("[data-testid=profile-form] button[type=submit]")
    assert page.locator("[data-testid=message]").inner_text() == "门店资料已保存。"
    screenshot(page, "first-03-profile")

    # a room type with an image
    page.click("[data-testid=bo-nav] >> text=房型")
    page.click("[data-testid=room-type-add]")
    page.fill("input[name=name]", "洱海景大床房")
    page.fill("input[name=default_price]", "300")
    page.fill("input[name=amenities]", "空调，独立卫浴，观景阳台")
    page.locator("input[name=image]").set_input_files(files=[{"name": "room.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.click("[data-testid=room-type-form] button[type=submit]")
    page.wait_for_selector("[data-testid=room-type-images] img")
    screenshot(page, "first-04-room-type")
    room_type_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    # five rooms
    page.click("[data-testid=bo-nav] >> text=房间")
    page.select_option("[data-testid=room-bulk-form] select[name=room_type]", label="洱海景大床房")
    page.fill("[data-testid=room-bulk-form] input[name=first]", "101")
    page.fill("[data-testid=room-bulk-form] input[name=last]", "105")
    page.click("[data-testid=room-bulk-form] button[type=submit]")
    assert page.locator("[data-testid=message]").inner_text() == "已添加 5 间房。"
    screenshot(page, "first-05-rooms")

    # the weekend price (Friday and Saturday nights): the REST API, with this session
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post(
        f"{page.base_url}/t/{slug}/api/v1/stores/{store.pk}/pricing-rules/",
        headers={"X-CSRFToken": csrf, "Content-Type": "application/json", "Referer": settings_url},
        data=json.dumps({"room_type": room_type_id, "name": "周末价", "days_of_week": [4, 5],
                         "adjustment_type": "fixed", "adjustment_value": "420.00"}),
    )
    assert answer.status == 201, answer.text()

    # a payment method
    page.click("[data-testid=bo-nav] >> text=收款方式")
    page.click("[data-testid=catalogue-add]")
    page.fill("input[name=name]", "抖音团购")
    page.click("[data-testid=catalogue-form] button[type=submit]")
    page.wait_for_selector("[data-testid=catalogue-table] >> text=抖音团购")
    screenshot(page, "first-06-payment-methods")

    # a clerk
    page.click("[data-testid=bo-nav] >> text=员工")
    page.click("[data-testid=staff-add]")
    page.fill("input[name=username]", "xiaozhang")
    page.fill("input[name=display_name]", "小张")
    page.fill("input[name=password]", "front-desk-2026")
    page.select_option("select[name=role]", "front_desk")
    page.click("[data-testid=staff-form] button[type=submit]")
    page.wait_for_selector("[data-testid=staff-xiaozhang]")
    screenshot(page, "first-07-staff")
    page.click("button:has-text('退出登录')")

    # the clerk books Friday night
    login(page, slug, "xiaozhang", "front-desk-2026")
    assert page.locator("[data-testid=store-name]").inner_text() == "苍山小院"
    screenshot(page, "first-08-clerk-grid")
    page.goto(f"{page.base_url}/t/{slug}/s/{store.pk}/orders/new/")
    page.select_option("[data-testid=order-form] select[name=room_type]", label="洱海景大床房")
    page.fill("[data-testid=order-form] input[name=arrival]", friday.isoformat())
    page.fill("[data-testid=order-form] input[name=departure]", (friday + timedelta(days=1)).isoformat())
    page.fill("[data-testid=order-form] input[name=guest_name]", "周末客人")
    screenshot(page, "first-09-booking")
    page.click("[data-testid=order-submit]")
    page.wait_for_url("**/orders/*/")
    assert page.locator("[data-testid=order-total]").inner_text() == "420.00"
    screenshot(page, "first-10-order")
    with tenant_context(committed_tenant.tenant):
        order = Order.objects.get(primary_contact_name="周末客人")
        assert (order.arrival, str(order.total_amount), order.created_by.username) == (friday, "420.00", "xiaozhang")
    connection.set_schema_to_public()
