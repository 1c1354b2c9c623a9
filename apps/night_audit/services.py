"""The night audit: the process that closes a store's business day.

The audit of store S for business date D, in one transaction that holds S's
business-day row (``apps.tenancy.business_day.business_day_hold``: a second audit of S
at the same time sees the day taken and leaves):

1. lock the orders concerned (in the house on night D, or confirmed and due by D), by pk
   (``apps.orders.services.orders_lock_for_audit``);
2. no-shows: confirmed orders due by D that have not arrived become ``no_show`` through
   ``apps.orders.services.order_mark_no_show`` (policy ``mark``; ``keep`` lists them),
   each charged the no-show fee of the terms it was booked under
   (``apps.folios.services.folio_fee_settlement``, dated business day D);
3. room charges of night D for every stay in the house, at the night's locked rate,
   dated business day D (``apps.folios.services.folio_post_room_nights``: one per folio
   and night by the ledger's unique index); a folio that cannot take its night (past a
   limit of ``apps.common.money``, or refused by the database) is left out and listed
   under ``not_posted``, and the rest of the store posts;
4. departures due by D still in the house are listed (not charged for night D);
5. the store's audit gate is closed (``business_day_gate_close``: postings in flight
   finish, new ones wait for the commit and then read D + 1), and the day's figures are
   added up from the selectors of rooms, orders and folios (``DailyStoreStats``, upsert
   on ``(store, date)``; other revenue is the ledger rows dated business day D);
6. the business date rolls to D + 1 (``business_day_roll``, compare-and-set on D);
7. the ``NightAudit`` row of (S, D) becomes ``done`` with counts, totals and duration.

Every lock wait of the attempt is bounded (``SET LOCAL lock_timeout``,
``PMS_AUDIT_LOCK_TIMEOUT_MS``): a lock held longer ends the attempt cleanly with
``audit_lock_timeout`` (recorded ``failed``; the task tries again) instead of hanging.

Nothing of an attempt is visible until it commits, so an attempt killed half-way leaves
nothing behind but its ``running`` row, and the next attempt does the whole day again.
The claim (the row lock) is a lease: PostgreSQL ends the session of a worker that is gone
within seconds (``_LEASE_SQL``), and the task retries an ``audit_in_progress`` refusal
until the day is closed, by it or by the attempt that held it.
Every step is idempotent by a database key besides: see docs/night_audit.md.
"""
from __future__ import annotations

import logging
import time as systime
from dataclasses import dataclass
from datetime import date

import psycopg
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common import metrics
from apps.common.errors import DomainError
from apps.folios.figures import revenue_of_day
from apps.folios.services import ROOM_NIGHT_REFUSALS, folio_fee_settlement, folio_post_room_nights
from apps.members.services import members_count_checked_out
from apps.night_audit.error_codes import NightAuditErrorCode
from apps.night_audit.models import DailyStoreStats, NightAudit
from apps.night_audit.selectors import NO_SHOW_MARK, audit_due_at, audit_settings
from apps.orders.figures import stay_counts_of_night
from apps.orders.models import Order
from apps.orders.policy import FeeKind
from apps.orders.services import order_mark_no_show, orders_lock_for_audit
from apps.rooms.figures import rooms_out_of_order_count
from apps.tenancy.business_day import (
    business_day_gate_close,
    business_day_get,
    business_day_hold,
    business_day_roll,
    store_local_date,
)
from apps.tenancy.models import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditOutcome:
    audit: NightAudit
    # True if this call closed the day; False if it found it closed or being closed.
    ran: bool


class AuditLockTimeout(DomainError):
    """A lock the audit needed (an order a clerk was writing, the audit gate) was held past
    ``PMS_AUDIT_LOCK_TIMEOUT_MS``: the attempt rolled back, nothing was done. 409
    ``audit_lock_timeout``; the Celery task retries it."""


