"""Writes of reports: the night audit that closes a store's business day.

The audit of store S for business date D, in one transaction that holds S's
business-day row lock (``SELECT ... FOR UPDATE SKIP LOCKED``: a second audit of S at the
same time sees the day taken and leaves):

1. lock the orders concerned (in the house on night D, or confirmed and due by D), by pk;
2. no-shows: confirmed orders due by D that have not arrived become ``no_show`` through
   ``apps.orders.services.order_mark_no_show`` (policy ``mark``; ``keep`` lists them);
3. room charges of night D for every stay in the house, at the night's locked rate,
   dated business day D (``apps.folios.services.folio_post_room_nights``: one per folio
   and night by the ledger's unique index);
4. departures due by D still in the house are listed (not charged for night D);
5. the store's audit gate is closed (``audit_gate_close``: postings in flight finish,
   new ones wait for the commit and then read D + 1), and the day's figures are added up
   (``DailyStoreStats``, upsert on ``(store, date)``; other revenue is the ledger rows
   dated business day D);
6. the business date rolls to D + 1 (compare-and-set on D);
7. the ``NightAudit`` row of (S, D) becomes ``done`` with counts, totals and duration.

Nothing of an attempt is visible until it commits, so an attempt killed half-way leaves
nothing behind but its ``running`` row, and the next attempt does the whole day again.
Every step is idempotent by a database key besides: see docs/night_audit.md.
"""
from __future__ import annotations

import logging
import os
import time as systime
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.reports.error_codes import ReportsErrorCode
from apps.reports.models import NightAudit, StoreBusinessDay
from apps.folios.services import folio_post_room_nights
from apps.reports.selectors import (
    NO_SHOW_MARK, audit_due_at, audit_gate_close, audit_settings, business_day_get, store_local_today,
)
from apps.tenancy.models import Store

logger = logging.getLogger(__name__)

IN_HOUSE = ("checked_in", "extended")
# Test hook (integration tests only): the first attempt that finds this file missing
# creates it with its pid and sleeps inside the audit transaction, so a test can kill it.
PAUSE_FILE_ENV = "PMS_AUDIT_TEST_PAUSE_FILE"


@dataclass(frozen=True)
class AuditOutcome:
    audit: NightAudit
    # True if this call closed the day; False if it found it closed or being closed.
    ran: bool


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _future(day: date, current: date, today: date) -> DomainError:
    return DomainError(
        ReportsErrorCode.AUDIT_DATE_IN_FUTURE,
        _("The business day %(date)s is not open yet: the open business date is %(current)s.")
        % {"date": day.isoformat(), "current": current.isoformat()},
        extra={"business_date": day.isoformat(), "current_business_date": current.isoformat(), "local_date": today.isoformat()},
        status=422,
    )


def _attempt_started(*, store: Store, day: date, trigger: str, actor) -> None:
    """Record (and commit) that an attempt on ``day`` started: the row is created
    ``running``, or an earlier ``running`` / ``failed`` row counts one more attempt."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reports_nightaudit
                (store_id, business_date, status, trigger, triggered_by_id, attempts, started_at, last_attempt_at,
                 currency, room_charges_posted, counts, details, last_error)
            VALUES (%s, %s, 'running', %s, %s, 1, %s, %s, %s, 0, '{}', '{}', '')
            ON CONFLICT (store_id, business_date) DO UPDATE
               SET attempts = reports_nightaudit.attempts + 1,
                   last_attempt_at = EXCLUDED.last_attempt_at,
                   status = CASE WHEN reports_nightaudit.status = 'done' THEN 'done' ELSE 'running' END
            """,
            [store.pk, day, trigger, getattr(_user(actor), "pk", None), now, now, store.currency],
        )


def _attempt_failed(*, store: Store, day: date, error: BaseException) -> None:
    with transaction.atomic():
        NightAudit.objects.filter(store=store, business_date=day).exclude(status=NightAudit.Status.DONE).update(
            status=NightAudit.Status.FAILED, last_error=f"{type(error).__name__}: {error}"[:2000]
        )


