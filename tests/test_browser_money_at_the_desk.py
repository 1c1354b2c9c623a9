"""The money of 王芳's stay told one way (issue 16, docs/folios.md "Money truth"), in a real
headless Chromium: the browser twin of tests/test_money_at_the_desk.py. A clerk, in the back
office and in Chinese, books 2 nights at 468.00 with a WeChat prepayment of the first night,
checks her in with a cash deposit of 500.00, posts breakfast for two, takes the balance the
payment form offers, returns the deposit and checks her out the first day. The folio page,
the order page, the printed folio and the owner's overview (its REST API, as the owner app
reads it) agree to the cent, before and after the check-out; the store's manager closes the
business day on the night audit page: the night is in that day's revenue, posted once."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.contacts.tests.factories import resident_id
from apps.folios.models import FolioTransaction
from apps.folios.services import extra_item_create, payment_methods_ensure
from apps.night_audit.models import DailyStoreStats, NightAudit
from apps.orders.models import Order
from apps.orders.services import channel_defaults_ensure
from apps.rooms import services as rooms
from apps.tenancy.business_day import business_date, store_local_date
from apps.tenancy.models import StaffProfile
from apps.tenancy.services import staff_create
from tests.browser import login, screenshot
from tests.fixtures import set_business_date
from tests.world import PASSWORD

pytestmark = pytest.mark.browser
D = Decimal
ID_NUMBER = resident_id("330106", "19900315", "246")


def money_world(committed_tenant) -> SimpleNamespace:
    """A clerk (clerk_c) and the owner (admin_c, the tenant's admin); 大床房 at 468.00 (101, 102);
    早餐 at 38.00 in the catalogue; business day D = the store's local yesterday (its audit can run)."""
    store = committed_tenant.store
    with tenant_context(committed_tenant.tenant):
        staff_create(username="clerk_c", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[store])
        channel_defaults_ensure(store=store)
        payment_methods_ensure(store=store)
        king = rooms.room_type_create(store=store, name="大床房", default_price=D("468.00"), capacity=2)
        for number in ("101", "102"):
            rooms.room_create(store=store, room_type=king, number=number, floor="1")
        extra_item_create(store=store, name="早餐", default_price=D("38.00"))
        today = store_local_date(store=store)
        day = today - timedelta(days=1)
        set_business_date(store, day)
    connection.set_schema_to_public()
    return SimpleNamespace(store=store, tenant=committed_tenant.tenant, slug=committed_tenant.tenant.slug,
                           today=today, day=day)


def store_url(page, w, path: str) -> str:
    return f"{page.base_url}/t/{w.slug}/s/{w.store.pk}/{path}"


def text(page, testid: str) -> str | None:
    """The text of the element ``data-testid=testid``, or None when the page has none."""
    found = page.locator(f"[data-testid={testid}]")
    return found.inner_text().strip() if found.count() else None


def submit(page, selector: str) -> None:
    """Click a submit button and wait for the page the post redirects to."""
    with page.expect_navigation():
        page.click(selector)


def order_figures(page) -> tuple:
    """The order page's total, paid, due."""
    return text(page, "order-total"), text(page, "order-paid"), text(page, "order-due")


def folio_figures(page) -> tuple:
    """The folio page's charges, not yet posted (its sum, None if nothing), balance due,
    deposit held, status."""
    unposted = text(page, "folio-unposted")
    return (text(page, "folio-charges"), unposted and unposted.split()[0], text(page, "folio-balance"),
            text(page, "folio-deposit"), text(page, "folio-status"))


def printed(page) -> tuple:
    """The printed folio (the folio page's 打印 opens it in a tab of its own): status,
    charges, not yet posted, payments, refunds, balance due, deposit held (None: no line),
    and the lines not yet posted as (date, amount)."""
    with page.expect_popup() as popup:
        page.click("[data-testid=folio-print]")
    tab = popup.value
    tab.wait_for_load_state()
    assert "/print/" in tab.url
    figures = tuple(text(tab, f"print-{name}") for name in (
        "status", "charges", "unposted-total", "payments", "refunds", "balance", "deposit"))
    cells = [row.inner_text().split("\t") for row in tab.locator("[data-testid=print-unposted]").all()]
    tab.close()
    return (*figures, [(c[0], c[3]) for c in cells])


def owner_overview(browser, page, w, **query) -> dict:
    """The store's entry of the owner's overview, read as the owner app reads it: the owner's
    bearer token from ``auth/login/``, then ``GET m/overview/?store=<id>``."""
    context = browser.new_context()
    try:
        api = f"{page.base_url}/t/{w.slug}/api/v1"
        r = context.request.post(f"{api}/auth/login/", data={"username": "admin_c", "password": PASSWORD})
        assert r.status == 200, r.text()
        headers = {"Authorization": f"Bearer {r.json()['access']}"}
        r = context.request.get(f"{api}/m/overview/", params={"store": w.store.pk, **query}, headers=headers)
        assert r.status == 200, r.text()
        [entry] = r.json()["stores"]
        return entry
    finally:
        context.close()


MOVES = ("payments", "refunds", "deposits", "deposit_returns", "net")


def night(period: dict) -> tuple:
    """A period's rooms sold, room revenue, nights from the audit."""
    return period["rooms_sold"], period["room_revenue"], period["audited_nights"]


def collections(period: dict) -> tuple:
    """A period's collections: the total and each method's, as tuples in ``MOVES`` order."""
    c = period["collections"]
    by_method = {m["name"]: tuple(m[k] for k in MOVES) for m in c["by_method"]}
    return tuple(c["total"][k] for k in MOVES), by_method


def test_wang_fang_figures_agree_to_the_cent_everywhere(page, browser, committed_tenant):
    w = money_world(committed_tenant)
    day = w.day
    nights = [(day.isoformat(), "468.00"), ((day + timedelta(days=1)).isoformat(), "468.00")]
    login(page, w.slug, "clerk_c", PASSWORD)

    # 1. The booking, with the first night prepaid by WeChat in the same form.
    page.goto(store_url(page, w, "orders/new/"))
    form = page.locator("[data-testid=order-form]")
    assert form.locator("input[name=arrival]").input_value() == day.isoformat()  # the business date
    form.locator("select[name=room_type]").select_option(label="大床房")
    form.locator("select[name=room]").select_option(label="101 · 净 · 大床房")  # free rooms first, marked
    form.locator("input[name=departure]").fill((day + timedelta(days=2)).isoformat())
    form.locator("input[name=guest_name]").fill("王芳")
    form.locator("input[name=guest_phone]").fill("13800138000")
    form.locator("[data-testid=pay-amount]").fill("468.00")
    form.locator("[data-testid=pay-method]").select_option(label="微信支付")
    form.locator("[data-testid=pay-reference]").fill("WX-0001")
    submit(page, "[data-testid=order-submit]")
    assert "/orders/new/" not in page.url, page.locator(".errorlist, .form-errors").all_inner_texts()
    order_id = int(page.url.rstrip("/").split("/")[-1])
    assert text(page, "order-status") == "已确认"
    assert order_figures(page) == ("936.00", "468.00", "468.00")

    # 2. Check-in with a cash deposit: the form shows the 468.00 still due without filling it
    # in as a payment (a deposit alone records no payment); the guest pays at the end.
    page.click("[data-testid=check-in]")
    page.wait_for_url("**/check-in/**")
    assert page.locator("[data-testid=pay-amount]").input_value() == ""
    assert "待付 468.00" in page.locator("[data-testid=check-in-money]").inner_text()
    page.fill("input[data-testid^=doc-]", ID_NUMBER)
    page.fill("[data-testid=deposit-amount]", "500.00")
    page.locator("[data-testid=deposit-method]").select_option(label="现金")
    submit(page, "[data-testid=check-in-submit]")
    assert text(page, "order-status") == "已入住"
    assert order_figures(page) == ("936.00", "468.00", "468.00")  # a deposit is not a payment

    # 3. Breakfast for two on the folio.
    page.click("[data-testid=folio]")
    page.wait_for_url("**/folios/**")
    folio_id = int(page.url.rstrip("/").split("/")[-1])
    assert folio_figures(page) == ("0.00", "936.00", "468.00", "500.00", "部分支付")
    charge = page.locator("[data-testid=charge-form]")
    charge.locator("select[name=extra_item]").select_option(label="早餐 · 38.00")
    charge.locator("input[name=quantity]").fill("2")
    submit(page, "[data-testid=charge-submit]")
    assert folio_figures(page)[:3] == ("76.00", "936.00", "544.00")

    # 4. The balance: the payment form offers what is due.
    payment = page.locator("[data-testid=payment-form]")
    assert payment.locator("input[name=amount]").input_value() == "544.00"
    payment.locator("select[name=payment_method]").select_option(label="微信支付")
    submit(page, "[data-testid=payment-submit]")
    assert folio_figures(page) == ("76.00", "936.00", "0.00", "500.00", "已结清")
    unposted = page.locator("[data-testid=folio-unposted] li").all_inner_texts()
    assert unposted == [f"大床房 {night} · {amount}" for night, amount in nights]  # each night's line, as sold
    screenshot(page, "money-folio-settled")
    assert printed(page) == ("已结清", "76.00", "936.00", "1012.00", "0.00", "CNY 0.00", "500.00", nights)
    page.goto(store_url(page, w, f"orders/{order_id}/"))
    assert order_figures(page) == ("1012.00", "1012.00", "0.00")

    # 5. The deposit goes back (offered: all of it, in cash as it came), then the same-day check-out.
    page.goto(store_url(page, w, f"folios/{folio_id}/"))
    page.locator("details:has([data-testid=deposit-return-form]) > summary").click()
    back = page.locator("[data-testid=deposit-return-form]")
    assert back.locator("input[name=deposit_return-amount]").input_value() == "500.00"
    assert back.locator("select[name=deposit_return-payment_method] option:checked").inner_text() == "现金"
    submit(page, "[data-testid=deposit-return-form] button[type=submit]")
    assert folio_figures(page) == ("76.00", "936.00", "0.00", "0.00", "已结清")
    # a 2-night stay checked out on its first day: the page asks first (an early check-out)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    submit(page, "[data-testid=folio-check-out]")
    assert asked and "提前退房" in asked[0]
    # one night charged (by the check-out), the other released: 468.00 owed back
    assert folio_figures(page) == ("544.00", None, "-468.00", "0.00", "退款中")
    assert page.locator("[data-testid=folio-closed]").is_visible()
    page.locator("details:has([data-testid=refund-form]) > summary").click()
    assert page.locator("[data-testid=refund-form] input[name=refund-amount]").input_value() == "468.00"
    screenshot(page, "money-folio-checked-out")
    assert printed(page) == ("退款中", "544.00", None, "1012.00", "0.00", "CNY -468.00", None, [])
    page.goto(store_url(page, w, f"orders/{order_id}/"))
    assert text(page, "order-status") == "已退房"
    assert text(page, "order-dates").startswith(f"{nights[0][0]} – {nights[1][0]}")
    assert order_figures(page) == ("544.00", "1012.00", "-468.00")

    # The owner's overview of business day D: the night sold at 468.00 (live, from the order).
    o = owner_overview(browser, page, w)
    assert (o["date"], night(o["today"])) == (day.isoformat(), (1, "468.00", 0))
    # The money that changed hands on business day D (collections count business dates, as
    # revenue does): 1012.00 taken by WeChat, 500.00 of deposit in and out in cash.
    taken = collections(o["today"])
    assert taken == (("1012.00", "0.00", "500.00", "500.00", "1012.00"), {
        "现金": ("0.00", "0.00", "500.00", "500.00", "0.00"),
        "微信支付": ("1012.00", "0.00", "0.00", "0.00", "1012.00"),
    })

    # The owner closes business day D on the night audit page: the audit posts nothing more.
    owner = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    owner.set_default_timeout(10_000)
    try:
        audit_page = owner.new_page()
        audit_page.base_url = page.base_url
        login(audit_page, w.slug, "admin_c", PASSWORD)
        audit_page.goto(store_url(audit_page, w, "night-audit/"))
        assert text(audit_page, "business-date").split()[0] == day.isoformat()
        audit_page.once("dialog", lambda dialog: dialog.accept())
        audit_page.click("[data-testid=night-audit-run]")
        audit_page.wait_for_url(f"**/night-audit/{day.isoformat()}/")
        assert text(audit_page, "audit-status") == "已完成"
        assert text(audit_page, "audit-room-charges") == "0.00 CNY"
        screenshot(audit_page, "money-night-audit")
    finally:
        owner.close()

    with tenant_context(w.tenant):
        assert business_date(store=w.store) == w.today
        audit = NightAudit.objects.get(store=w.store, business_date=day)
        assert (audit.status, audit.counts["posted"], audit.room_charges_posted) == ("done", 0, D("0.00"))
        stats = DailyStoreStats.objects.get(store=w.store, date=day)
        assert (stats.room_revenue, stats.other_revenue, stats.rooms_sold) == (D("468.00"), D("76.00"), 1)
        posted = FolioTransaction.objects.filter(folio_id=folio_id, charge_type="room_night")
        assert [(t.amount, t.business_date) for t in posted] == [(D("468.00"), day)]
        assert Order.objects.get(pk=order_id).status == "checked_out"
    connection.set_schema_to_public()

    # After the audit, as the owner app opens: today is the new business day, nothing taken
    # yet; D keeps its collections and its night now comes from the audit's figures.
    o = owner_overview(browser, page, w)
    assert (o["date"], collections(o["today"])) == (w.today.isoformat(), (("0.00",) * 5, {}))
    after = owner_overview(browser, page, w, date=day.isoformat())["today"]
    assert (night(after), collections(after)) == ((1, "468.00", 1), taken)
    # and the desk's pages did not move
    page.goto(store_url(page, w, f"folios/{folio_id}/"))
    assert folio_figures(page) == ("544.00", None, "-468.00", "0.00", "退款中")
    page.goto(store_url(page, w, f"orders/{order_id}/"))
    assert order_figures(page) == ("544.00", "1012.00", "-468.00")