# What the desk reads for each reason a night was not posted (the audit's details keep the code).
def not_posted_labels() -> dict[str, str]:
    return {
        "zero_rate": _("Zero rate (complimentary)"),
        "folio_closed": _("Folio closed"),
        "no_line": _("No room-night line"),
        "amount_too_large": _("Above the maximum of one posting"),
        "folio_limit_exceeded": _("The folio is at its limit"),
        "posting_refused": _("Refused by the database"),
    }


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _future(day: date, current: date, today: date) -> DomainError:
    if day > current:  # a later day than the open one
        message = _("The business day %(date)s is not open yet: the open business date is %(current)s.") % {
            "date": day.isoformat(), "current": current.isoformat()}
    else:  # the open day itself, which has not begun on the store's calendar (an early audit rolled to it)
        message = _("The business day %(date)s has not begun yet: it is still %(today)s in the store's time zone.") % {
            "date": day.isoformat(), "today": today.isoformat()}
    return DomainError(
        NightAuditErrorCode.AUDIT_DATE_IN_FUTURE,
        message,
        extra={"business_date": day.isoformat(), "current_business_date": current.isoformat(), "local_date": today.isoformat()},
        status=422,
    )


# Created ``running``, or one more attempt on an existing row (a ``done`` one stays done).
_ATTEMPT_SQL = """
    INSERT INTO reports_nightaudit
        (store_id, business_date, status, trigger, triggered_by_id, attempts, started_at, last_attempt_at,
         currency, room_charges_posted, counts, details, last_error)
    VALUES (%s, %s, 'running', %s, %s, 1, %s, %s, %s, 0, '{}', '{}', '')
    ON CONFLICT (store_id, business_date) DO UPDATE
       SET attempts = reports_nightaudit.attempts + 1,
           last_attempt_at = EXCLUDED.last_attempt_at,
           status = CASE WHEN reports_nightaudit.status = 'done' THEN 'done' ELSE 'running' END
"""


def _attempt_started(*, store: Store, day: date, trigger: str, actor) -> None:
    """Record (and commit) that an attempt on ``day`` started: the row is created
    ``running``, or an earlier ``running`` / ``failed`` row counts one more attempt. One
    statement on the audit's own table (``NightAudit``), an upsert the ORM cannot say."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_ATTEMPT_SQL, [store.pk, day, trigger, getattr(_user(actor), "pk", None), now, now, store.currency])


def _attempt_failed(*, store: Store, day: date, error: BaseException) -> None:
    label = error.code if isinstance(error, DomainError) else type(error).__name__
    metrics.night_audit_finished(status="failed")
    with transaction.atomic():
        NightAudit.objects.filter(store=store, business_date=day).exclude(status=NightAudit.Status.DONE).update(
            status=NightAudit.Status.FAILED, last_error=f"{label}: {error}"[:2000]
        )


def _lock_timeout_set(value: str) -> str:
    """``SET LOCAL lock_timeout`` (to the end of the transaction); returns the value before.
    The web processes' ``statement_timeout`` (``PMS_WEB_STATEMENT_TIMEOUT_MS``) is off for
    the audit's transaction in the same statement: an audit run from a page or the API
    takes as long as it needs, as in a worker."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true), "
            "set_config('statement_timeout', '0', true)", [value],
        )
        return cursor.fetchone()[0]


# The audit's claim on a day is its transaction's lock on the store's business-day row
# (and, near its end, the audit gate): a lock of the PostgreSQL session, released when
# the session ends. These make the session end soon after its worker is gone, so that
# the claim is a lease and the retry can take the day:
# - killed while PostgreSQL runs one of its statements (a worker process killed with
#   SIGKILL, a host gone): the backend checks its client's socket every second and ends
#   (without the check it went on to the end of the statement and then waited for the
#   next one, holding the day and the store's postings);
# - frozen or killed while idle in its transaction (the worker between two statements):
#   the session is ended after ``PMS_AUDIT_LEASE_SECONDS`` of silence;
# - the network gone without a word (no FIN, no RST): TCP keepalives end it.
# SET LOCAL: they end with the audit's transaction.
_LEASE_SQL = """
    SELECT set_config('client_connection_check_interval', '1000', true),
           set_config('idle_in_transaction_session_timeout', %s, true),
           set_config('tcp_keepalives_idle', '30', true),
           set_config('tcp_keepalives_interval', '5', true),
           set_config('tcp_keepalives_count', '3', true)
"""