def _pause_for_tests() -> None:
    path = os.environ.get(PAUSE_FILE_ENV)
    if not path:
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return  # a later attempt: carry on
    with os.fdopen(fd, "w") as f:
        f.write(str(os.getpid()))
    Path(path + ".ready").touch()
    systime.sleep(float(os.environ.get("PMS_AUDIT_TEST_PAUSE_SECONDS", "120")))


def _lock_orders(store: Store, day: date) -> tuple[list[int], list[tuple[int, str, date]], list[int], dict[int, str]]:
    """Lock every order the audit of ``day`` may touch, by pk (the global lock order);
    returns (in the house on night ``day``, confirmed and due by ``day`` as (id, code,
    arrival), due out by ``day`` and still in the house, every code)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, code, status, arrival, departure FROM orders_order
             WHERE store_id = %(s)s AND status IN ('checked_in', 'extended', 'confirmed') AND arrival <= %(d)s
             ORDER BY id
               FOR NO KEY UPDATE
            """,
            {"s": store.pk, "d": day},
        )
        rows = cursor.fetchall()
    in_house = [oid for oid, _c, status, _a, departure in rows if status in IN_HOUSE and departure > day]
    due_out = [oid for oid, _c, status, _a, departure in rows if status in IN_HOUSE and departure <= day]
    confirmed = [(oid, code, arrival) for oid, code, status, arrival, _d in rows if status == "confirmed"]
    return in_house, confirmed, due_out, {oid: code for oid, code, *_rest in rows}


def _no_shows(store: Store, orders: list[tuple[int, str, date]], policy: str, actor) -> tuple[list[dict], list[dict], list[dict]]:
    """Mark the confirmed orders due by the audited day as no-shows (policy ``mark``), each
    in a savepoint through orders' own transition; returns (marked, refused, kept)."""
    from apps.orders.models import Order
    from apps.orders.services import order_mark_no_show

    marked, refused, kept = [], [], []
    for oid, code, arrival in orders:
        row = {"order_id": oid, "code": code, "arrival": arrival.isoformat()}
        if policy != NO_SHOW_MARK:
            kept.append(row)
            continue
        try:
            with transaction.atomic():
                order_mark_no_show(order=Order(pk=oid, store_id=store.pk), actor=actor)  # it locks and reads the row
            marked.append(row)
        except DomainError as exc:
            refused.append({**row, "code_refused": exc.code})
    return marked, refused, kept


_STATS_SQL = """
    SELECT
      (SELECT count(*) FROM rooms_room r WHERE r.store_id = %(s)s AND r.is_active),
      (SELECT count(DISTINCT rn.room_id) FROM rooms_roomnight rn JOIN rooms_room r ON r.id = rn.room_id AND r.is_active
        WHERE rn.store_id = %(s)s AND rn.night = %(d)s AND rn.kind = 'lock'),
      (SELECT count(*) FROM orders_order o WHERE o.store_id = %(s)s
          AND o.status IN ('checked_in', 'extended', 'checked_out') AND o.arrival <= %(d)s AND o.departure > %(d)s),
      (SELECT coalesce(sum(t.amount), 0) FROM folios_foliotransaction t
        WHERE t.store_id = %(s)s AND t.posts_to = 'charges' AND t.charge_type = 'room_night' AND t.service_date = %(d)s),
      (SELECT coalesce(sum(t.amount), 0) FROM folios_foliotransaction t
        WHERE t.store_id = %(s)s AND t.posts_to = 'charges' AND t.charge_type IN ('extra', 'manual')
          AND t.business_date = %(d)s),
      (SELECT count(*) FROM orders_order o WHERE o.store_id = %(s)s
          AND o.status IN ('checked_in', 'extended', 'checked_out') AND o.arrival = %(d)s),
      (SELECT count(*) FROM orders_order o WHERE o.store_id = %(s)s AND o.status = 'checked_out' AND o.departure = %(d)s),
      (SELECT count(*) FROM orders_order o WHERE o.store_id = %(s)s AND o.status = 'no_show' AND o.arrival = %(d)s)
"""


