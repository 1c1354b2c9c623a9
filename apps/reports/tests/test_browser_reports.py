"""The report pages in a real headless Chromium (zh-CN): the 营业日报 of a day with known
figures prints on one A4 page (the PDF Chromium makes of it has one page), its xlsx
download opens with openpyxl with the same figures, the range and channel pages show
theirs. Screenshots in test-artifacts/."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
from apps.reports.tests.scenario import build
from apps.tenancy.business_day import store_local_date
from tests.browser import ARTIFACTS, login, screenshot
from tests.fixtures import set_business_date
from tests.world import PASSWORD

pytestmark = pytest.mark.browser


def _pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: its page objects (Chromium writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_daily_report_prints_on_one_a4_page_and_exports_xlsx(committed_tenant, page):
    store = committed_tenant.store
    with tenant_context(committed_tenant.tenant):
        ChannelFactory(store=store, code="direct", name="直订", channel_type="direct")
        ChannelFactory(store=store, code="ctrip", name="携程", channel_type="ota")
        rt, rooms = room_type_with_rooms(store, 6, price="300.00", name="豪华大床房")
        rt.rooms_list = rooms
        day = store_local_date(store=store) - timedelta(days=1)
        set_business_date(store, day)
        build(store, rt, day, None)
    connection.set_schema_to_public()
    slug = committed_tenant.tenant.slug
    login(page, slug, "admin_c", PASSWORD)
    base = f"{page.base_url}/t/{slug}/s/{store.pk}/reports"

    page.goto(f"{base}/daily/?date={day.isoformat()}")
    assert page.locator("h1").inner_text().startswith("营业日报")
    figures = page.get_by_test_id("daily-figures")
    assert figures.locator("tr", has_text="已售房").locator("td").inner_text() == "2"
    assert figures.locator("tr", has_text="出租率").locator("td").inner_text() == "40.0%"
    assert page.get_by_test_id("total-revenue-1").inner_text() == "1023.50"
    screenshot(page, "reports-daily")

    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "reports-daily.pdf").write_bytes(pdf)
    assert _pdf_pages(pdf) == 1
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    rows = {row[0]: row[1] for row in book["营业日报"].iter_rows(min_row=2, values_only=True)}
    assert (rows["可售房"], rows["已售房"], rows["客房收入"], rows["总营收"]) == (5, 2, 693.5, 1023.5)

    page.goto(f"{base}/range/?start={(day - timedelta(days=1)).isoformat()}&end={day.isoformat()}")
    buckets = page.get_by_test_id("range-buckets")
    assert buckets.locator("tbody tr").count() == 2
    assert "1023.50" in buckets.locator("tbody tr").nth(1).inner_text()
    screenshot(page, "reports-range")

    page.goto(f"{base}/channels/?start={(day - timedelta(days=1)).isoformat()}&end={(day + timedelta(days=5)).isoformat()}")
    ctrip = page.get_by_test_id("channel-ctrip")
    assert "915.50" in ctrip.inner_text() and "50.0%" in ctrip.inner_text()
    screenshot(page, "reports-channels")
