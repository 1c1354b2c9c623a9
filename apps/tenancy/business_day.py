"""A store's day: its calendar date and its **business date**, defined here and nowhere else.

- ``store_local_date``: the calendar date at the store now (its own time zone). Rooms
  use it for "tonight" (the first night still to come, e.g. which locks are active).
- ``business_date``: the day the store's postings, check-ins and check-outs belong to.
  It is not the wall clock: it moves only when the night audit of that date completes
  (``business_day_roll``, a compare-and-set on one row per store), so a check-out at
  01:30 still belongs to the previous day. A store seen for the first time starts at its
  calendar date. See docs/night_audit.md.

The **audit gate** keeps postings and the audit's roll apart: a posting reads the date
under the gate in shared mode (``posting_business_date``), the audit takes it
exclusively (``business_day_gate_close``) before it adds up the day and rolls the date,
so no posting falls between two days. The gate is a PostgreSQL advisory lock per
(tenant schema, store), held to the end of the transaction.

Owner of ``StoreBusinessDay`` (table ``reports_storebusinessday``, kept from the release
where the night audit lived in ``apps.reports``): every read and write of it is here.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from apps.common.queries import one_or_none
from apps.tenancy.models import Store, StoreBusinessDay
from apps.tenancy.reference_cache import BUSINESS_DAY, cached, reference_changed


def store_local_now(*, store: Store, now: datetime | None = None) -> datetime:
    """``now`` (default: now) on the store's wall clock, in its own time zone."""
    return (now or timezone.now()).astimezone(ZoneInfo(store.time_zone))


def store_local_date(*, store: Store, now: datetime | None = None) -> date:
    """The calendar date at ``store`` at ``now`` (default: now), in its own time zone."""
    return store_local_now(store=store, now=now).date()


def business_day_get(*, store: Store) -> StoreBusinessDay:
    """The store's business-day row, created on first use at the store's calendar date
    (``INSERT ... ON CONFLICT DO NOTHING``: concurrent first uses agree on one row). One
    query once it exists."""
    day = one_or_none(StoreBusinessDay.objects.filter(store_id=store.pk))
    if day is None:
        StoreBusinessDay.objects.bulk_create(
            [StoreBusinessDay(store_id=store.pk, business_date=store_local_date(store=store), opened_at=timezone.now())],
            ignore_conflicts=True,
        )
        day = StoreBusinessDay.objects.get(store_id=store.pk)
    return day


def business_date(*, store: Store) -> date:
    """The store's current business date: the day postings, check-ins and check-outs
    belong to until its night audit closes it. Cached in the process until the audit rolls
    it (``apps.tenancy.reference_cache``, area ``business_day``); a posting reads it under
    the audit gate instead (``posting_business_date``)."""
    return cached(BUSINESS_DAY, store.pk, lambda: business_day_get(store=store).business_date)


def business_dates(*, stores: Sequence[Store], now: datetime | None = None) -> dict[int, date]:
    """Each store's business date, by store id (one query, none while the reference cache
    holds them); a store whose business day was never used is at its calendar date (as
    ``business_day_get`` would start it)."""
    ids = tuple(sorted(s.pk for s in stores))

    def load() -> tuple[tuple[int, date], ...]:
        return tuple(StoreBusinessDay.objects.filter(store_id__in=ids).values_list("store_id", "business_date"))

    known = dict(cached(BUSINESS_DAY, ("dates", ids), load))
    return {s.pk: known.get(s.pk) or store_local_date(store=s, now=now) for s in stores}


def business_days(*, store_ids: Sequence[int]) -> dict[int, StoreBusinessDay]:
    """The business-day rows that exist for ``store_ids``, by store id (one query)."""
    return {d.store_id: d for d in StoreBusinessDay.objects.filter(store_id__in=list(store_ids))}


# --- the audit gate ------------------------------------------------------------------------


def _gate(mode: str, store_id: int) -> None:
    # One advisory lock per (tenant schema, store): store ids repeat across schemas.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {mode}(hashtext(current_schema()), %s::integer)", [store_id])


def posting_business_date(*, store_id: int) -> date:
    """The business date of a ledger row posted now: the store's open business date, read
    under the store's audit gate in shared mode.

    The audit takes the gate exclusively before it adds up the day's postings and rolls
    the date, so a posting that read day D is committed before the audit counts D, and
    one that comes later reads D + 1: no posting falls between two days. Postings never
    wait for each other (shared mode); they wait for an audit only while it adds up and
    rolls. The caller must be in a transaction (the gate is held until its end) and must
    take no further row lock after this call: the audit takes the gate while holding its
    orders' locks, so a posting that held the gate and then waited for one of them would
    deadlock with it. Two statements: the gate, then the read (with a snapshot taken
    after the gate was granted)."""
    if not connection.in_atomic_block:
        raise RuntimeError("posting_business_date() must run inside the posting's transaction")
    _gate("pg_advisory_xact_lock_shared", store_id)
    day = one_or_none(StoreBusinessDay.objects.filter(store_id=store_id).values_list("business_date", flat=True))
    if day is not None:
        return day
    return business_day_get(store=Store.objects.get(pk=store_id)).business_date


def business_day_gate_close(*, store_id: int) -> None:
    """Take the store's audit gate exclusively (the audit, before it adds up its day):
    waits for the postings in flight, holds new ones until the audit's transaction ends."""
    _gate("pg_advisory_xact_lock", store_id)


# --- the audit's hold and roll -------------------------------------------------------------


def business_day_hold(*, store: Store) -> StoreBusinessDay | None:
    """Lock the store's business-day row for the caller's transaction, or None if another
    transaction holds it (``FOR UPDATE SKIP LOCKED``): the night audit holds it while it
    works, so two audits of one store never run at the same time. The row exists: the
    caller read it (``business_day_get``) first."""
    return StoreBusinessDay.objects.select_for_update(skip_locked=True).filter(store_id=store.pk).first()


def business_day_roll(*, store: Store, day: date, now: datetime) -> None:
    """Compare-and-set of the business date: ``day`` -> ``day + 1`` only if it is still
    ``day`` (the caller holds the row: ``business_day_hold``)."""
    rolled = StoreBusinessDay.objects.filter(store_id=store.pk, business_date=day).update(
        business_date=day + timedelta(days=1), opened_at=now
    )
    if rolled != 1:  # cannot happen while the caller holds the row; refuse rather than guess
        raise RuntimeError(f"business date of store {store.pk} moved away from {day} during its audit")
    reference_changed(BUSINESS_DAY)