def _daily_stats(store: Store, day: date, now) -> None:
    """Compute and upsert the figures of ``day`` in one statement (reads rooms, orders and
    the folio ledger by SQL, as reports do). A resumed audit writes the same row again."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO reports_dailystorestats
                (store_id, date, rooms_total, rooms_out_of_order, rooms_available, rooms_sold, room_revenue, other_revenue,
                 arrivals, departures, no_shows, currency, computed_at)
            SELECT %(s)s, %(d)s, f.total, f.ooo, f.total - f.ooo, f.sold, f.room_rev, f.other_rev, f.arrivals, f.departures,
                   f.no_shows, %(currency)s, %(now)s
              FROM ({_STATS_SQL}) AS f(total, ooo, sold, room_rev, other_rev, arrivals, departures, no_shows)
            ON CONFLICT (store_id, date) DO UPDATE SET
                rooms_total = EXCLUDED.rooms_total, rooms_out_of_order = EXCLUDED.rooms_out_of_order,
                rooms_available = EXCLUDED.rooms_available, rooms_sold = EXCLUDED.rooms_sold,
                room_revenue = EXCLUDED.room_revenue, other_revenue = EXCLUDED.other_revenue, arrivals = EXCLUDED.arrivals,
                departures = EXCLUDED.departures, no_shows = EXCLUDED.no_shows, currency = EXCLUDED.currency,
                computed_at = EXCLUDED.computed_at
            """,
            {"s": store.pk, "d": day, "now": now, "currency": store.currency},
        )


def _roll(store: Store, day: date, now) -> None:
    """Compare-and-set of the business date: D -> D + 1 only if it is still D."""
    rolled = StoreBusinessDay.objects.filter(store_id=store.pk, business_date=day).update(
        business_date=day + timedelta(days=1), opened_at=now
    )
    if rolled != 1:  # cannot happen while we hold the row lock; refuse rather than guess
        raise RuntimeError(f"business date of store {store.pk} moved away from {day} during its audit")


def night_audit_run(*, store: Store, business_date: date | None = None, trigger: str, actor=None) -> AuditOutcome:
    """Close the business day ``business_date`` (default: the open one) of ``store``.

    - the open day: closes it (``ran=True``), or, if another audit of the store is
      closing it right now, answers 409 ``audit_in_progress``;
    - an earlier, closed day: posts nothing and returns its record (``ran=False``);
      409 ``audit_date_closed`` if it was closed before audits were recorded;
    - a later day, or one that has not begun in the store's time zone: 422
      ``audit_date_in_future``;
    - the store's calendar day itself before its audit time: 409 ``audit_day_not_over``.
    """
    day_row = business_day_get(store=store)
    current = day_row.business_date
    day = business_date or current
    now = timezone.now()
    today = store_local_today(store=store, now=now)
    if day > current or day > today:
        raise _future(day, current, today)
    if day < current:
        return _closed(store, day)
    conf = audit_settings(store=store)
    due_at = audit_due_at(store=store, business_date=day, audit_time=conf.audit_time)
    if day == today and now < due_at:
        # Closing a calendar day that is still going on would move the business date
        # ahead of the wall clock (tonight's arrivals could no longer check in).
        raise DomainError(
            ReportsErrorCode.AUDIT_DAY_NOT_OVER,
            _("The business day %(date)s is not over yet: its audit is due at %(due)s.")
            % {"date": day.isoformat(), "due": due_at.strftime("%Y-%m-%d %H:%M")},
            extra={"business_date": day.isoformat(), "due_at": due_at.isoformat()},
        )

    _attempt_started(store=store, day=day, trigger=trigger, actor=actor)
    started = systime.perf_counter()
    try:
        with transaction.atomic():
            locked = StoreBusinessDay.objects.select_for_update(skip_locked=True).filter(store_id=store.pk).first()
            if locked is None:
                raise DomainError(
                    ReportsErrorCode.AUDIT_IN_PROGRESS,
                    _("The night audit of %(date)s is running right now.") % {"date": day.isoformat()},
                    extra={"business_date": day.isoformat()},
                )
            if locked.business_date != day:  # closed by another attempt since we read it
                return _closed(store, day)
            audit = _work(store, day, conf, trigger=trigger, actor=actor, started=started)
    except DomainError as exc:
        if exc.code != ReportsErrorCode.AUDIT_IN_PROGRESS:
            _attempt_failed(store=store, day=day, error=exc)
        raise
    except Exception as exc:
        _attempt_failed(store=store, day=day, error=exc)
        raise
    logger.info(
        "night_audit.done",
        extra={"store_id": store.pk, "business_date": day.isoformat(), "trigger": trigger, "posted": audit.counts.get("posted"),
               "duration_ms": audit.duration_ms},
    )
    return AuditOutcome(audit, True)


