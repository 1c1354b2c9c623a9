"""An owner's day in the H5 build of the owner app, in a real Chromium (390x844), against a
live Django server of the test suite, with the back office open next to it.

Log in, switch store, the overview's figures against their one definition and after a
payment taken in the back office, the 30-day trend, room status and a room's stay, today's
lists against the back office's 今日 board, check in
an arrival, check out a departure and mark a room clean (each seen in the back office right
after), a booking made in the back office shows in the reminders once; the client's rules
(one refresh for several 401s, a 503 retried after Retry-After, an Idempotency-Key on every
POST), English, WeChat log-in through the fake code2Session client, and a front-desk clerk
who sees no revenue. Every page of pages.json is visited; screenshots in test-artifacts/.
Requests to any host but the two local servers are aborted, recorded and fail the test.
"""
from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest

from scripts.owner_app_h5 import serve
from tests.browser import login as back_office_login, screenshot
from tests.owner_app import app_build
from tests.owner_app.day import figures, order_status, owner_day

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
LOGIN = "pages/login/login"


class Guard:
    """Aborts and records every request to a host other than the allowed ones."""

    def __init__(self, allowed: set[str]):
        self.allowed = allowed
        self.foreign: list[str] = []

    def __call__(self, route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).netloc in self.allowed:
            route.fallback()
        else:
            self.foreign.append(url)
            route.abort()


@pytest.fixture
def h5(browser, live_server, owner_app_built, request):
    server, base = serve(api=live_server.url)
    guard = Guard({urlsplit(base).netloc, urlsplit(live_server.url).netloc})
    contexts = []

    def new_page(viewport=PHONE):
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        context.set_default_timeout(10_000)
        context.route("**/*", guard)
        contexts.append(context)
        return context.new_page()

    yield type("H5", (), {"base": base, "api": live_server.url, "new_page": staticmethod(new_page), "guard": guard})
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, context in enumerate(contexts):
        if failed and context.pages:
            screenshot(context.pages[0], f"FAILED-{request.node.name}-{i}")
        context.close()
    server.shutdown()
    server.server_close()
    assert guard.foreign == [], f"requests to other hosts: {guard.foreign}"


def pages_of_the_build() -> set[str]:
    pages = json.loads((app_build.APP / "src" / "pages.json").read_text())
    found = {p["path"] for p in pages["pages"]}
    for sub in pages.get("subPackages", []):
        found |= {f"{sub['root']}/{p['path']}" for p in sub["pages"]}
    return found