def _lease_set() -> None:
    with connection.cursor() as cursor:
        cursor.execute(_LEASE_SQL, [f"{settings.PMS_AUDIT_LEASE_SECONDS * 1000}"])


def _no_shows(store: Store, orders: list, policy: str, actor) -> tuple[list[dict], list[dict], list[dict]]:
    """Mark the confirmed orders due by the audited day as no-shows (policy ``mark``), each
    in a savepoint through orders' own transition; returns (marked, refused, kept)."""
    marked, refused, kept = [], [], []
    for order in orders:
        row = {"order_id": order.pk, "code": order.code, "arrival": order.arrival.isoformat()}
        if policy != NO_SHOW_MARK:
            kept.append(row)
            continue
        try:
            with transaction.atomic():
                fee: dict = {}
                # it locks and reads the row again; the fee of the order's terms is charged
                order_mark_no_show(order=order, actor=actor,
                                   settle=folio_fee_settlement(FeeKind.NO_SHOW, actor=actor, charged=fee))
            marked.append({**row, "fee": fee.get("amount", "0.00")})
        except DomainError as exc:
            refused.append({**row, "code_refused": exc.code})
    return marked, refused, kept


def _daily_stats(store: Store, day: date, now) -> None:
    """Add up the figures of ``day`` from the apps that own them and upsert them (a
    resumed audit writes the same row again): three reads and one ``INSERT ... ON
    CONFLICT DO UPDATE``."""
    rooms_total, out_of_order = rooms_out_of_order_count(store=store, night=day)
    stays = stay_counts_of_night(store=store, night=day)
    revenue = revenue_of_day(store=store, day=day)
    values = {
        "rooms_total": rooms_total, "rooms_out_of_order": out_of_order, "rooms_available": rooms_total - out_of_order,
        "rooms_sold": stays.sold, "room_revenue": revenue.rooms, "other_revenue": revenue.other,
        "arrivals": stays.arrivals, "departures": stays.departures, "no_shows": stays.no_shows,
        "currency": store.currency, "computed_at": now,
    }
    DailyStoreStats.objects.bulk_create(
        [DailyStoreStats(store=store, date=day, **values)],
        update_conflicts=True, unique_fields=["store", "date"], update_fields=list(values),
    )


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
    current = business_day_get(store=store).business_date
    day = business_date or current
    now = timezone.now()
    today = store_local_date(store=store, now=now)
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
            NightAuditErrorCode.AUDIT_DAY_NOT_OVER,
            _("The business day %(date)s is not over yet: its audit is due at %(due)s.")
            % {"date": day.isoformat(), "due": due_at.strftime("%Y-%m-%d %H:%M")},
            extra={"business_date": day.isoformat(), "due_at": due_at.isoformat()},
        )

    _attempt_started(store=store, day=day, trigger=trigger, actor=actor)
    started = systime.perf_counter()
    nested = connection.in_atomic_block
    try:
        with transaction.atomic():
            previous_timeout = _lock_timeout_set(f"{settings.PMS_AUDIT_LOCK_TIMEOUT_MS}ms")
            if not nested:  # in a caller's transaction the settings would outlive the audit
                _lease_set()
            locked = business_day_hold(store=store)
            if locked is None:
                raise DomainError(
                    NightAuditErrorCode.AUDIT_IN_PROGRESS,
                    _("The night audit of %(date)s is running right now.") % {"date": day.isoformat()},
                    extra={"business_date": day.isoformat()},
                )
            # closed by another attempt since we read it: answered below, after the transaction
            audit = _work(store, day, conf, trigger=trigger, actor=actor, started=started) if locked.business_date == day else None
            if nested:  # SET LOCAL would outlive the audit in the caller's transaction
                _lock_timeout_set(previous_timeout)
        if audit is None:
            return _closed(store, day)
    except DomainError as exc:
        if exc.code != NightAuditErrorCode.AUDIT_IN_PROGRESS:
            _attempt_failed(store=store, day=day, error=exc)
        raise
    except OperationalError as exc:
        if not isinstance(exc.__cause__, psycopg.errors.LockNotAvailable):
            _attempt_failed(store=store, day=day, error=exc)
            raise
        refusal = AuditLockTimeout(
            NightAuditErrorCode.AUDIT_LOCK_TIMEOUT,
            _("The night audit of %(date)s waited too long for a lock (a posting in progress); nothing was done, "
              "try again.") % {"date": day.isoformat()},
            extra={"business_date": day.isoformat(), "lock_timeout_ms": settings.PMS_AUDIT_LOCK_TIMEOUT_MS},
        )
        _attempt_failed(store=store, day=day, error=refusal)
        logger.warning("night_audit.lock_timeout", extra={"store_id": store.pk, "business_date": day.isoformat()})
        raise refusal from exc
    except Exception as exc:
        _attempt_failed(store=store, day=day, error=exc)
        raise
    metrics.night_audit_finished(status="succeeded", seconds=systime.perf_counter() - started)
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
            NightAuditErrorCode.AUDIT_DATE_CLOSED,
            _("The business day %(date)s was closed without a night audit record.") % {"date": day.isoformat()},
            extra={"business_date": day.isoformat()},
        )
    return AuditOutcome(audit, False)


