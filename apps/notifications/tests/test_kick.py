"""The outbox publisher's on-commit kick, coalesced: at most one Celery message per tenant
schema per window and process, sent with the window as its countdown."""
from __future__ import annotations

import json
import re
import threading
import time
from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.notifications import services
from apps.notifications.tasks import publish_order_events
from apps.notifications.tests.conftest import book
from apps.orders.tests.factories import booking


@pytest.fixture
def sent(monkeypatch):
    """The publisher's messages as (kwargs, options), instead of the broker; the kick
    state of this process forgotten before and after."""
    calls: list[tuple[dict, dict]] = []

    def apply_async(self, args=None, kwargs=None, **options):  # delay() comes here too
        calls.append((kwargs, options))

    monkeypatch.setattr(type(publish_order_events._get_current_object()), "apply_async", apply_async)
    monkeypatch.setattr(services, "_send_kick", lambda send: send())  # sent here, not by the background thread
    services._kick_runs_at.clear()
    yield calls
    services._kick_runs_at.clear()


@pytest.fixture
def not_eager(monkeypatch):
    monkeypatch.setitem(publish_order_events.app.conf, "task_always_eager", False)


@pytest.fixture
def clock(monkeypatch):
    """The kick's monotonic clock, set by hand: ``clock.now = 10.0``."""
    fake = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(services, "time", SimpleNamespace(monotonic=lambda: fake.now))
    return fake


def _kick():
    services.outbox_kick("order.confirmed", order_id=1, store_id=1)


def test_kicks_within_the_window_send_one_message_with_the_countdown(in_alpha, sent, not_eager, clock, settings):
    settings.PMS_OUTBOX_KICK_WINDOW_S = 0.5
    for step in (0.0, 0.1, 0.15, 0.1):  # the last at +0.35 s: the pending kick runs in 0.15 s
        clock.now += step
        _kick()
    assert sent == [({"schema_name": "t_alpha"}, {"countdown": 0.5})]


def test_a_kick_once_the_pending_one_is_about_to_run_sends_another(in_alpha, sent, not_eager, clock, settings):
    settings.PMS_OUTBOX_KICK_WINDOW_S = 0.5
    _kick()
    clock.now += 0.41  # the pending kick runs in 0.09 s, less than the margin: it may miss this commit
    _kick()
    clock.now += 0.2
    _kick()  # covered by the second one (runs in 0.3 s)
    clock.now += 1.0
    _kick()
    assert sent == [({"schema_name": "t_alpha"}, {"countdown": 0.5})] * 3


