"""Admin pages of the audit and notifications: they load; the audit's rows are read-only."""
from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from apps.notifications.models import Notification, NotificationTemplate
from apps.night_audit.models import DailyStoreStats, NightAudit
from apps.tenancy.models import StoreBusinessDay
from apps.night_audit.services import night_audit_run
from apps.orders.tests.factories import stay


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
