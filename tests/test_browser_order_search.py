"""The desk's order search, in a real headless Chromium: a whole phone typed in the search
box finds the guest's order and never enters a URL (the address bar, the history, the
requests the page sends), because the form posts (issue 17: no personal data in URLs)."""
from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order, room_type_with_rooms
from apps.tenancy.models import StaffProfile
from apps.tenancy.services import staff_create
from tests.browser import login
from tests.world import PASSWORD

pytestmark = pytest.mark.browser

PHONE = "13912345678"


def test_a_phone_typed_in_the_order_search_finds_the_order_and_stays_out_of_urls(page, committed_tenant):
    store = committed_tenant.store
    with tenant_context(committed_tenant.tenant):
        staff_create(username="clerk_s", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[store])
        room_type, _rooms = room_type_with_rooms(store, 1)
        order = make_order(store, room_type=room_type, guests=[PersonIn(full_name="刘洋", phone=PHONE, is_primary=True)])
        other = make_order(store, room_type=room_type, arrival=order.departure,
                           guests=[PersonIn(full_name="赵六", is_primary=True)])
    connection.set_schema_to_public()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    login(page, committed_tenant.tenant.slug, "clerk_s", PASSWORD)
    page.goto(f"{page.base_url}/t/{committed_tenant.tenant.slug}/s/{store.pk}/orders/")
    listing = page.url
    assert page.locator(f'[data-testid="order-row-{other.pk}"]').count() == 1

    page.fill('[data-testid="order-filter"] input[name=q]', PHONE)
    page.locator("#order-results").get_by_text("刘洋").first.wait_for()
    page.wait_for_load_state("networkidle")

    results = page.locator("#order-results").inner_text()
    assert "刘洋" in results and "赵六" not in results
    assert page.url == listing
    assert not [u for u in urls if PHONE in u]
