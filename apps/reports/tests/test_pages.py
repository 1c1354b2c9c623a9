"""The report pages (Django's client): managers only, the figures shown, the exports
(xlsx opened with openpyxl, CSV) with Chinese headers and two-decimal amounts."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from apps.reports.tests.scenario import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(store, rt, day, clerk):
    return build(store, rt, day, clerk)


def _url(store, name):
    return f"/t/alpha/s/{store.pk}/reports/{name}/"


def test_report_pages_are_for_managers(browser_login, store, day, built):
    client = browser_login("alpha", "clerk_a1")
    assert client.get(_url(store, "daily")).status_code == 403
    client = browser_login("alpha", "manager_a1")
    page = client.get(_url(store, "daily"), {"date": day.isoformat()}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "营业日报" in html and "1023.50" in html and "40.0%" in html
    assert f'href="/t/alpha/s/{store.pk}/reports/daily/"' in html  # the nav link
    for name in ("range", "channels", "consumption"):
        r = client.get(_url(store, name), {"start": (day - timedelta(days=1)).isoformat(), "end": day.isoformat()})
        assert r.status_code == 200, name
    ahead = client.get(_url(store, "range"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    today = day + timedelta(days=1)  # the open business date after the audit of D
    assert (f'href="?start={today.isoformat()}&amp;end={(today + timedelta(days=29)).isoformat()}&amp;granularity=week'
            in ahead) and "未来 30 天" in ahead
    admin = browser_login("alpha", "admin_a")
    both = admin.get(_url(store, "daily"), {"date": day.isoformat(), "scope": "all"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "1 家门店尚未关账，未计入。" in both.content.decode() and "我管理的所有门店" in both.content.decode()
    not_closed = client.get(_url(store, "daily"), {"date": (day + timedelta(days=1)).isoformat()})
    assert not_closed.status_code == 200 and 'data-testid="report-error"' in not_closed.content.decode()


def test_daily_report_xlsx_export(browser_login, store, day, built):
    client = browser_login("alpha", "manager_a1")
    r = client.get(_url(store, "daily"), {"date": day.isoformat(), "export": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200
    assert r["Content-Disposition"] == f'attachment; filename="daily-{day.isoformat()}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["营业日报", "营业收入", "房型", "收款"]
    rows = {row[0]: row[1] for row in book["营业日报"].iter_rows(min_row=2, values_only=True)}
    assert rows["可售房"] == 5 and rows["已售房"] == 2 and rows["出租率"] == pytest.approx(0.4)
    assert rows["平均房价"] == 346.75 and rows["总营收"] == 1023.5 and rows["押金余额"] == 200
    cell = next(c for c in book["营业日报"]["B"] if c.value == 1023.5)
    assert cell.number_format == "0.00"
    collections = list(book["收款"].iter_rows(values_only=True))
    assert collections[0] == ("门店", "支付方式", "收款", "退款", "押金", "已退押金", "净额")
    assert [r[1:] for r in collections[1:]] == [("现金", 0, 0, 200, 0, 200), ("微信支付", 100, 10, 0, 0, 90)]


def test_range_and_channel_exports(browser_login, store, day, built):
    client = browser_login("alpha", "manager_a1")
    params = {"start": (day - timedelta(days=1)).isoformat(), "end": day.isoformat()}
    r = client.get(_url(store, "range"), {**params, "export": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["趋势"]
    assert rows[1][:4] == ["起始日期", "至", "可售房", "已售房"]
    assert rows[3] == [day.isoformat(), day.isoformat(), "5", "2", "0.4000", "346.75", "138.70", "693.50", "1023.50"]
    r = client.get(_url(store, "channels"), {**params, "export": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["渠道分析"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("渠道", "间夜", "间夜占比", "客房收入")
    assert rows[1][:4] == ("Ctrip", 2, 0.6667, 605.5)
