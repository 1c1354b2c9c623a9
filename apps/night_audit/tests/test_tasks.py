"""The audit task (eager), the beat dispatcher and the single-scheduler guard."""
from __future__ import annotations

import uuid
from datetime import timedelta

from apps.common.tasks import beat_slot_lock, tenant_task
from apps.folios.models import FolioTransaction
from apps.night_audit import tasks
from apps.night_audit.models import NightAudit
from apps.orders.tests.factories import stay
from apps.tenancy.business_day import business_date, store_local_date
from tests.fixtures import set_business_date


def test_task_runs_in_the_tenant_named_by_schema_name(store, rt, day, world):
    a = stay(store, rt, 0, arrival=day)
    result = tasks.night_audit.delay(schema_name=world.alpha.tenant.schema_name, store_id=store.pk,
                                     business_date=day.isoformat()).get()
    assert result == {"store_id": store.pk, "business_date": day.isoformat(), "ran": True, "status": "done"}
    assert FolioTransaction.objects.filter(folio__order=a, service_date=day).count() == 1


def test_task_delivered_twice_posts_once(store, rt, day, world):
    stay(store, rt, 0, arrival=day)
    stay(store, rt, 1, arrival=day)
    kwargs = {"schema_name": world.alpha.tenant.schema_name, "store_id": store.pk, "business_date": day.isoformat()}
    first = tasks.night_audit.delay(**kwargs).get()
    second = tasks.night_audit.delay(**kwargs).get()
    assert first["ran"] is True and second["ran"] is False
    assert FolioTransaction.objects.filter(store=store, charge_type="room_night").count() == 2
    assert NightAudit.objects.get(store=store).attempts == 1  # the second found the day closed before trying


def test_task_for_a_gone_tenant_or_store_returns_quietly(store, world):
    assert tasks.night_audit.delay(schema_name="t_nobody", store_id=store.pk).get() is None
    assert tasks.night_audit.delay(schema_name=world.alpha.tenant.schema_name, store_id=999999).get() is None


def test_task_refusals_are_quiet(store, world):
    set_business_date(store, store_local_date(store=store))  # today: not over yet
    result = tasks.night_audit.delay(schema_name=world.alpha.tenant.schema_name, store_id=store.pk).get()
    assert result["skipped"] == "audit_day_not_over"


def test_dispatcher_closes_every_day_a_store_is_behind(store, rt, world, monkeypatch, store_noon):
    monkeypatch.setattr(tasks, "beat_slot_lock", lambda name, period: True)
    today = store_local_date(store=store)
    set_business_date(store, today - timedelta(days=3))
    a = stay(store, rt, 0, arrival=today - timedelta(days=3), nights=5)

    queued = tasks.dispatch_night_audits()

    assert queued >= 1
    dates = list(NightAudit.objects.filter(store=store).order_by("business_date").values_list("business_date", "status", "trigger"))
    assert dates == [(today - timedelta(days=n), "done", "beat") for n in (3, 2, 1)]
    assert business_date(store=store) == today
    assert FolioTransaction.objects.filter(folio__order=a).count() == 3
    # nothing due any more
    assert tasks.dispatch_night_audits() == 0


def test_only_the_first_scheduler_of_a_period_dispatches():
    name = f"test-{uuid.uuid4().hex}"
    assert beat_slot_lock(name, 300) is True
    assert beat_slot_lock(name, 300) is False
    assert beat_slot_lock(name + "-other", 300) is True


def test_second_beat_dispatches_nothing(store, world, monkeypatch, store_noon):
    taken = set()

    def lock(name, period):
        first = name not in taken
        taken.add(name)
        return first

    monkeypatch.setattr(tasks, "beat_slot_lock", lock)
    set_business_date(store, store_local_date(store=store) - timedelta(days=1))
    assert tasks.dispatch_night_audits() == 1
    assert tasks.dispatch_night_audits() == 0


@tenant_task(name="tests.schema_probe")
def _schema_probe(task, *, marker: str):
    from django.db import connection

    return connection.schema_name, marker


def test_tenant_task_switches_schema_and_back(world):
    from django.db import connection

    connection.set_schema_to_public()
    assert _schema_probe.delay(schema_name=world.beta.tenant.schema_name, marker="x").get() == (world.beta.tenant.schema_name, "x")
    assert connection.schema_name == "public"


def test_a_delivery_that_finds_the_day_held_tries_again_and_closes_it(store, rt, day, world, monkeypatch):
    """The day held by another attempt (here: the first look finds it taken, as when the
    worker that held it was just killed and PostgreSQL has not ended its session yet):
    the delivery is not dropped as "skipped" but retried, and the retry closes the day."""
    from apps.night_audit import services

    a = stay(store, rt, 0, arrival=day)
    hold, looks = services.business_day_hold, []

    def held_at_first(*, store):
        looks.append(1)
        return None if len(looks) == 1 else hold(store=store)

    monkeypatch.setattr(services, "business_day_hold", held_at_first)
    result = tasks.night_audit.apply(kwargs={"schema_name": world.alpha.tenant.schema_name, "store_id": store.pk,
                                             "business_date": day.isoformat()}).get()

    assert result == {"store_id": store.pk, "business_date": day.isoformat(), "ran": True, "status": "done"}
    assert len(looks) == 2
    assert FolioTransaction.objects.filter(folio__order=a, service_date=day).count() == 1
    assert business_date(store=store) == day + timedelta(days=1)
    assert NightAudit.objects.get(store=store).attempts == 2
