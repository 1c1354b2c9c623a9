"""Reads of reports: the business date of a store and when its audit is due, the audit
records, the daily figures.

Audit settings (``tenancy.Setting``, a store override first, then the tenant-wide value):

- ``audit.time`` (time of day, store-local; default ``PMS_AUDIT_DEFAULT_TIME``, 04:00):
  before noon it is the morning *after* the business day (04:00 closes yesterday), from
  noon on the evening of the day itself (23:30 closes today).
- ``audit.no_show_policy``: ``mark`` (default: confirmed orders due that have not arrived
  become no-shows) or ``keep`` (they are listed for the desk and left alone).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError, NotFoundError
from apps.common.prepared import execute_prepared
from apps.common.rows import Columns
from apps.reports.error_codes import ReportsErrorCode
from apps.reports.models import DailyStoreStats, NightAudit, StoreBusinessDay
from apps.tenancy.models import Store

NO_SHOW_MARK = "mark"
NO_SHOW_KEEP = "keep"
NO_SHOW_POLICIES = (NO_SHOW_MARK, NO_SHOW_KEEP)
STATS_MAX_DAYS = 366


@dataclass(frozen=True)
class AuditSettings:
    audit_time: time
    no_show_policy: str


def _as_time(value, default: time) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return default


def audit_settings(*, store: Store) -> AuditSettings:
    """The store's audit time and no-show policy (store override, tenant value, default). One query."""
    from apps.tenancy.selectors import setting_list_effective

    values = {row.key: row.value for row in setting_list_effective(store=store) if row.group == "audit"}
    default_time = _as_time(settings.PMS_AUDIT_DEFAULT_TIME, time(4, 0))
    audit_time = _as_time(values["time"], default_time) if "time" in values else default_time
    policy = (values.get("no_show_policy") or NO_SHOW_MARK).strip()
    return AuditSettings(audit_time=audit_time.replace(second=0, microsecond=0),
                         no_show_policy=policy if policy in NO_SHOW_POLICIES else NO_SHOW_MARK)


def _offset(audit_time: time) -> timedelta:
    """From midnight starting business day D to D's audit."""
    at = timedelta(hours=audit_time.hour, minutes=audit_time.minute)
    return at if audit_time >= time(12, 0) else at + timedelta(days=1)


def audit_due_at(*, store: Store, business_date: date, audit_time: time) -> datetime:
    """When the audit of ``business_date`` is due (aware, in the store's time zone)."""
    midnight = datetime.combine(business_date, time(0), tzinfo=ZoneInfo(store.time_zone))
    return midnight + _offset(audit_time)


def initial_business_date(*, store: Store, now: datetime | None = None) -> date:
    """The business date of a store seen for the first time: its calendar date. (There is
    no earlier day to close; the first audit closes this one at its audit time.)"""
    return store_local_today(store=store, now=now)


def store_local_today(*, store: Store, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(store.time_zone)).date()


@cache
def _business_day_columns() -> Columns:
    return Columns(StoreBusinessDay, "d")


def _business_day_row(store_id: int) -> StoreBusinessDay | None:
    """The row by primary key, in plain SQL: every desk action and booking reads it, and
    compiling the equivalent queryset cost more CPU than running it."""
    from django.db import connection

    columns = _business_day_columns()
    with connection.cursor() as cursor:
        execute_prepared(cursor, f"SELECT {columns.sql()} FROM reports_storebusinessday d WHERE d.store_id = %s", [store_id])
        row = cursor.fetchone()
    return None if row is None else columns.build(row)


def business_day_get(*, store: Store) -> StoreBusinessDay:
    """The store's business-day row, created on first use (``INSERT ... ON CONFLICT DO
    NOTHING``: concurrent first uses agree on one row). One query once it exists."""
    day = _business_day_row(store.pk)
    if day is None:
        initial = initial_business_date(store=store)
        StoreBusinessDay.objects.bulk_create(
            [StoreBusinessDay(store_id=store.pk, business_date=initial, opened_at=timezone.now())], ignore_conflicts=True
        )
        day = StoreBusinessDay.objects.get(store_id=store.pk)
    return day


def business_date(*, store: Store) -> date:
    """The store's current business date: the day postings, check-ins and check-outs
    belong to until its night audit closes it."""
    return business_day_get(store=store).business_date


def _gate_sql(mode: str) -> str:
    # One advisory lock per (tenant schema, store): store ids repeat across schemas.
    return f"SELECT {mode}(hashtext(current_schema()), %s::integer)"