def _work(store: Store, day: date, conf, *, trigger: str, actor, started: float) -> NightAudit:
    """Steps 1-7 inside the caller's transaction (which holds the business-day lock)."""
    orders = orders_lock_for_audit(store=store, day=day)
    in_house = [o.pk for o in orders if o.status in Order.IN_HOUSE and o.departure > day]
    due_out = [o.pk for o in orders if o.status in Order.IN_HOUSE and o.departure <= day]
    confirmed = [o for o in orders if o.status == Order.Status.CONFIRMED]
    codes = {o.pk: o.code for o in orders}
    marked, refused, kept = _no_shows(store, confirmed, conf.no_show_policy, actor)
    posting = folio_post_room_nights(store_id=store.pk, night=day, order_ids=in_house, actor=actor)
    # Stays checked out on D that no check-out counted for their member (idempotent: once per order).
    member_stays = members_count_checked_out(store=store, day=day, actor=actor)
    business_day_gate_close(store_id=store.pk)
    now = timezone.now()
    _daily_stats(store, day, now)
    business_day_roll(store=store, day=day, now=now)

    counts = {
        "in_house": len(in_house), "posted": len(posting.posted), "already_posted": len(posting.already_posted),
        "zero_rate": len(posting.zero_rate), "folio_closed": len(posting.folio_closed), "no_line": len(posting.no_line),
        "folios_opened": posting.folios_opened, "no_shows": len(marked), "no_show_refused": len(refused),
        **{reason: sum(1 for _o, r, _d in posting.refused if r == reason) for reason in ROOM_NIGHT_REFUSALS},
        "arrivals_pending": len(kept), "departures_pending": len(due_out), "member_stays": member_stays,
    }
    details = {
        "posted": [{"order_id": o, "code": codes.get(o, ""), "transaction_id": t, "amount": str(a)} for o, t, a in posting.posted],
        "already_posted": [{"order_id": o, "code": codes.get(o, "")} for o in posting.already_posted],
        "not_posted": [
            *({"order_id": o, "code": codes.get(o, ""), "reason": reason}
              for reason, ids in (("zero_rate", posting.zero_rate), ("folio_closed", posting.folio_closed), ("no_line", posting.no_line))
              for o in ids),
            *({"order_id": o, "code": codes.get(o, ""), "reason": reason, **({"detail": detail} if detail else {})}
              for o, reason, detail in posting.refused),
        ],
        "no_shows": marked, "no_show_refused": refused, "arrivals_pending": kept,
        "departures_pending": [{"order_id": o, "code": codes.get(o, "")} for o in due_out],
        "no_show_policy": conf.no_show_policy,
    }
    counts["not_posted"] = len(details["not_posted"])
    duration_ms = int((systime.perf_counter() - started) * 1000)
    NightAudit.objects.filter(store=store, business_date=day).update(
        status=NightAudit.Status.DONE, trigger=trigger, triggered_by=_user(actor), finished_at=now, duration_ms=duration_ms,
        room_charges_posted=posting.total, counts=counts, details=details, last_error="", currency=store.currency,
    )
    return NightAudit.objects.get(store=store, business_date=day)
