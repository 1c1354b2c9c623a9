"""The night audit service: what it posts, marks, lists, counts and rolls, exactly once."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.common.errors import DomainError
from apps.folios import services as folio_services
from apps.folios.models import Folio, FolioTransaction
from apps.night_audit import services
from apps.night_audit.models import DailyStoreStats, NightAudit
from apps.night_audit.services import night_audit_run
from apps.orders.models import Order
from apps.orders.tests.factories import stay
from apps.rooms import inventory
from apps.rooms.models import RoomNight
from apps.rooms.tests.factories import RoomLockFactory
from apps.tenancy.business_day import business_date, business_day_roll, store_local_date
from apps.tenancy.models import Setting, StoreBusinessDay
from tests.fixtures import set_business_date

Status = Order.Status
Trigger = NightAudit.Trigger


def _room_nights(store, night=None):
    qs = FolioTransaction.objects.filter(store=store, transaction_type="charge", charge_type="room_night")
    if night is not None:
        qs = qs.filter(service_date=night)
    return qs


def test_posts_night_d_to_every_in_house_stay_at_the_locked_rate(store, rt, day, manager):
    a = stay(store, rt, 0, arrival=day, prices=["388.00", "420.00"])
    b = stay(store, rt, 1, arrival=day - timedelta(days=1), nights=3, prices=["300.00", "305.50", "310.00"])
    # not in the house: a confirmed stay of tonight (becomes a no-show), a future one, a cancelled one
    stay(store, rt, 2, arrival=day + timedelta(days=1), status=Status.CONFIRMED)
    stay(store, rt, 3, arrival=day, status=Status.CANCELLED)

    outcome = night_audit_run(store=store, trigger=Trigger.API, actor=manager)

    assert outcome.ran is True
    rows = {t.folio.order_id: t for t in _room_nights(store).select_related("folio")}
    assert set(rows) == {a.pk, b.pk}
    assert rows[a.pk].amount == Decimal("388.00") and rows[a.pk].service_date == day
    assert rows[b.pk].amount == Decimal("305.50") and rows[b.pk].service_date == day
    assert rows[a.pk].order_item.service_date == day and rows[a.pk].unit_price == Decimal("388.00")
    assert rows[a.pk].actor == manager
    # the ledger trigger kept the folio totals
    folio = Folio.objects.get(order=a, is_primary=True)
    assert (folio.total_charges, folio.balance) == (Decimal("388.00"), Decimal("388.00"))
    assert outcome.audit.room_charges_posted == Decimal("693.50")
    assert business_date(store=store) == day + timedelta(days=1)


def test_running_again_for_a_closed_day_posts_nothing(store, rt, day, manager):
    stay(store, rt, 0, arrival=day)
    first = night_audit_run(store=store, trigger=Trigger.BEAT)
    ledger_before = FolioTransaction.objects.count()

    again = night_audit_run(store=store, business_date=day, trigger=Trigger.API, actor=manager)

    assert again.ran is False
    assert again.audit.pk == first.audit.pk and again.audit.status == NightAudit.Status.DONE
    assert FolioTransaction.objects.count() == ledger_before
    assert business_date(store=store) == day + timedelta(days=1)
    assert NightAudit.objects.filter(store=store).count() == 1


def test_a_night_already_posted_is_not_posted_twice_and_a_voided_night_stays_voided(store, rt, day, manager):
    a = stay(store, rt, 0, arrival=day)
    b = stay(store, rt, 1, arrival=day)
    c = stay(store, rt, 2, arrival=day)
    folio_services.folio_post_room_night(order=a, night=day)  # posted at the desk before the audit
    voided = folio_services.folio_post_room_night(order=b, night=day)
    folio_services.folio_transaction_void(tx=voided, actor=manager, reason="complimentary night")

    outcome = night_audit_run(store=store, trigger=Trigger.BEAT)

    assert outcome.audit.counts["posted"] == 1
    assert outcome.audit.counts["already_posted"] == 2
    assert [p["order_id"] for p in outcome.audit.details["posted"]] == [c.pk]
    assert _room_nights(store, day).filter(transaction_type="charge").count() == 3
    assert Folio.objects.get(order=b).total_charges == Decimal("0.00")


def test_refuses_a_date_after_the_business_date_and_changes_nothing(store, rt, day, manager):
    stay(store, rt, 0, arrival=day)

    with pytest.raises(DomainError) as exc:
        night_audit_run(store=store, business_date=day + timedelta(days=1), trigger=Trigger.API, actor=manager)

    assert exc.value.code == "audit_date_in_future" and exc.value.status == 422
    assert exc.value.extra["current_business_date"] == day.isoformat()
    assert not NightAudit.objects.exists()
    assert not _room_nights(store).exists()
    assert business_date(store=store) == day


def test_refuses_to_close_the_calendar_day_before_its_audit_time(store, rt):
    today = store_local_date(store=store)
    set_business_date(store, today)  # default audit time 04:00: today's is due tomorrow morning

    with pytest.raises(DomainError) as exc:
        night_audit_run(store=store, trigger=Trigger.API)

    assert exc.value.code == "audit_day_not_over"
    assert business_date(store=store) == today and not NightAudit.objects.exists()


def test_a_closed_day_without_a_record_is_refused(store, day):
    set_business_date(store, day + timedelta(days=1))

    with pytest.raises(DomainError) as exc:
        night_audit_run(store=store, business_date=day - timedelta(days=3), trigger=Trigger.API)

    assert exc.value.code == "audit_date_closed"


def test_the_business_date_rolls_by_compare_and_set(store, day):
    assert StoreBusinessDay.objects.filter(store=store, business_date=day - timedelta(days=1)).update(
        business_date=day + timedelta(days=5)
    ) == 0  # a stale D changes nothing
    night_audit_run(store=store, trigger=Trigger.BEAT)
    assert business_date(store=store) == day + timedelta(days=1)
    with pytest.raises(RuntimeError):
        business_day_roll(store=store, day=day, now=None)  # D is gone: the CAS refuses


def test_no_shows_are_marked_with_policy_mark(store, rt, day):
    due = stay(store, rt, 0, arrival=day, status=Status.CONFIRMED)
    overdue = stay(store, rt, None, arrival=day - timedelta(days=1), nights=3, status=Status.CONFIRMED)
    tomorrow = stay(store, rt, 1, arrival=day + timedelta(days=1), status=Status.CONFIRMED)
    pending = stay(store, rt, 2, arrival=day, status=Status.PENDING_CONFIRMATION)

    outcome = night_audit_run(store=store, trigger=Trigger.BEAT)

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses[due.pk] == statuses[overdue.pk] == Status.NO_SHOW
    assert statuses[tomorrow.pk] == Status.CONFIRMED and statuses[pending.pk] == Status.PENDING_CONFIRMATION
    assert outcome.audit.counts["no_shows"] == 2
    assert {r["order_id"] for r in outcome.audit.details["no_shows"]} == {due.pk, overdue.pk}
    # their nights went back to sale
    assert not RoomNight.objects.filter(order_id__in=[due.pk, overdue.pk]).exists()
    assert not _room_nights(store).exists()


def test_no_shows_are_only_listed_with_policy_keep(store, rt, day):
    Setting.objects.create(store=store, group="audit", key="no_show_policy", value="keep")
    due = stay(store, rt, 0, arrival=day, status=Status.CONFIRMED)

    outcome = night_audit_run(store=store, trigger=Trigger.BEAT)

    assert Order.objects.get(pk=due.pk).status == Status.CONFIRMED
    assert outcome.audit.counts["no_shows"] == 0 and outcome.audit.counts["arrivals_pending"] == 1
    assert outcome.audit.details["arrivals_pending"][0]["order_id"] == due.pk
    assert outcome.audit.details["no_show_policy"] == "keep"


def test_departures_not_checked_out_are_listed_and_not_charged(store, rt, day):
    set_business_date(store, day - timedelta(days=1))
    leaving = stay(store, rt, 0, arrival=day - timedelta(days=1), nights=1)  # due out on D, still in the house
    set_business_date(store, day)

    outcome = night_audit_run(store=store, trigger=Trigger.BEAT)

    assert outcome.audit.counts["departures_pending"] == 1
    assert outcome.audit.details["departures_pending"] == [{"order_id": leaving.pk, "code": leaving.code}]
    assert not _room_nights(store, day).exists()


def test_a_complimentary_night_is_not_posted_and_is_listed(store, rt, day):
    comp = stay(store, rt, 0, arrival=day, prices=["0.00", "300.00"])

    outcome = night_audit_run(store=store, trigger=Trigger.BEAT)

    assert outcome.audit.counts["zero_rate"] == 1 and outcome.audit.counts["posted"] == 0
    assert outcome.audit.details["not_posted"] == [{"order_id": comp.pk, "code": comp.code, "reason": "zero_rate"}]


def test_daily_stats_row(store, rt, day):
    a = stay(store, rt, 0, arrival=day, prices=["400.00", "400.00"])
    stay(store, rt, 1, arrival=day - timedelta(days=1), nights=2, prices=["250.00", "260.00"])
    no_show = stay(store, rt, 2, arrival=day, status=Status.CONFIRMED)  # no-show: charged its first night (300.00)
    lock = RoomLockFactory(room=rt.rooms_list[5], start_date=day, end_date=day + timedelta(days=1))
    inventory.hold_lock(store_id=store.pk, lock_id=lock.pk, room=rt.rooms_list[5], nights=[day])
    folio = folio_services.folio_primary_for_order(order=a)
    folio_services.folio_post_charge(folio=folio, actor=None, description="Minibar", unit_price=Decimal("45.00"))

    night_audit_run(store=store, trigger=Trigger.BEAT)

    stats = DailyStoreStats.objects.get(store=store, date=day)
    assert (stats.rooms_total, stats.rooms_out_of_order, stats.rooms_available, stats.rooms_sold) == (6, 1, 5, 2)
    assert stats.room_revenue == Decimal("660.00")
    assert stats.other_revenue == Decimal("345.00")  # the minibar and the no-show fee, both dated D
    no_show.refresh_from_db()
    assert (no_show.status, no_show.total_amount, no_show.due_amount) == (Status.NO_SHOW, Decimal("300.00"), Decimal("300.00"))
    fee = FolioTransaction.objects.get(folio__order=no_show)
    assert (fee.charge_type, fee.amount, fee.business_date) == ("manual", Decimal("300.00"), day)
    assert (stats.arrivals, stats.departures, stats.no_shows) == (1, 0, 1)
    assert stats.occupancy == Decimal("0.4000")


def test_audit_record_contents(store, rt, day, manager):
    a = stay(store, rt, 0, arrival=day)

    outcome = night_audit_run(store=store, trigger=Trigger.API, actor=manager)

    audit = NightAudit.objects.get(pk=outcome.audit.pk)
    assert (audit.business_date, audit.status, audit.trigger, audit.triggered_by) == (day, "done", "api", manager)
    assert audit.attempts == 1 and audit.finished_at is not None and audit.duration_ms is not None
    assert audit.counts == {
        "in_house": 1, "posted": 1, "already_posted": 0, "zero_rate": 0, "folio_closed": 0, "no_line": 0,
        "folios_opened": 1, "no_shows": 0, "no_show_refused": 0, "arrivals_pending": 0, "departures_pending": 0, "member_stays": 0,
        "amount_too_large": 0, "folio_limit_exceeded": 0, "posting_refused": 0, "not_posted": 0,
    }
    posted = audit.details["posted"]
    assert posted == [{"order_id": a.pk, "code": a.code, "transaction_id": posted[0]["transaction_id"], "amount": "300.00"}]
    assert audit.room_charges_posted == Decimal("300.00") and audit.last_error == ""


def test_a_failed_attempt_leaves_nothing_and_the_next_one_completes(store, rt, day, monkeypatch):
    a = stay(store, rt, 0, arrival=day)
    no_show = stay(store, rt, 1, arrival=day, status=Status.CONFIRMED)

    def boom(**kwargs):
        raise RuntimeError("disk full")

    original = services.folio_post_room_nights
    monkeypatch.setattr(services, "folio_post_room_nights", boom)
    with pytest.raises(RuntimeError):
        night_audit_run(store=store, trigger=Trigger.BEAT)

    audit = NightAudit.objects.get(store=store, business_date=day)
    assert audit.status == "failed" and "disk full" in audit.last_error
    assert Order.objects.get(pk=no_show.pk).status == Status.CONFIRMED  # the no-show was rolled back too
    assert not _room_nights(store).exists() and business_date(store=store) == day
    assert not DailyStoreStats.objects.exists()

    monkeypatch.setattr(services, "folio_post_room_nights", original)
    outcome = night_audit_run(store=store, trigger=Trigger.BEAT)

    assert outcome.ran and outcome.audit.status == "done" and outcome.audit.attempts == 2
    assert _room_nights(store, day).get().folio.order_id == a.pk
    assert Order.objects.get(pk=no_show.pk).status == Status.NO_SHOW
