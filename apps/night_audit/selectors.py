"""Reads of the night audit: when a store's audit is due and its settings, the audit
records, the daily figures (read by reports). The business date itself is
``apps.tenancy.business_day``'s.

Audit settings (``tenancy.Setting``, a store override first, then the tenant-wide value):

- ``audit.time`` (time of day, store-local; default ``PMS_AUDIT_DEFAULT_TIME``, 04:00):
  before noon it is the morning *after* the business day (04:00 closes yesterday), from
  noon on the evening of the day itself (23:30 closes today).
- ``audit.no_show_policy``: ``mark`` (default: confirmed orders due that have not arrived
  become no-shows) or ``keep`` (they are listed for the desk and left alone).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError, NotFoundError
from apps.common.metrics import Sample, TenantRef, rows_per_tenant
from apps.common.periods import StorePeriod, unnest_params
from apps.night_audit.error_codes import NightAuditErrorCode
from apps.night_audit.models import DailyStoreStats, NightAudit
from apps.tenancy.business_day import business_day_get, business_days, store_local_now
from apps.tenancy.models import Store
from apps.tenancy.selectors import setting_list_effective, store_list_active

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
        local_now=store_local_now(store=store, now=now), audit_time=conf.audit_time,
        no_show_policy=conf.no_show_policy, audit_due_at=due_at, audit_due=now >= due_at,
        last_audit=NightAudit.objects.filter(store=store).order_by("-business_date").first(),
    )


def stores_due_for_audit(*, now: datetime | None = None, stores: list[Store] | None = None) -> list[tuple[Store, date]]:
    """The active stores of the current tenant (or ``stores``) whose open business date is
    due for its audit now, with that date (a store behind by several days: the oldest)."""
    now = now or timezone.now()
    if stores is None:
        stores = list(store_list_active())
    days = business_days(store_ids=[s.pk for s in stores])
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
        raise DomainValidationError(NightAuditErrorCode.INVALID_DATE_RANGE, message, extra={"fields": {"end": [message]}})
    return DailyStoreStats.objects.filter(store=store, date__gte=start, date__lte=end).order_by("date")


class AuditedNight(NamedTuple):
    """A closed day's figures as its audit wrote them (``DailyStoreStats``; docs/reports.md)."""

    rooms_available: int
    rooms_sold: int
    room_revenue: Decimal
    rooms_total: int = 0
    rooms_out_of_order: int = 0
    other_revenue: Decimal = Decimal("0.00")
    arrivals: int = 0
    departures: int = 0
    no_shows: int = 0


# The audit's rows of the nights of each period: set-based, over the audit's own table.
_AUDITED_NIGHTS_SQL = """
SELECT d.store_id, d.date, d.rooms_available, d.rooms_sold, d.room_revenue, d.rooms_total, d.rooms_out_of_order,
       d.other_revenue, d.arrivals, d.departures, d.no_shows
  FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(store_id, first, last)
  JOIN reports_dailystorestats d ON d.store_id = p.store_id AND d.date >= p.first AND d.date <= p.last
"""


def daily_stats_of(*, periods: Sequence[StorePeriod]) -> dict[tuple[int, date], AuditedNight]:
    """The daily figures the night audit wrote for the nights of ``periods``, by (store id,
    date); nights not audited yet are absent. One query."""
    if not periods:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_AUDITED_NIGHTS_SQL, unnest_params(periods))
        return {(store_id, night): AuditedNight(*figures) for store_id, night, *figures in cursor.fetchall()}


def business_day_spans(*, store_ids: Sequence[int], day: date) -> dict[int, tuple[datetime | None, datetime | None]]:
    """When business day ``day`` of each store ran: from the end of the audit that closed
    the day before (None if there was none) to the end of the audit that closed ``day``
    (None while it is open). What happened in between (a cancellation at 01:00 before the
    audit) belongs to ``day``. One query."""
    spans: dict[int, list] = {s: [None, None] for s in store_ids}
    rows = NightAudit.objects.filter(
        store_id__in=list(store_ids), business_date__in=[day - timedelta(days=1), day], status=NightAudit.Status.DONE,
    ).values_list("store_id", "business_date", "finished_at")
    for store_id, closed, finished_at in rows:
        spans[store_id][0 if closed < day else 1] = finished_at
    return {s: (a, b) for s, (a, b) in spans.items()}


class AuditedSums(NamedTuple):
    """Sums of the audit's daily figures over several stores or nights; ``audited``: how
    many store-nights were added."""

    rooms_total: int
    rooms_out_of_order: int
    rooms_available: int
    rooms_sold: int
    room_revenue: Decimal
    other_revenue: Decimal
    audited: int


