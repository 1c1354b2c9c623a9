"""Real headless Chromium (Debian's `chromium`) driven by Playwright, against a live server.

Browser tests need committed data (the live server runs in another thread with its own
connection): use ``committed_tenant``. Screenshots go to ``test-artifacts/``.
Without /usr/bin/chromium the browser tests are skipped with a reason, except under CI
(CI=true), where a missing browser is a failure: `.ci/run` installs it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PMS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium to run browser tests")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself in the same thread are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser page (zh-CN, desktop size); ``page.base_url`` is the live server."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


def screenshot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def login(pg, tenant_slug: str, username: str, password: str) -> None:
    pg.goto(f"{pg.base_url}/t/{tenant_slug}/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state()