def _closed(store: Store, day: date) -> AuditOutcome:
    audit = NightAudit.objects.filter(store=store, business_date=day, status=NightAudit.Status.DONE).first()
    if audit is None:
        raise DomainError(
            ReportsErrorCode.AUDIT_DATE_CLOSED,
            _("The business day %(date)s was closed without a night audit record.") % {"date": day.isoformat()},
            extra={"business_date": day.isoformat()},
        )
    return AuditOutcome(audit, False)


def _work(store: Store, day: date, conf, *, trigger: str, actor, started: float) -> NightAudit:
    """Steps 1-7 inside the caller's transaction (which holds the business-day lock)."""
    in_house, confirmed, due_out, codes = _lock_orders(store, day)
    _pause_for_tests()
    marked, refused, kept = _no_shows(store, confirmed, conf.no_show_policy, actor)
    posting = folio_post_room_nights(store_id=store.pk, night=day, order_ids=in_house, actor=actor)
    audit_gate_close(store_id=store.pk)
    now = timezone.now()
    _daily_stats(store, day, now)
    _roll(store, day, now)

    counts = {
        "in_house": len(in_house), "posted": len(posting.posted), "already_posted": len(posting.already_posted),
        "zero_rate": len(posting.zero_rate), "folio_closed": len(posting.folio_closed), "no_line": len(posting.no_line),
        "folios_opened": posting.folios_opened, "no_shows": len(marked), "no_show_refused": len(refused),
        "arrivals_pending": len(kept), "departures_pending": len(due_out),
    }
    details = {
        "posted": [{"order_id": o, "code": codes.get(o, ""), "transaction_id": t, "amount": str(a)} for o, t, a in posting.posted],
        "already_posted": [{"order_id": o, "code": codes.get(o, "")} for o in posting.already_posted],
        "not_posted": [
            {"order_id": o, "code": codes.get(o, ""), "reason": reason}
            for reason, ids in (("zero_rate", posting.zero_rate), ("folio_closed", posting.folio_closed), ("no_line", posting.no_line))
            for o in ids
        ],
        "no_shows": marked, "no_show_refused": refused, "arrivals_pending": kept,
        "departures_pending": [{"order_id": o, "code": codes.get(o, "")} for o in due_out],
        "no_show_policy": conf.no_show_policy,
    }
    duration_ms = int((systime.perf_counter() - started) * 1000)
    NightAudit.objects.filter(store=store, business_date=day).update(
        status=NightAudit.Status.DONE, trigger=trigger, triggered_by=_user(actor), finished_at=now, duration_ms=duration_ms,
        room_charges_posted=posting.total, counts=counts, details=details, last_error="", currency=store.currency,
    )
    return NightAudit.objects.get(store=store, business_date=day)
