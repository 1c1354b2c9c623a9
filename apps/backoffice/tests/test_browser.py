"""The back office's settings pages in a real headless Chromium (issue 18): for each page,
create, edit, a refused bad value with its Chinese message and nothing typed lost, and a
clerk who cannot reach it. Screenshots of every page go to test-artifacts/bo-*.png."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.backoffice.tests.conftest import png_bytes
from apps.folios.models import PaymentMethod
from apps.rooms.models import Room, RoomType
from apps.tenancy.models import ChangeRecord, StaffProfile, Store
from apps.tenancy.selectors import setting_value
from apps.tenancy.services import staff_create
from tests.browser import login, screenshot
from tests.world import PASSWORD

pytestmark = pytest.mark.browser


def _world(committed_tenant) -> SimpleNamespace:
    with tenant_context(committed_tenant.tenant):
        staff_create(username="clerk_c", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[committed_tenant.store],
                     display_name="前台小张")
    connection.set_schema_to_public()
    slug, store = committed_tenant.tenant.slug, committed_tenant.store
    return SimpleNamespace(tenant=committed_tenant.tenant, slug=slug, store=store,
                           url=lambda page, path="": f"{page.base_url}/t/{slug}/s/{store.pk}/settings/{path}")


def _in(w, fn):
    with tenant_context(w.tenant):
        result = fn()
    connection.set_schema_to_public()
    return result


def _field_error(page, name: str) -> str:
    return page.locator(f".field:has([name={name}]) .errorlist").inner_text()


def test_staff_add_refuse_edit_deactivate_and_a_clerk_kept_out(page, committed_tenant):
    w = _world(committed_tenant)
    login(page, w.slug, "admin_c", PASSWORD)
    page.goto(w.url(page))
    screenshot(page, "bo-home")
    page.click("text=员工")
    page.click("[data-testid=staff-add]")
    assert "客房" in page.locator("[data-testid=roles-explained]").inner_text()
    form = page.locator("[data-testid=staff-form]")
    form.locator("input[name=username]").fill("hk_zhao")
    form.locator("input[name=display_name]").fill("赵阿姨")
    form.locator("input[name=password]").fill("password")
    form.locator("select[name=role]").select_option("housekeeping")
    form.locator("button[type=submit]").click()
    # refused: the reason in Chinese on the field, everything typed still there
    assert _field_error(page, "password") == "这个密码太常见了。"
    assert page.locator("input[name=username]").input_value() == "hk_zhao"
    assert page.locator("input[name=display_name]").input_value() == "赵阿姨"
    assert page.locator("select[name=role]").input_value() == "housekeeping"
    screenshot(page, "bo-staff-refused")
    assert not _in(w, lambda: StaffProfile.objects.filter(user__username="hk_zhao").exists())
    page.fill("input[name=password]", "mop-and-broom-42")
    page.click("[data-testid=staff-form] button[type=submit]")
    page.wait_for_selector("[data-testid=staff-hk_zhao]")
    assert "客房" in page.locator("[data-testid=staff-hk_zhao]").inner_text()
    screenshot(page, "bo-staff")
    # edit: the clerk becomes a store manager
    page.click("[data-testid=staff-clerk_c] >> text=编辑")
    page.select_option("[data-testid=staff-form] select[name=role]", "store_manager")
    page.click("[data-testid=staff-form] button[type=submit]")
    page.wait_for_selector("[data-testid=staff-clerk_c]")
    assert "店长" in page.locator("[data-testid=staff-clerk_c]").inner_text()
    # deactivate the housekeeper: signed out everywhere
    page.click("[data-testid=staff-hk_zhao] >> text=编辑")
    page.click("[data-testid=deactivate]")
    assert "已停用" in page.locator("[data-testid=message]").inner_text()
    screenshot(page, "bo-staff-edit")
    profile = _in(w, lambda: StaffProfile.objects.select_related("user").get(user__username="hk_zhao"))
    assert not profile.user.is_active
    assert _in(w, lambda: list(ChangeRecord.objects.order_by("id").values_list("area", "action"))) == [
        ("staff", "create"), ("staff", "update"), ("staff", "deactivate")]


def test_a_clerk_reaches_no_settings_page(page, committed_tenant):
    w = _world(committed_tenant)
    login(page, w.slug, "clerk_c", PASSWORD)
    assert page.locator("nav.nav >> text=设置").count() == 0
    for path in ("", "profile/", "staff/", "staff/new/", "stores/", "room-types/", "room-types/new/", "rooms/",
                 "payment-methods/", "extras/new/", "channels/", "changes/", "other/"):
        response = page.goto(w.url(page, path))
        assert response.status == 403, path


def test_store_profile_logo_times_policy(page, committed_tenant):
    w = _world(committed_tenant)
    login(page, w.slug, "admin_c", PASSWORD)
    page.goto(w.url(page, "profile/"))
    form = page.locator("[data-testid=profile-form]")
    form.locator("input[name=address]").fill("云南省大理市古城人民路 8 号")
    form.locator("input[name=phone]").fill("0872-2660000")
    form.locator("input[name=check_in_time]").fill("15:00")
    form.locator("input[name=audit_time]").fill("03:30")
    form.locator("input[name=cancel_fee_percent]").fill("150")
    form.locator("input[name=logo]").set_input_files(files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png_bytes((800, 300))}])
    form.locator("button[type=submit]").click()
    assert _field_error(page, "cancel_fee_percent") == "确保该值小于或等于100。"
    assert page.locator("input[name=address]").input_value() == "云南省大理市古城人民路 8 号"
    assert page.locator("input[name=audit_time]").input_value() == "03:30"
    screenshot(page, "bo-profile-refused")
    page.fill("input[name=cancel_fee_percent]", "50")
    page.locator("input[name=logo]").set_input_files(files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png_bytes((800, 300))}])
    page.click("[data-testid=profile-form] button[type=submit]")
    assert page.locator("[data-testid=message]").inner_text() == "门店资料已保存。"
    logo = page.locator("[data-testid=logo]")
    assert logo.evaluate("img => img.naturalWidth") == 512
    screenshot(page, "bo-profile")
    store = _in(w, lambda: Store.objects.get(pk=w.store.pk))
    assert store.address == "云南省大理市古城人民路 8 号" and store.logo.endswith(".png")


def test_room_types_and_rooms(page, committed_tenant):
    w = _world(committed_tenant)
    login(page, w.slug, "admin_c", PASSWORD)
    page.goto(w.url(page, "room-types/"))
    page.click("[data-testid=room-type-add]")
    form = page.locator("[data-testid=room-type-form]")
    form.locator("input[name=name]").fill("山景大床房")
    form.locator("input[name=default_price]").fill("-5")
    form.locator("input[name=amenities]").fill("空调，独立卫浴")
    form.locator("input[name=image]").set_input_files(files=[{"name": "room.jpg", "mimeType": "image/jpeg",
                                                             "buffer": png_bytes((1800, 1200), fmt="JPEG")}])
    form.locator("button[type=submit]").click()
    assert _field_error(page, "default_price") == "不能小于零。"
    assert page.locator("input[name=name]").input_value() == "山景大床房"
    assert page.locator("input[name=amenities]").input_value() == "空调，独立卫浴"
    page.fill("input[name=default_price]", "388")
    page.locator("input[name=image]").set_input_files(files=[{"name": "room.jpg", "mimeType": "image/jpeg",
                                                             "buffer": png_bytes((1800, 1200), fmt="JPEG")}])
    page.click("[data-testid=room-type-form] button[type=submit]")
    page.wait_for_selector("[data-testid=room-type-images] img")
    assert page.locator("[data-testid=room-type-images] img").evaluate("img => img.naturalWidth") == 1600
    page.fill("input[name=default_price]", "428")
    page.click("[data-testid=room-type-form] button[type=submit]")
    screenshot(page, "bo-room-type")
    room_type = _in(w, lambda: RoomType.objects.get(store=w.store, name="山景大床房"))
    assert str(room_type.default_price) == "428.00" and room_type.amenities == ["空调", "独立卫浴"]
    # rooms 101-105 on floor 1, in one go
    page.goto(w.url(page, "rooms/"))
    bulk = page.locator("[data-testid=room-bulk-form]")
    bulk.locator("select[name=room_type]").select_option(label="山景大床房")
    bulk.locator("input[name=first]").fill("105")
    bulk.locator("input[name=last]").fill("101")
    bulk.locator("button[type=submit]").click()
    assert _field_error(page, "last") == "不能小于起始号码。"
    assert page.locator("input[name=first]").input_value() == "105"
    page.fill("input[name=first]", "101")
    page.fill("input[name=last]", "105")
    page.click("[data-testid=room-bulk-form] button[type=submit]")
    assert page.locator("[data-testid=message]").inner_text() == "已添加 5 间房。"
    assert page.locator("[data-testid=room-table] tbody tr").count() == 5
    page.click("[data-testid=room-103] >> text=停用")
    assert "房间 103 已停用。" in page.locator("[data-testid=message]").inner_text()
    screenshot(page, "bo-rooms")
    rooms = _in(w, lambda: dict(Room.objects.filter(store=w.store).values_list("number", "is_active")))
    assert rooms == {"101": True, "102": True, "103": False, "104": True, "105": True}


@pytest.mark.parametrize("kind, fill, dup_field, dup_message", [
    ("payment-methods", {"name": "抖音团购"}, "name", "已有同名的收款方式。"),
    ("extras", {"name": "早餐", "default_price": "38"}, "name", "已有同名的附加消费项目。"),
    ("channels", {"name": "抖音", "code": "douyin"}, "name", "已有渠道使用此名称。"),
])
def test_catalogue_pages(page, committed_tenant, kind, fill, dup_field, dup_message):
    w = _world(committed_tenant)
    login(page, w.slug, "admin_c", PASSWORD)
    page.goto(w.url(page, f"{kind}/"))
    for _round in range(2):  # the second time the name is taken
        page.click("[data-testid=catalogue-add]")
        for name, value in fill.items():
            page.fill(f"[data-testid=catalogue-form] input[name={name}]", value)
        if kind == "channels" and _round == 1:
            page.fill("[data-testid=catalogue-form] input[name=code]", "douyin2")
        page.click("[data-testid=catalogue-form] button[type=submit]")
        if _round == 0:
            page.wait_for_selector(f"[data-testid=catalogue-table] >> text={fill['name']}")
    assert _field_error(page, dup_field) == dup_message
    for name, value in fill.items():
        if not (kind == "channels" and name == "code"):
            assert page.locator(f"input[name={name}]").input_value() == value
    screenshot(page, f"bo-{kind}-refused")
    page.click("text=返回")
    row = page.locator(f"[data-testid=catalogue-table] tr:has-text('{fill['name']}')")
    row.locator("text=编辑").click()
    page.fill("input[name=name]", fill["name"] + "（新）")
    page.click("[data-testid=catalogue-form] button[type=submit]")
    row = page.locator(f"[data-testid=catalogue-table] tr:has-text('{fill['name']}（新）')")
    row.locator("button:has-text('停用')").click()
    assert "已停用" in page.locator(f"[data-testid=catalogue-table] tr:has-text('{fill['name']}（新）')").inner_text()
    screenshot(page, f"bo-{kind}")


def test_stores_open_and_retire(page, committed_tenant):
    w = _world(committed_tenant)
    login(page, w.slug, "admin_c", PASSWORD)
    page.goto(w.url(page, "stores/"))
    form = page.locator("[data-testid=store-form]")
    form.locator("input[name=name]").fill("洱海二店")
    form.locator("input[name=code]").fill("洱海")
    form.locator("button[type=submit]").click()
    assert _field_error(page, "code") == "只能使用英文字母、数字、- 和 _。"
    assert page.locator("input[name=name]").input_value() == "洱海二店"
    page.fill("[data-testid=store-form] input[name=code]", "erhai-2")
    page.click("[data-testid=store-form] button[type=submit]")
    page.wait_for_selector("[data-testid=store-erhai-2]")
    new_store = _in(w, lambda: Store.objects.get(code="erhai-2"))
    assert _in(w, lambda: PaymentMethod.objects.filter(store=new_store).count()) == 6
    page.click("[data-testid=store-erhai-2] >> text=停用")
    assert "已停用" in page.locator("[data-testid=store-erhai-2]").inner_text()
    screenshot(page, "bo-stores")
    page.goto(w.url(page, "changes/"))
    table = page.locator("[data-testid=change-table]").inner_text()
    assert "洱海二店" in table and "admin_c" in table
    screenshot(page, "bo-changes")


def test_other_settings_typed(page, committed_tenant):
    w = _world(committed_tenant)
    login(page, w.slug, "admin_c", PASSWORD)
    page.goto(w.url(page, "other/"))
    form = page.locator("[data-testid=setting-form]")
    form.locator("input[name=group]").fill("orders")
    form.locator("input[name=key]").fill("booking_horizon_days")
    form.locator("select[name=value_type]").select_option("int")
    form.locator("input[name=value]").fill("一年")
    form.locator("button[type=submit]").click()
    assert _field_error(page, "value") == "请输入整数。"
    assert page.locator("input[name=key]").input_value() == "booking_horizon_days"
    assert page.locator("input[name=value]").input_value() == "一年"
    page.fill("[data-testid=setting-form] input[name=value]", "400")
    page.click("[data-testid=setting-form] button[type=submit]")
    row = page.locator("[data-testid=setting-orders-booking_horizon_days]")
    assert "400" in row.inner_text() and "本门店" in row.inner_text()
    row.locator("text=编辑").click()
    assert page.locator("[data-testid=setting-form] input[name=value]").input_value() == "400"
    page.fill("[data-testid=setting-form] input[name=value]", "500")
    page.check("[data-testid=setting-form] input[name=all_stores]")
    page.click("[data-testid=setting-form] button[type=submit]")
    screenshot(page, "bo-other-settings")
    assert _in(w, lambda: setting_value(store=w.store, group="orders", key="booking_horizon_days")) == 400  # the store's own wins
    assert _in(w, lambda: setting_value(store=None, group="orders", key="booking_horizon_days")) == 500
