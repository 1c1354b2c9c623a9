"""The refusals of an audit of a day that is not there yet say which case it is (the
message once read "营业日 2026-12-08 尚未开始：当前营业日为 2026-12-08", one date twice)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from apps.common.errors import DomainError
from apps.night_audit.models import NightAudit
from apps.night_audit.services import night_audit_run
from apps.tenancy.business_day import store_local_date
from tests.fixtures import set_business_date


def refusal(store, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        night_audit_run(store=store, trigger=NightAudit.Trigger.API, **kwargs)
    assert exc.value.code == "audit_date_in_future" and exc.value.status == 422
    return exc.value


def test_a_day_after_the_open_one_names_the_open_day(store):
    today = store_local_date(store=store)
    open_day = today - timedelta(days=1)
    set_business_date(store, open_day)
    error = refusal(store, business_date=today)
    assert str(error.message) == f"营业日 {today} 尚未开始：当前营业日为 {open_day}。"
    with translation.override("en"):
        error = refusal(store, business_date=today)
    assert str(error.message) == f"The business day {today} is not open yet: the open business date is {open_day}."


def test_the_open_day_not_begun_on_the_calendar_names_the_stores_date(store):
    today = store_local_date(store=store)
    tomorrow = today + timedelta(days=1)
    set_business_date(store, tomorrow)  # an evening audit closed today and opened tomorrow
    error = refusal(store)
    assert str(error.message) == f"营业日 {tomorrow} 尚未开始：门店所在时区今天仍是 {today}。"
    with translation.override("en"):
        error = refusal(store)
    assert str(error.message) == (
        f"The business day {tomorrow} has not begun yet: it is still {today} in the store's time zone.")
