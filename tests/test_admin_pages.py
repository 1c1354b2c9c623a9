"""Admin pages across apps (night audit, business day, notifications): they load; the rows the system writes are read-only."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from apps.night_audit.models import DailyStoreStats, NightAudit
from apps.night_audit.services import night_audit_run
from apps.notifications.models import Notification, NotificationTemplate
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms, stay
from apps.tenancy.business_day import store_local_date
from apps.tenancy.models import StoreBusinessDay
from tests.fixtures import set_business_date


@pytest.fixture
def day(store):
    """Business day D (yesterday, local): a past day may always be audited."""
    d = store_local_date(store=store) - timedelta(days=1)
    set_business_date(store, d)
    return d


@pytest.fixture
def rt(store):
    ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
    room_type, room_type.rooms_list = room_type_with_rooms(store, 2)
    return room_type


def test_audit_rows_and_the_notification_log_are_read_only(world):
    request = RequestFactory().get("/")
    request.user = world.alpha.users["admin_a"]
    for model in (NightAudit, DailyStoreStats, StoreBusinessDay, Notification):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    assert site._registry[NotificationTemplate].has_add_permission(request)


@pytest.mark.parametrize("path", [
    "night_audit/nightaudit/", "night_audit/dailystorestats/", "tenancy/storebusinessday/",
    "notifications/notification/", "notifications/notificationtemplate/", "notifications/notificationtemplate/add/",
])
def test_admin_pages_load(browser_login, store, rt, day, path):
    stay(store, rt, 0, arrival=day)
    night_audit_run(store=store, trigger="beat")
    client = browser_login("alpha", "admin_a")
    response = client.get(f"/t/alpha/admin/{path}")
    assert response.status_code == 200, response.content[:300]