class App:
    """The H5 app in one page: navigation by the tab bar and taps, like a person."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.visited: set[str] = set()
        self.requests: list = []
        page.on("request", lambda r: self.requests.append(r) if "/t/" in r.url else None)
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        page.on("framenavigated", lambda f: self._seen(f.url))

    def _seen(self, url: str):
        # uni-h5 shows the first page of pages.json (the log-in) at "#/"
        route = url.split("#", 1)[1].lstrip("/").split("?")[0] if "#" in url else ""
        self.visited.add(route or LOGIN)

    def wait_page(self, route: str):
        try:
            self.page.wait_for_function(
                "([r, login]) => location.hash.includes(r) || (r === login && /^#?\\/?(\\?.*)?$/.test(location.hash))", arg=[route, LOGIN])
        except Exception:
            print("\n".join(self.console[-20:]))
            raise
        self.visited.add(route)

    def tab(self, label: str, route: str):
        self.page.locator(".uni-tabbar__item", has_text=label).click()
        self.wait_page(route)

    def tap(self, selector: str):
        self.page.locator(selector).first.click()

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text().strip()

    def shot(self, name: str):
        screenshot(self.page, f"owner-app-{name}")

    def api_calls(self, method: str, fragment: str) -> list:
        return [r for r in self.requests if r.method == method and fragment in r.url]


def expect_figures(app: App, period: dict, testid: str):
    card = f"[data-testid={testid}]"
    assert app.text(f"{card} [data-k=room_revenue]") == f"¥{period['room_revenue']:.2f}"
    assert app.text(f"{card} [data-k=sold]") == f"{period['rooms_sold']} / {period['rooms_available']}"
    assert app.text(f"{card} [data-k=arrivals]") == f"{period['arrivals_checked_in']} / {period['arrivals']}"
    assert app.text(f"{card} [data-k=collections_net]") == f"¥{period['collections']['total']['net']:.2f}"


def test_an_owners_day_in_the_h5_build(h5, committed_tenant):
    w = owner_day(committed_tenant)
    app = App(h5.new_page(), h5.base)
    page = app.page

    # log in with a password
    t0 = time.monotonic()
    page.goto(f"{h5.base}/#/pages/login/login?tenant={w.slug}")
    app.wait_page("pages/login/login")
    page.fill("[data-testid=username] input", "admin_c")
    page.fill("[data-testid=password] input", w.password)
    app.tap("[data-testid=login-submit]")
    app.wait_page("pages/overview/overview")
    page.locator("[data-testid=today] [data-k=room_revenue]").wait_for()
    print(f"log-in to overview: {time.monotonic() - t0:.2f} s")

    # the overview of the current store equals its figures, computed from the day built
    main = figures(w, w.store)
    assert main["today"]["room_revenue"] == 300 and main["today"]["rooms_sold"] == 1
    expect_figures(app, main["today"], "today")
    expect_figures(app, main["month_to_date"], "mtd")
    app.shot("01-overview")

    # switch store: 湖畔店's figures, then back
    app.tab("我的", "pages/me/me")
    app.tap("[data-testid=me-store]")
    app.wait_page("pages/stores/stores")
    app.tap(f"[data-testid=store][data-store='{w.lake.pk}']")
    app.wait_page("pages/me/me")
    assert "湖畔店" in app.text("[data-testid=me-store]")
    app.tab("经营概览", "pages/overview/overview")
    page.wait_for_function("() => document.querySelector('[data-testid=scope-store]').innerText.includes('湖畔店')")
    page.locator("[data-testid=today] [data-k=room_revenue]:has-text('480.00')").wait_for()
    expect_figures(app, figures(w, w.lake)["today"], "today")
    app.tap("[data-testid=scope-all]")
    page.locator(f"[data-testid=per-store] [data-store='{w.store.pk}']").wait_for()
    assert page.locator("[data-testid=per-store] .row").count() == 2
    assert app.text("[data-testid=today] [data-k=room_revenue]") == "¥780.00"
    app.shot("02-overview-all-stores")
    app.tab("我的", "pages/me/me")
    app.tap("[data-testid=me-store]")
    app.wait_page("pages/stores/stores")
    app.tap(f"[data-testid=store][data-store='{w.store.pk}']")
    app.wait_page("pages/me/me")
    app.tab("经营概览", "pages/overview/overview")
    app.tap("[data-testid=scope-store]")
    page.locator("[data-testid=today] [data-k=room_revenue]:has-text('300.00')").wait_for()

    # the back office takes 300.00 by WeChat Pay on 张三's folio: the overview follows
    bo = h5.new_page({"width": 1280, "height": 900})
    bo.base_url = h5.api
    back_office_login(bo, w.slug, "admin_c", w.password)
    bo.goto(f"{h5.api}/t/{w.slug}/s/{w.store.pk}/orders/{w.arriving.pk}/folio/")
    payment = bo.locator("[data-testid=payment-form]")
    payment.locator("input[name=amount]").fill("300.00")
    payment.locator("select[name=payment_method]").select_option(label="微信支付")
    payment.locator("[data-testid=payment-submit]").click()
    bo.wait_for_selector("[data-testid=ledger-row][data-type=payment]")
    app.tab("房态", "pages/rooms/rooms")
    app.tab("经营概览", "pages/overview/overview")
    page.locator("[data-testid=today] [data-k=collections_net]:has-text('300.00')").wait_for()
    after = figures(w, w.store)
    assert after["today"]["collections"]["total"]["net"] == 300
    expect_figures(app, after["today"], "today")
    assert "微信支付" in app.text("[data-testid=today] [data-method=wechat]")
    assert app.text("[data-testid=today] [data-method=wechat] [data-k=method_net]") == "¥300.00"
    app.shot("03-overview-after-payment")

    # the 30-day trend (a subpackage)
    app.tap("[data-testid=open-trend]")
    app.wait_page("pkg-charts/trend/trend")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=trend-row]').length === 30")
    assert "300.00" in app.text("[data-testid=trend-row]")
    app.shot("04-trend")
    page.go_back()
    app.wait_page("pages/overview/overview")

    # room status; tap a room for its stay
    app.tab("房态", "pages/rooms/rooms")
    page.locator("[data-testid=room-row]").first.wait_for()
    assert page.locator("[data-testid=room-row]").count() == 5
    assert app.text("[data-testid=hk-201]") == "脏房"
    app.shot("05-rooms")
    app.tap("[data-testid=room-row][data-room='101']")
    page.locator("[data-testid=room-panel]").wait_for()
    assert "张三" in app.text("[data-testid=room-stay]")
    app.tap("[data-testid=room-stay]")
    app.wait_page("pages/order/order")
    page.locator("[data-testid=order-detail]").wait_for()
    assert app.text("[data-testid=order-guest]") == "张三"
    assert app.text("[data-testid=order-code]") == w.arriving.code
    app.shot("06-order")
    page.go_back()
    app.wait_page("pages/rooms/rooms")

    # today: check in 张三, check out 李四, mark 201 clean; the back office sees each at once
    app.tab("今日", "pages/today/today")
    arrival = f"[data-testid=arrivals] [data-order='{w.arriving.pk}']"
    page.locator(arrival).wait_for()
    app.shot("07-today")
    # the same lists as the back office's 今日 board
    bo.goto(f"{h5.api}/t/{w.slug}/s/{w.store.pk}/today/")
    for app_list, bo_prefix in (("arrivals", "arrival-"), ("departures", "departure-"), ("in-house", "in-house-")):
        in_app = page.locator(f"[data-testid={app_list}] [data-order]").evaluate_all("els => els.map(e => e.dataset.order)")
        in_bo = bo.locator(f"[data-testid^='{bo_prefix}']").evaluate_all("(els, p) => els.map(e => e.dataset.testid.slice(p.length)).filter(id => /^[0-9]+$/.test(id))", bo_prefix)
        assert sorted(in_app) == sorted(in_bo), (app_list, in_app, in_bo)
    assert sorted(page.locator("[data-testid=housekeeping] [data-room]").evaluate_all("els => els.map(e => e.dataset.room)")) == \
        sorted(bo.locator("[data-testid^='dirty-']:not([data-testid=dirty-rooms])").evaluate_all("els => els.map(e => e.dataset.testid.slice(6))"))
    app.tap(f"{arrival} [data-testid=check-in]")
    page.locator(arrival).wait_for(state="detached")
    assert order_status(w, w.arriving.pk) == "checked_in"
    bo.goto(f"{h5.api}/t/{w.slug}/s/{w.store.pk}/orders/{w.arriving.pk}/")
    assert bo.locator("[data-testid=order-status]").inner_text() == "已入住"

    departure = f"[data-testid=departures] [data-order='{w.leaving.pk}']"
    app.tap(f"{departure} [data-testid=check-out]")
    page.locator(departure).wait_for(state="detached")
    bo.goto(f"{h5.api}/t/{w.slug}/s/{w.store.pk}/orders/{w.leaving.pk}/")
    assert bo.locator("[data-testid=order-status]").inner_text() == "已退房"

    clean = "[data-testid=housekeeping] [data-room='201']"
    page.locator(f"{clean} [data-testid=mark-clean]").click()
    page.locator(clean).wait_for(state="detached")
    page.locator("[data-testid=housekeeping] [data-room='102']").wait_for()  # left by 李四: dirty now
    bo.goto(f"{h5.api}/t/{w.slug}/s/{w.store.pk}/grid/?days=7")
    assert "hk-clean" in bo.locator("[data-testid='hk-201']").get_attribute("class")
    assert "hk-dirty" in bo.locator("[data-testid='hk-102']").get_attribute("class")
    app.shot("08-today-after-actions")

    # a booking made in the back office shows in the reminders, once, with a badge
    app.tab("订单提醒", "pages/reminders/reminders")
    page.locator("[data-testid=reminder]").first.wait_for()
    app.tab("今日", "pages/today/today")
    booked = book_in_back_office(bo, w, "103", "赵六")
    badge = page.locator(".uni-tabbar__badge")
    badge.wait_for(timeout=15_000)
    app.tab("订单提醒", "pages/reminders/reminders")
    created = page.locator(f"[data-testid=reminder][data-order='{booked}'][data-kind=created]")
    created.wait_for()
    assert "赵六" in created.inner_text()
    polls = len(app.api_calls("GET", "/m/reminders/"))
    page.wait_for_function(f"() => performance.getEntriesByType('resource').filter(e => e.name.includes('/m/reminders/')).length >= {polls + 2}", timeout=15_000)
    assert created.count() == 1
    ids = page.locator("[data-testid=reminder]").evaluate_all("els => els.map(e => e.dataset.order + e.dataset.kind)")
    assert len(ids) == len(set(ids)), ids
    app.shot("09-reminders")
    app.tap(f"[data-testid=reminder][data-order='{booked}']")
    app.wait_page("pages/order/order")
    page.locator("[data-testid=order-guest]:has-text('赵六')").wait_for()
    page.go_back()
    app.wait_page("pages/reminders/reminders")

    # several 401s at once (the access token no longer valid): exactly one refresh. A cold
    # start of the overview asks for me/ and the figures at the same time...
    before = len(app.api_calls("POST", "/auth/refresh/"))
    unauthorized = []
    page.on("response", lambda r: unauthorized.append(r.url) if r.status == 401 else None)
    page.evaluate("() => localStorage.setItem('pms.access', 'at_revoked')")  # uni keeps strings as they are
    page.goto(f"{h5.base}/#/pages/overview/overview")
    page.reload()
    page.locator("[data-testid=today] [data-k=room_revenue]").wait_for()
    page.wait_for_timeout(300)
    assert len(unauthorized) >= 2, unauthorized
    assert len(app.api_calls("POST", "/auth/refresh/")) - before == 1
    assert page.evaluate("() => localStorage.getItem('pms.access')").startswith("at_")
    assert page.evaluate("() => localStorage.getItem('pms.access')") != "at_revoked"
    # ...and six calls at once through the client itself: six 401s, one refresh, six answers
    unauthorized.clear()
    before = len(app.api_calls("POST", "/auth/refresh/"))
    answers = page.evaluate("""async () => {
        window.__pms.session.access = 'at_revoked_too';
        const calls = [0, 1, 2].flatMap(() => [
            window.__pms.api.get('/api/v1/me/', {}),
            window.__pms.api.get('/api/v1/m/reminders/', {query: {store: 'all', limit: 1}}),
        ]);
        return (await Promise.all(calls)).length;
    }""")
    assert answers == 6
    # six 401s for the six calls (the tab bar's own reminder poll may add one at the same moment)
    assert len([u for u in unauthorized if u.endswith("/api/v1/me/")]) == 3 and len(unauthorized) >= 6, unauthorized
    assert len(app.api_calls("POST", "/auth/refresh/")) - before == 1

    # a 503 is retried after its Retry-After
    served = []

    def unavailable_once(route):
        served.append(time.monotonic())
        if len(served) == 1:
            route.fulfill(status=503, headers={"Retry-After": "1", "Content-Type": "application/json"},
                          body=json.dumps({"detail": "维护中", "code": "unavailable", "extra": {}}))
        else:
            route.fallback()

    app.tab("房态", "pages/rooms/rooms")
    page.route("**/m/overview/**", unavailable_once)
    with page.expect_response(lambda r: "/m/overview/" in r.url and r.status == 200):
        app.tab("经营概览", "pages/overview/overview")
    assert len(served) == 2 and served[1] - served[0] >= 0.9
    assert page.locator("[data-testid=error]").count() == 0
    page.unroute("**/m/overview/**", unavailable_once)

    # English
    app.tab("我的", "pages/me/me")
    app.tap("[data-testid=lang-en]")
    page.locator(".uni-tabbar__item", has_text="Overview").wait_for()
    app.tab("Overview", "pages/overview/overview")
    page.locator("text=Room revenue").first.wait_for()
    app.shot("10-overview-en")
    app.tab("Me", "pages/me/me")
    app.tap("[data-testid=lang-zh]")
    page.locator(".uni-tabbar__item", has_text="经营概览").wait_for()

    # WeChat: link this account, log out, log in with WeChat (the fake code2Session client)
    app.tap("[data-testid=wechat-bind]")
    page.locator("[data-testid=wechat-bound]").wait_for()
    app.shot("11-me")
    app.tap("[data-testid=logout]")
    app.wait_page("pages/login/login")
    app.tap("[data-testid=wechat-login]")
    app.wait_page("pages/overview/overview")
    page.locator("[data-testid=today] [data-k=room_revenue]").wait_for()

    # every POST carried an Idempotency-Key, one per operation
    posts = [r for r in app.requests if r.method == "POST"]
    assert len(posts) >= 8
    keys = [r.headers.get("idempotency-key") for r in posts]
    assert all(keys), [r.url for r in posts if not r.headers.get("idempotency-key")]
    assert len(set(keys)) == len(keys)

    # a front-desk clerk: rooms and today, but no revenue figures
    app.tab("我的", "pages/me/me")
    app.tap("[data-testid=logout]")
    app.wait_page("pages/login/login")
    page.fill("[data-testid=username] input", "clerk_c")
    page.fill("[data-testid=password] input", w.password)
    overview_calls = len(app.api_calls("GET", "/m/overview/"))
    app.tap("[data-testid=login-submit]")
    app.wait_page("pages/overview/overview")
    page.locator("[data-testid=manager-only]").wait_for()
    assert len(app.api_calls("GET", "/m/overview/")) == overview_calls  # not even asked for
    assert page.locator("[data-k=room_revenue]").count() == 0
    app.shot("12-clerk-overview")
    app.tab("房态", "pages/rooms/rooms")
    page.locator("[data-testid=room-row]").first.wait_for()

    # a wrong password shows the API's detail
    app.tab("我的", "pages/me/me")
    app.tap("[data-testid=logout]")
    app.wait_page("pages/login/login")
    page.fill("[data-testid=username] input", "clerk_c")
    page.fill("[data-testid=password] input", "wrong")
    app.tap("[data-testid=login-submit]")
    assert "用户名或密码错误" in page.locator("[data-testid=login-error]").inner_text()

    missing = pages_of_the_build() - app.visited
    assert not missing, f"pages not visited: {missing}"
    assert h5.guard.foreign == []


def book_in_back_office(bo, w, number: str, guest: str) -> int:
    """Book room ``number`` tonight from the back office's grid; returns the order id."""
    from apps.frontdesk.tests.test_browser_grid import cell, grid_url

    bo.goto(grid_url(bo, w, days=7))
    cell(bo, w, number, w.today).click()
    panel = bo.locator("[data-testid=booking-panel]")
    panel.wait_for()
    panel.locator("input[name=guest_name]").fill(guest)
    panel.locator("input[name=guest_phone]").fill("13900139000")
    panel.locator("[data-testid=order-submit]").click()
    block = bo.locator(f".rk-row[data-number='{number}'] .blk[data-order]")
    block.wait_for()
    return int(block.get_attribute("data-order"))