def test_threads_of_one_process_send_one_kick(world, sent, not_eager, settings):
    settings.PMS_OUTBOX_KICK_WINDOW_S = 5
    barrier = threading.Barrier(8)

    def kick():
        barrier.wait()
        with tenant_context(world.alpha.tenant):
            _kick()

    threads = [threading.Thread(target=kick) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sent == [({"schema_name": "t_alpha"}, {"countdown": 5})]


def test_window_zero_kicks_every_time(in_alpha, sent, not_eager, clock, settings):
    settings.PMS_OUTBOX_KICK_WINDOW_S = 0
    for _ in range(3):
        _kick()
    assert sent == [({"schema_name": "t_alpha"}, {})] * 3  # delay(): no countdown


def test_eager_tasks_kick_every_time(in_alpha, sent, clock, settings):
    # the test settings run tasks eagerly: a countdown would be ignored, the task runs at once
    assert publish_order_events.app.conf.task_always_eager
    settings.PMS_OUTBOX_KICK_WINDOW_S = 0.5
    for _ in range(3):
        _kick()
    assert sent == [({"schema_name": "t_alpha"}, {})] * 3
    assert services._kick_runs_at == {}


def test_each_schema_has_its_own_kick(world, sent, not_eager, clock, settings):
    settings.PMS_OUTBOX_KICK_WINDOW_S = 0.5
    with tenant_context(world.alpha.tenant):
        _kick()
        _kick()
    with tenant_context(world.beta.tenant):
        _kick()
        _kick()
    assert sent == [({"schema_name": "t_alpha"}, {"countdown": 0.5}), ({"schema_name": "t_beta"}, {"countdown": 0.5})]


def test_changes_that_are_not_notified_send_nothing(in_alpha, sent, not_eager, clock, settings):
    services.outbox_kick("order.created", order_id=1, status="pending_confirmation")
    services.outbox_kick("order.updated", order_id=1)
    assert sent == [] and services._kick_runs_at == {}


def test_a_kick_the_broker_refused_is_not_counted(in_alpha, not_eager, clock, settings, monkeypatch, caplog):
    settings.PMS_OUTBOX_KICK_WINDOW_S = 0.5
    services._kick_runs_at.clear()
    calls = []

    def apply_async(self, args=None, kwargs=None, **options):
        calls.append(kwargs)
        if len(calls) == 1:
            raise ConnectionError("broker down")

    monkeypatch.setattr(type(publish_order_events._get_current_object()), "apply_async", apply_async)
    monkeypatch.setattr(services, "_send_kick", lambda send: send())
    _kick()  # refused: logged, not raised, not remembered
    _kick()  # so the next commit kicks again
    _kick()
    services._kick_runs_at.clear()
    assert calls == [{"schema_name": "t_alpha"}] * 2
    assert [r.getMessage() for r in caplog.records if r.name == "apps.notifications.services"] == ["notification.kick_failed"]


def test_bookings_committed_in_the_window_send_one_kick(store, rt, sent, not_eager, settings, django_capture_on_commit_callbacks):
    settings.PMS_OUTBOX_KICK_WINDOW_S = 5
    with django_capture_on_commit_callbacks(execute=True):
        book(store, rt)
    with django_capture_on_commit_callbacks(execute=True):
        book(store, rt)
    with django_capture_on_commit_callbacks(execute=True):
        book(store, rt, confirm=False)
    assert sent == [({"schema_name": connection.schema_name}, {"countdown": 5})]


# --- a real worker ---------------------------------------------------------------------------------------------

from apps.orders import services as order_services
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
from apps.tenancy.business_day import business_date
from tests.celery_worker import celery_app_sending, wait_for  # noqa: E402


@pytest.mark.worker
def test_one_kick_publishes_every_booking_committed_before_it_runs(committed_tenant, celery_worker_factory, tmp_path,
                                                                  settings):
    """The bookings after the first send no kick of their own; the first one's, run by the
    worker after its countdown, publishes all of them."""
    from datetime import timedelta

    from apps.notifications.models import Notification

    settings.PMS_OUTBOX_KICK_WINDOW_S = 3
    services._kick_runs_at.clear()
    tenant, store = committed_tenant.tenant, committed_tenant.store
    outbox = tmp_path / "outbox.jsonl"
    worker = celery_worker_factory(PMS_NOTIFICATION_DEV_OUTBOX=outbox)
    with tenant_context(tenant):
        ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
        room_type, _rooms = room_type_with_rooms(store, 3)
        arrival = business_date(store=store) + timedelta(days=3)

    with celery_app_sending(worker.queue), tenant_context(tenant):
        orders = [
            order_services.order_create(**booking(  # each commits, then kicks (no test transaction here)
                store=store, actor=None, room_type=room_type, arrival=arrival, departure=arrival + timedelta(days=1),
                booker=order_services.PersonIn(full_name="李雷", phone=f"1370000{i:04d}"), confirm=True,
            ))
            for i in range(3)
        ]

        def all_sent():
            rows = list(Notification.objects.filter(order__in=orders, channel="sms").values_list("order_id", "status"))
            return rows if len(rows) == 3 and all(s == "sent" for _o, s in rows) else None

        wait_for(all_sent, timeout=60, what="the notifications")
    services._kick_runs_at.clear()

    # a task id may hold a run of 7+ digits, which the JSON log masks ("[number]"): match up to "] received"
    received = re.findall(r"Task notifications\.publish_order_events\[.+?\] received", worker.log())
    assert len(received) == 1, worker.log()[-3000:]
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert sorted(line["to"] for line in lines) == ["137****0000", "137****0001", "137****0002"]


def test_a_frozen_broker_does_not_hold_the_committing_request(in_alpha, not_eager, settings, monkeypatch):
    """Redis frozen: the publish waits (here until the test releases it); the caller, the
    request that committed a booking, does not: the background sender waits instead."""
    settings.PMS_OUTBOX_KICK_WINDOW_S = 0.5
    services._kick_runs_at.clear()
    release, calls = threading.Event(), []

    def apply_async(self, args=None, kwargs=None, **options):
        calls.append(kwargs)
        release.wait(10)

    monkeypatch.setattr(type(publish_order_events._get_current_object()), "apply_async", apply_async)
    started = time.monotonic()
    _kick()
    took = time.monotonic() - started
    release.set()
    assert services._sender.flush(timeout=5)
    services._kick_runs_at.clear()
    assert took < 0.2
    assert calls == [{"schema_name": "t_alpha"}]
