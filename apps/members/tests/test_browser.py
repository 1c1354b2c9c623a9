"""The member pages in a real headless Chromium (zh-Hans): enrol a guest, top up 充 1000 送 100,
pay an in-house guest's folio with stored value and with points, see the ledgers; the
level settings. Screenshots in test-artifacts/."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from apps.folios.models import Folio
from apps.folios.services import folio_primary_for_order
from apps.members.models import Member, PointsEntry
from apps.orders.models import Order
from apps.orders.services import PersonIn
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.business_day import business_date
from tests.browser import login, screenshot
from tests.world import PASSWORD

pytestmark = pytest.mark.browser
D = Decimal


def test_enrol_top_up_and_pay_a_folio_with_stored_value_and_points(page, committed_tenant):
    ct = committed_tenant
    with tenant_context(ct.tenant):
        ChannelFactory(store=ct.store, code="direct", name="Direct")
        room_type, rooms = room_type_with_rooms(ct.store, 1)
        order = make_order(ct.store, room_type=room_type, room=rooms[0], status=Order.Status.CHECKED_IN,
                           booker=PersonIn(full_name="王芳", phone="13912345678"))
        folio = folio_primary_for_order(order=order)
    base = f"{page.base_url}/t/{ct.tenant.slug}/s/{ct.store.pk}"
    login(page, ct.tenant.slug, ct.admin.username, PASSWORD)

    # enrol from the member list: the phone finds the booker's profile
    page.goto(f"{base}/members/")
    assert page.locator("h1").inner_text() == "会员"
    form = page.locator("[data-testid=enrol-form]")
    form.locator("input[name=full_name]").fill("王芳")
    form.locator("input[name=phone]").fill("13912345678")
    form.locator("button").click()
    page.wait_for_url("**/members/*/")
    with tenant_context(ct.tenant):
        member = Member.objects.get()
        assert member.contact_id == order.booker_id
        PointsEntry.objects.create(member=member, store=ct.store, kind="earn", points=10000, order=order,
                                   expires_on=business_date(store=ct.store) + timedelta(days=365))
    assert page.locator("[data-testid=member-level]").inner_text() == "普通会员"
    assert "13912345678" not in page.content() and "5678" in page.content()

    # 充 1000 送 100
    top = page.locator("[data-testid=top-up-form]")
    top.locator("input[name=amount]").fill("1000")
    top.locator("input[name=bonus]").fill("100")
    top.locator("button").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=member-stored-value]").inner_text() == "1100.00"
    assert "充值" in page.locator("[data-testid=sv-ledger]").inner_text()

    # pay the folio: 500.00 of stored value, then 10000 points (100.00)
    pay = page.locator("[data-testid=pay-form]")
    pay.locator("select[name=folio]").select_option(str(folio.pk))
    pay.locator("select[name=method]").select_option("stored_value")
    pay.locator("input[name=amount]").fill("500")
    pay.locator("button").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=member-stored-value]").inner_text() == "600.00"
    pay = page.locator("[data-testid=pay-form]")
    pay.locator("select[name=folio]").select_option(str(folio.pk))
    pay.locator("select[name=method]").select_option("points")
    pay.locator("input[name=points]").fill("10000")
    pay.locator("button").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=member-points]").inner_text() == "0"
    screenshot(page, "member-profile")
    # too much: refused with the reason, nothing changes
    pay = page.locator("[data-testid=pay-form]")
    pay.locator("select[name=method]").select_option("stored_value")
    pay.locator("input[name=amount]").fill("600.01")
    pay.locator("button").click()
    page.wait_for_load_state()
    assert "600.00" in page.locator("[data-testid=member-error]").inner_text()

    with tenant_context(ct.tenant):
        folio = Folio.objects.get(pk=folio.pk)
        order.refresh_from_db()
        assert (folio.total_payments, order.paid_amount, order.due_amount) == (D("600.00"), D("600.00"), D("0.00"))
        member.refresh_from_db()
        assert (member.sv_principal, member.sv_bonus, member.points) == (D("545.45"), D("54.55"), 0)

    # the folio page shows both payments by their methods
    page.goto(f"{base}/folios/{folio.pk}/")
    text = page.content()
    assert "会员储值" in text and "会员积分" in text
    screenshot(page, "member-folio-paid")

    # the level settings (a manager's page)
    page.goto(f"{base}/members/levels/")
    form = page.locator("[data-testid=level-form]")
    form.locator("input[name=name]").fill("金卡")
    form.locator("input[name=rank]").fill("1")
    form.locator("input[name=upgrade_nights]").fill("10")
    form.locator("button").click()
    page.wait_for_load_state()
    assert "金卡" in page.locator("[data-testid=level-table]").inner_text()
    screenshot(page, "member-levels")
    page.goto(f"{base}/members/")
    assert "王芳" in page.locator("[data-testid=member-table]").inner_text()
    screenshot(page, "member-list")