class AuditedExtent(NamedTuple):
    """A store's closed nights within its period: the first, the last, how many; and the
    sums of those within ``[start, end]``."""

    first: date | None
    last: date | None
    count: int
    in_range: AuditedSums


# Grouping sets: per night (every store of the periods added up), and per store (its
# extent over the period and its sums within [start, end]). Set-based over the audit's table.
_AUDITED_SUMS_SQL = """
SELECT GROUPING(d.date) AS by_store, d.date, p.store_id, min(d.date), max(d.date), count(d.date),
       coalesce(sum(d.rooms_total), 0), coalesce(sum(d.rooms_out_of_order), 0), coalesce(sum(d.rooms_available), 0),
       coalesce(sum(d.rooms_sold), 0), coalesce(sum(d.room_revenue), 0), coalesce(sum(d.other_revenue), 0),
       count(d.date) FILTER (WHERE d.date BETWEEN %(start)s AND %(end)s),
       coalesce(sum(d.rooms_total) FILTER (WHERE d.date BETWEEN %(start)s AND %(end)s), 0),
       coalesce(sum(d.rooms_out_of_order) FILTER (WHERE d.date BETWEEN %(start)s AND %(end)s), 0),
       coalesce(sum(d.rooms_available) FILTER (WHERE d.date BETWEEN %(start)s AND %(end)s), 0),
       coalesce(sum(d.rooms_sold) FILTER (WHERE d.date BETWEEN %(start)s AND %(end)s), 0),
       coalesce(sum(d.room_revenue) FILTER (WHERE d.date BETWEEN %(start)s AND %(end)s), 0),
       coalesce(sum(d.other_revenue) FILTER (WHERE d.date BETWEEN %(start)s AND %(end)s), 0)
  FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(store_id, first, last)
  LEFT JOIN reports_dailystorestats d ON d.store_id = p.store_id AND d.date >= p.first AND d.date <= p.last
 GROUP BY GROUPING SETS ((d.date), (p.store_id))
"""


def daily_stats_sums(*, periods: Sequence[StorePeriod], start: date, end: date
                     ) -> tuple[dict[date, AuditedSums], dict[int, AuditedExtent]]:
    """The audit's daily figures of ``periods`` (one per store) added up per night over the
    stores, and per store its extent and its sums within ``[start, end]``: a year of ten
    stores is 365 + 10 rows, not 3,650. One query."""
    if not periods:
        return {}, {}
    by_date: dict[date, AuditedSums] = {}
    by_store: dict[int, AuditedExtent] = {}
    with connection.cursor() as cursor:
        cursor.execute(_AUDITED_SUMS_SQL, {**unnest_params(periods), "start": start, "end": end})
        for by_store_row, night, store_id, first, last, count, *sums in cursor.fetchall():
            if by_store_row:
                by_store[store_id] = AuditedExtent(first, last, count, AuditedSums(*sums[7:], sums[6]))
            elif night is not None:
                by_date[night] = AuditedSums(*sums[:6], count)
    return by_date, by_store


# The store's open business day against its local date, and its last successful audit:
# one row per active store (docs/operations.md, "Metrics").
_AUDIT_STATE_SQL = """
    SELECT %s, s.id,
           (now() AT TIME ZONE s.time_zone)::date - bd.business_date,
           (SELECT extract(epoch FROM max(a.finished_at)) FROM {schema}.reports_nightaudit a
             WHERE a.store_id = s.id AND a.status = 'done')
      FROM {schema}.tenancy_store s LEFT JOIN {schema}.reports_storebusinessday bd ON bd.store_id = s.id
     WHERE s.is_active
"""


def audit_state_samples(tenants: list[TenantRef]) -> list[Sample]:
    """The night audit's gauges at a scrape, every store of every tenant in a few statements:
    ``pms_night_audit_business_date_lag_days`` and
    ``pms_night_audit_last_success_timestamp_seconds`` (a store never audited has none)."""
    samples = []
    for tenant, store_id, lag, last_ok in rows_per_tenant(tenants, _AUDIT_STATE_SQL):
        labels = {"tenant": tenant, "store": str(store_id)}
        if lag is not None:
            samples.append(Sample("pms_night_audit_business_date_lag_days", labels, float(lag)))
        if last_ok is not None:
            samples.append(Sample("pms_night_audit_last_success_timestamp_seconds", labels, float(last_ok)))
    return samples
