"""The business date: created on first use at the store's calendar date, moved only by
the night audit (not by the wall clock)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from apps.tenancy.business_day import business_date, store_local_date
from apps.tenancy.models import StoreBusinessDay
from tests.fixtures import set_business_date

SH = ZoneInfo("Asia/Shanghai")


def test_first_use_creates_one_row_with_the_store_calendar_date(store):
    assert not StoreBusinessDay.objects.filter(store=store).exists()
    first = business_date(store=store)
    assert first == store_local_date(store=store)
    assert business_date(store=store) == first
    assert StoreBusinessDay.objects.filter(store=store).count() == 1


def test_the_store_local_date_is_the_calendar_date_in_its_time_zone(store):
    # 20:30 UTC on May 1st is 04:30 on May 2nd in Shanghai
    assert store_local_date(store=store, now=datetime(2026, 5, 1, 20, 30, tzinfo=ZoneInfo("UTC"))) == date(2026, 5, 2)
    assert store_local_date(store=store, now=datetime(2026, 5, 2, 1, 0, tzinfo=SH)) == date(2026, 5, 2)


def test_the_business_date_stays_until_the_audit_whatever_the_clock(store):
    set_business_date(store, date(2026, 5, 1))
    assert business_date(store=store) == date(2026, 5, 1)  # days later, still open until audited
