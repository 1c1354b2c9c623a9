"""When a store's audit is due: its settings, due times, the stores due, the business-day
information shown beside the date."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apps.night_audit.selectors import audit_due_at, audit_settings, business_day_info, stores_due_for_audit
from apps.tenancy.models import Setting, Store
from tests.fixtures import set_business_date

SH = ZoneInfo("Asia/Shanghai")


def test_audit_due_at_in_the_store_time_zone(store):
    assert audit_due_at(store=store, business_date=date(2026, 5, 1), audit_time=time(4, 0)) == datetime(2026, 5, 2, 4, 0, tzinfo=SH)
    assert audit_due_at(store=store, business_date=date(2026, 5, 1), audit_time=time(23, 30)) == datetime(2026, 5, 1, 23, 30, tzinfo=SH)
    paris = Store(pk=store.pk, time_zone="Europe/Paris")  # not the shared world's instance
    assert audit_due_at(store=paris, business_date=date(2026, 5, 1), audit_time=time(4, 0)).astimezone(SH) == datetime(2026, 5, 2, 10, 0, tzinfo=SH)


def test_audit_settings_store_override_then_tenant_then_default(store, world):
    assert audit_settings(store=store).audit_time == time(4, 0)
    assert audit_settings(store=store).no_show_policy == "mark"
    Setting.objects.create(group="audit", key="time", value="03:00", value_type="time")
    assert audit_settings(store=store).audit_time == time(3, 0)
    Setting.objects.create(store=store, group="audit", key="time", value="02:15", value_type="string")
    assert audit_settings(store=store).audit_time == time(2, 15)
    assert audit_settings(store=world.alpha.stores["A2"]).audit_time == time(3, 0)
    Setting.objects.create(group="audit", key="no_show_policy", value="nonsense")
    assert audit_settings(store=store).no_show_policy == "mark"


def test_stores_due_for_audit(store, world):
    a2 = world.alpha.stores["A2"]
    set_business_date(store, date(2026, 5, 1))
    set_business_date(a2, date(2026, 5, 2))
    at = datetime(2026, 5, 2, 4, 5, tzinfo=SH)
    assert [(s.pk, d) for s, d in stores_due_for_audit(now=at)] == [(store.pk, date(2026, 5, 1))]
    assert stores_due_for_audit(now=at - timedelta(minutes=10)) == []
    assert [s.pk for s, _d in stores_due_for_audit(now=at + timedelta(days=1))] == [store.pk, a2.pk]


def test_business_day_info(store):
    set_business_date(store, date(2026, 5, 1))
    info = business_day_info(store=store, now=datetime(2026, 5, 2, 5, 0, tzinfo=SH))
    assert info.business_date == date(2026, 5, 1) and info.audit_due is True
    assert info.audit_due_at == datetime(2026, 5, 2, 4, 0, tzinfo=SH)
    assert info.time_zone == "Asia/Shanghai" and info.last_audit is None
