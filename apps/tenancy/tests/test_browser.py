"""The back office in a real headless Chromium: log in, land on the store, switch language."""
import pytest

from tests.browser import login, screenshot
from tests.world import PASSWORD

pytestmark = pytest.mark.browser


def test_login_shows_store_and_language_switch(page, committed_tenant):
    slug = committed_tenant.tenant.slug
    page.goto(f"{page.base_url}/t/{slug}/login/")
    assert page.locator("h1").inner_text() == "登录"
    login(page, slug, "admin_c", PASSWORD)
    assert page.locator("[data-testid=store-name]").inner_text() == "Committed Store"
    assert page.url.endswith(f"/t/{slug}/s/{committed_tenant.store.pk}/grid/")  # the desk starts at the room grid
    with page.expect_navigation():  # the switch submits its form on change
        page.select_option("[data-testid=lang-switch]", "en")
    assert page.locator("button.link").inner_text() == "Log out"
    screenshot(page, "tenancy-store-home")


def test_wrong_password_says_so_in_chinese(page, committed_tenant):
    login(page, committed_tenant.tenant.slug, "admin_c", "wrong-password")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误。"
