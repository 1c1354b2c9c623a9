"""The night audit page: the business date and the audit records for everyone in the
store, running it for managers only (as in the API), one record's detail."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.night_audit.models import NightAudit
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.business_day import business_day_get
from apps.tenancy.models import StoreBusinessDay


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def base(store):
    return f"/t/alpha/s/{store.pk}"


def _day_over(store, days_ago: int = 1):
    """Make the open business date a day that is over (the audit refuses a day still going on)."""

    day = business_day_get(store=store)
    past = timezone.localdate() - timedelta(days=days_ago)
    StoreBusinessDay.objects.filter(pk=day.pk).update(business_date=past)
    return past


def test_page_shows_the_business_date_and_only_managers_may_run(store, browser_login, base):
    clerk = browser_login("alpha", "clerk_a1")
    html = clerk.get(f"{base}/night-audit/").content.decode()
    assert 'data-testid="business-date"' in html and 'data-testid="night-audit-run"' not in html
    assert clerk.post(f"{base}/night-audit/run/").status_code == 403
    assert not NightAudit.objects.filter(store=store, status="done").exists()


def test_a_manager_closes_the_day_and_sees_the_record(store, browser_login, base):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, rooms = room_type_with_rooms(store, 2)
    day = _day_over(store)
    stay = make_order(store, room_type=room_type, room=rooms[0], arrival=day, nights=2, status=Order.Status.CHECKED_IN,
                      allow_past_arrival=True)
    manager = browser_login("alpha", "manager_a1")
    assert 'data-testid="night-audit-run"' in manager.get(f"{base}/night-audit/").content.decode()

    response = manager.post(f"{base}/night-audit/run/")

    assert response.status_code == 302 and response["Location"] == f"{base}/night-audit/{day.isoformat()}/"
    audit = NightAudit.objects.get(store=store, business_date=day)
    assert (audit.status, audit.trigger, audit.triggered_by.username) == ("done", "manual", "manager_a1")
    assert audit.counts["posted"] == 1 and audit.room_charges_posted == stay.items.first().total_price
    detail = manager.get(response["Location"]).content.decode()
    assert 'data-testid="audit-counts"' in detail and stay.code in detail
    listing = manager.get(f"{base}/night-audit/").content.decode()
    assert f'data-testid="audit-{day.isoformat()}"' in listing


def test_a_day_not_over_is_refused_with_the_reason(store, browser_login, base):
    manager = browser_login("alpha", "manager_a1")

    day = business_day_get(store=store)
    StoreBusinessDay.objects.filter(pk=day.pk).update(business_date=timezone.localdate())
    response = manager.post(f"{base}/night-audit/run/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "is not over yet" in response.content.decode() or "not open yet" in response.content.decode()
    assert not NightAudit.objects.filter(store=store, status="done").exists()


def test_unknown_or_other_stores_record_is_404(store, world, browser_login, base):
    manager = browser_login("alpha", "manager_a1")
    assert manager.get(f"{base}/night-audit/2020-01-01/").status_code == 404
    assert manager.get(f"{base}/night-audit/not-a-date/").status_code == 404
    assert manager.get(f"/t/alpha/s/{world.alpha.stores['A2'].pk}/night-audit/").status_code == 404
