"""The Content-Security-Policy holds on every back-office page, in a real headless Chromium.

The test settings send the same policy as production (config/settings/base.py): scripts
from our own origin only, no inline script, no eval. A manager and a clerk of a store
seeded with the demo data each walk every page the navigation reaches and the links from
there (one page of each kind: a guest, an order, its folio and printed folio, check-in,
the grid, today, the night audit, settings), a tenant admin walks the Django admin; the
API docs (Swagger UI, served locally) and the platform admin's log-in are visited too.
Every ``securitypolicyviolation`` event and every console message about the policy is
recorded: there must be none, and each page must have been sent the header.

The walk also uses what replaced the inline handlers: a ``data-autosubmit`` select
submits its form, ``data-confirm`` asks before the guest's erasure, ``data-print`` prints.
"""
from __future__ import annotations

import importlib
import re
from types import SimpleNamespace
from urllib.parse import urldefrag, urlsplit

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.tenancy.models import StaffProfile
from apps.tenancy.services import staff_create
from tests.browser import login
from tests.world import PASSWORD

pytestmark = pytest.mark.browser

# Recorded in the page before any of its own scripts runs.
RECORDER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber, (e.sample || "").slice(0, 80)]);
});
"""
# Links not followed: they change something on GET, leave the back office, or repeat a kind.
SKIP = re.compile(r"/logout/|/i18n/|/jsi18n/|/api/v1/|/healthz|\.json$|/export|[?&]export=|/logo/|/images/")


def walk_world(committed_tenant) -> SimpleNamespace:
    store = committed_tenant.store
    with tenant_context(committed_tenant.tenant):
        staff_create(username="manager_c", password=PASSWORD, role=StaffProfile.Role.STORE_MANAGER, stores=[store])
        staff_create(username="clerk_c", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[store])
        for app in ("rooms", "contacts", "orders", "folios"):
            importlib.import_module(f"apps.{app}.demo").seed(store=store)
    connection.set_schema_to_public()
    return SimpleNamespace(store=store, slug=committed_tenant.tenant.slug)


class Recorder:
    """Console messages and responses of one page; the violations are read from the page."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        self.headers: dict[str, str | None] = {}
        page.add_init_script(RECORDER)
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, msg) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.console.append(f"{self.page.url}: {msg.text}")

    def _response(self, response) -> None:
        if response.request.resource_type == "document":
            self.headers[urldefrag(response.url)[0]] = response.headers.get("content-security-policy")

    def violations(self) -> list:
        return self.page.evaluate("window.__csp || []")


def kind(url: str) -> str:
    """One page per kind: numbers and queries left out (/s/7/orders/12/ -> /s/N/orders/N/)."""
    return re.sub(r"\d+", "N", urlsplit(url).path) + ("?" if urlsplit(url).query else "")


def walk(page, rec: Recorder, start: str, prefix: str, limit: int = 60) -> dict[str, list]:
    """Visit ``start`` and every same-origin link under ``prefix`` (one per kind), breadth
    first; return {url: violations} for the pages that had any, and the visited URLs."""
    seen_kinds, queue, found, visited = set(), [start], {}, []
    while queue and len(visited) < limit:
        url = queue.pop(0)
        if kind(url) in seen_kinds:
            continue
        seen_kinds.add(kind(url))
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        visited.append(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        assert rec.headers.get(urldefrag(page.url)[0]), f"no Content-Security-Policy header on {page.url}"
        if v := rec.violations():
            found[url] = v
        for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
            href = urldefrag(href)[0]
            if href.startswith(prefix) and not SKIP.search(href) and kind(href) not in seen_kinds:
                queue.append(href)
    return {"violations": found, "visited": visited}


def new_page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    return context, pg, Recorder(pg)


@pytest.mark.parametrize("username", ["manager_c", "clerk_c"])
def test_back_office_pages_send_the_policy_and_break_none_of_it(browser, live_server, committed_tenant, username):
    w = walk_world(committed_tenant)
    context, page, rec = new_page(browser, live_server)
    try:
        login(page, w.slug, username, PASSWORD)
        store_prefix = f"{page.base_url}/t/{w.slug}/s/{w.store.pk}/"
        result = walk(page, rec, store_prefix + "grid/", store_prefix)
        visited = {kind(u) for u in result["visited"]}
        for expected in ("grid/", "today/", "orders/", "orders/N/", "orders/new/", "guests/", "guests/N/",
                         "folios/N/", "folios/N/print/", "night-audit/"):
            assert kind(store_prefix + expected.replace("N", "1")) in visited, (expected, sorted(visited))
        if username == "manager_c":
            assert kind(store_prefix + "settings/") in visited, sorted(visited)

        # What replaced the inline handlers works, and breaks no policy either.
        page.goto(store_prefix + "grid/?days=14")
        with page.expect_navigation():
            page.select_option("select[name=days]", "7")  # data-autosubmit
        assert "days=7" in page.url
        page.locator(".blk[data-order]").first.click()  # the side panel (htmx)
        page.wait_for_selector("#drawer:not([hidden])")
        guest = next(u for u in result["visited"] if kind(u).endswith("/guests/N/"))
        page.goto(guest)
        if username == "manager_c":
            asked = []
            page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
            page.click("[data-testid=erase]")  # data-confirm; dismissed: nothing is erased
            assert len(asked) == 1, asked
            assert page.url == guest
        printed = next(u for u in result["visited"] if kind(u).endswith("/print/"))
        page.goto(printed)
        page.evaluate("window.print = function () { window.__printed = true; }")
        page.click("[data-print]")
        assert page.evaluate("window.__printed === true")
        assert rec.violations() == []
        assert result["violations"] == {}, result["violations"]
        assert rec.console == [], rec.console
    finally:
        context.close()


def test_admin_and_api_docs_send_the_policy_and_break_none_of_it(browser, live_server, committed_tenant):
    w = walk_world(committed_tenant)
    context, page, rec = new_page(browser, live_server)
    try:
        login(page, w.slug, "admin_c", PASSWORD)
        admin = f"{page.base_url}/t/{w.slug}/admin/"
        result = walk(page, rec, admin, admin, limit=25)
        assert len(result["visited"]) >= 10, result["visited"]  # the index, changelists, change forms
        assert result["violations"] == {}, result["violations"]
        for url in (f"{page.base_url}/t/{w.slug}/api/docs/", f"{page.base_url}/api/docs/"):
            page.goto(url)
            page.wait_for_selector(".swagger-ui .info", timeout=20_000)  # the UI ran and read the schema
            page.wait_for_load_state("networkidle")
            assert rec.headers.get(url), url
            assert rec.violations() == [], (url, rec.violations())
        page.goto(f"{page.base_url}/admin/login/")
        assert rec.violations() == []
        assert rec.console == [], rec.console
    finally:
        context.close()