def posting_business_date(*, store_id: int) -> date:
    """The business date of a ledger row posted now, for folios: the store's open business
    date, read under the store's *audit gate* in shared mode.

    The audit takes the gate exclusively before it adds up the day's postings and rolls
    the date (``apps.reports.services``), so a posting that read day D is committed before
    the audit counts D, and one that comes later reads D + 1: no posting falls between two
    days. Postings never wait for each other (shared mode); they wait for an audit only
    while it adds up and rolls. The caller must be in a transaction (the gate is held until
    its end) and must take no further row lock after this call: the audit takes the gate
    while holding its orders' locks, so a posting that held the gate and then waited for
    one of them would deadlock with it. Two statements: the gate, then the read (with a
    snapshot taken after the gate was granted)."""
    from django.db import connection

    if not connection.in_atomic_block:
        raise RuntimeError("posting_business_date() must run inside the posting's transaction")
    with connection.cursor() as cursor:
        execute_prepared(cursor, _gate_sql("pg_advisory_xact_lock_shared"), [store_id])
        execute_prepared(cursor, "SELECT business_date FROM reports_storebusinessday WHERE store_id = %s", [store_id])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    return business_day_get(store=Store.objects.get(pk=store_id)).business_date


def audit_gate_close(*, store_id: int) -> None:
    """Take the store's audit gate exclusively (the audit, before it adds up its day):
    waits for the postings in flight, holds new ones until the audit's transaction ends."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_gate_sql("pg_advisory_xact_lock"), [store_id])


@dataclass(frozen=True)
class BusinessDayInfo:
    business_date: date
    opened_at: datetime
    time_zone: str
    local_now: datetime
    audit_time: time
    no_show_policy: str
    audit_due_at: datetime
    audit_due: bool
    last_audit: NightAudit | None


def business_day_info(*, store: Store, now: datetime | None = None) -> BusinessDayInfo:
    """The business date with what the back office shows next to it."""
    now = now or timezone.now()
    day = business_day_get(store=store)
    conf = audit_settings(store=store)
    due_at = audit_due_at(store=store, business_date=day.business_date, audit_time=conf.audit_time)
    return BusinessDayInfo(
        business_date=day.business_date, opened_at=day.opened_at, time_zone=store.time_zone,
        local_now=now.astimezone(ZoneInfo(store.time_zone)), audit_time=conf.audit_time,
        no_show_policy=conf.no_show_policy, audit_due_at=due_at, audit_due=now >= due_at,
        last_audit=NightAudit.objects.filter(store=store).order_by("-business_date").first(),
    )


def stores_due_for_audit(*, now: datetime | None = None, stores: list[Store] | None = None) -> list[tuple[Store, date]]:
    """The active stores of the current tenant (or ``stores``) whose open business date is
    due for its audit now, with that date (a store behind by several days: the oldest)."""
    now = now or timezone.now()
    if stores is None:
        stores = list(Store.objects.filter(is_active=True).order_by("pk"))
    days = {d.store_id: d for d in StoreBusinessDay.objects.filter(store_id__in=[s.pk for s in stores])}
    due = []
    for store in stores:
        day = days.get(store.pk) or business_day_get(store=store)
        conf = audit_settings(store=store)
        if now >= audit_due_at(store=store, business_date=day.business_date, audit_time=conf.audit_time):
            due.append((store, day.business_date))
    return due


# --- audit records and daily figures ------------------------------------------------------


def night_audit_list(*, store: Store) -> QuerySet[NightAudit]:
    return NightAudit.objects.filter(store=store).select_related("triggered_by").order_by("-business_date")


def night_audit_get(*, store: Store, business_date: date) -> NightAudit:
    audit = NightAudit.objects.filter(store=store, business_date=business_date).select_related("triggered_by").first()
    if audit is None:
        raise NotFoundError("not_found", _("Not found."))
    return audit


def daily_stats_list(*, store: Store, start: date, end: date) -> QuerySet[DailyStoreStats]:
    """The store's daily figures for ``[start, end]`` (both inclusive), oldest first."""
    if end < start or (end - start).days >= STATS_MAX_DAYS:
        message = _("Choose a range of at most %(days)d days, the end not before the start.") % {"days": STATS_MAX_DAYS}
        raise DomainValidationError(ReportsErrorCode.INVALID_DATE_RANGE, message, extra={"fields": {"end": [message]}})
    return DailyStoreStats.objects.filter(store=store, date__gte=start, date__lte=end).order_by("date")
