"""The business counters at their events (this process's registry: no multiprocess
directory in tests): a booking and a refusal, a check-in, postings and a check-out, a
log-in throttled, counted once each and only once committed; the scrape's gauges."""
from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from apps.common import metrics
from apps.common.errors import DomainError
from apps.folios import services as folio_services
from apps.folios.tests.factories import pay
from apps.frontdesk.services import stay_check_out
from apps.orders import services as order_services
from apps.orders.models import Order
from apps.orders.tests.factories import booking, make_order, room_type_with_rooms
from apps.tenancy.business_day import business_date


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def rt(store, direct):
    room_type, rooms = room_type_with_rooms(store, 1)
    room_type.rooms_list = rooms
    return room_type


def test_a_booking_is_counted_once_committed_and_a_refusal_by_its_code(
    store, rt, django_capture_on_commit_callbacks,
):
    label = {"store": f"alpha/{store.pk}"}
    before, refused_before = value("pms_bookings_total", **label), value("pms_booking_refusals_total", code="room_type_sold_out")
    night = business_date(store=store) + timedelta(days=3)
    args = booking(store=store, actor=None, room_type=rt, arrival=night, departure=night + timedelta(days=1), confirm=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_services.order_create(**args)
    assert value("pms_bookings_total", **label) == before  # not committed yet: not counted
    for callback in callbacks:
        callback()
    assert value("pms_bookings_total", **label) == before + 1
    with pytest.raises(DomainError) as refused:  # the one room of the type is taken that night
        order_services.order_create(**args)
    assert refused.value.code == "room_type_sold_out"
    assert value("pms_booking_refusals_total", code="room_type_sold_out") == refused_before + 1
    assert value("pms_bookings_total", **label) == before + 1


def test_check_in_postings_and_check_out_are_counted(store, rt, clerk, django_capture_on_commit_callbacks):
    names = ("pms_checkins_total", "pms_checkouts_total")
    before = {n: value(n) for n in names}
    charges, payments = value("pms_folio_postings_total", kind="charge"), value("pms_folio_postings_total", kind="payment")
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(store, room_type=rt, room=rt.rooms_list[0], nights=1, status=Order.Status.CHECKED_IN)
    with django_capture_on_commit_callbacks(execute=True):
        pay(folio_services.folio_primary_for_order(order=order), "300.00")
    with django_capture_on_commit_callbacks(execute=True):
        stay_check_out(order=order, actor=clerk)  # charges the night used
    assert {n: value(n) - before[n] for n in names} == {"pms_checkins_total": 1, "pms_checkouts_total": 1}
    assert value("pms_folio_postings_total", kind="payment") - payments == 1
    assert value("pms_folio_postings_total", kind="charge") - charges == 1


def test_a_throttled_log_in_is_counted(api, world, settings):
    from tests.fixtures import unique_ip

    settings.PMS_LOGIN_FAILURES_PER_USERNAME = 1
    before = value("pms_login_throttled_total")
    c = api("alpha")
    body = {"username": f"nobody-{unique_ip()}", "password": "wrong"}
    statuses = [c.post(f"{c.prefix}/auth/login/", body, format="json", REMOTE_ADDR=unique_ip()).status_code for _ in range(3)]
    assert statuses == [401, 429, 429]
    assert value("pms_login_throttled_total") - before == 2


def test_the_scraped_gauges_read_every_tenants_stores(world, settings):
    """Every store of both tenants, in one scrape: its business day against its local date."""
    from django_tenants.utils import tenant_context

    from apps.tenancy.business_day import business_day_get, store_local_date

    settings.PMS_METRICS_STATE_SECONDS = 0
    expected = {}
    for tw in (world.alpha, world.beta):
        with tenant_context(tw.tenant):
            for s in tw.stores.values():
                day = business_day_get(store=s).business_date  # the store's row (made on first use)
                expected[(tw.slug, str(s.pk))] = float((store_local_date(store=s) - day).days)
    samples = metrics.state_samples()
    lag = {(s.labels["tenant"], s.labels["store"]): s.value for s in samples if s.name == "pms_night_audit_business_date_lag_days"}
    assert {k: lag.get(k) for k in expected} == expected
    names = {s.name for s in samples}
    assert {"pms_outbox_oldest_pending_age_seconds", "pms_webhook_delivery_lag_seconds", "pms_celery_queue_depth"} <= names
