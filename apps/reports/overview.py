"""The owner's overview: today's and this month's figures per store and for all stores.

Read by the owner's app (``apps.mobile``, ``GET m/overview/``). Every figure group is
one SQL statement over all the stores asked for, so the number of queries does not
depend on how many stores there are. Definitions (docs/mobile_api.md, "Overview"):

- a store's **day** D is the ``day`` asked for, else its open business date (the day its
  night audit has not closed yet; its calendar date if it never had one); the **month to date** is the nights from the 1st of D's month to D, both
  included; "today" is the night of D;
- **rooms available** (room-nights) = active rooms x nights - nights those rooms are
  locked (any lock: maintenance, out of order, hold), as the night audit counts them;
- **rooms sold** (room-nights) = the room-night lines of orders holding their nights
  (confirmed, checked in, extended, checked out) on those nights;
- **room revenue** = the sum of those lines (the rate locked on each night; extras are
  not room revenue);
- occupancy = sold / available, ADR = revenue / sold, RevPAR = revenue / available
  (``None`` when the divisor is 0);
- **arrivals**: holding orders arriving in the period (``arrivals_checked_in``: those of
  them that checked in); **departures**: orders in the house or checked out whose
  departure falls in the period (``departures_checked_out``: those that left);
- **collections**: folio ledger rows that move money (payments, refunds, deposits,
  deposit returns, voids and moves of those included) posted in the period (store-local
  calendar days), per payment method; ``net`` = payments - refunds + deposits -
  deposit returns, the money that went into (or out of) the till.

Nights the night audit has closed (``reports.DailyStoreStats``) take their available,
sold and revenue figures from the audit's row (revenue = room charges actually posted,
net of voids); the other nights are computed live from orders as above.
``audited_nights`` says how many store-nights of a period came from the audit.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connection
from django.utils import timezone

from apps.common.money import quantize
from apps.common.prepared import execute_prepared
from apps.tenancy.models import Store

ZERO = Decimal("0.00")
RATIO = Decimal("0.0001")
PERIODS = ("today", "month_to_date")

# Order statuses whose nights are held (they are the room-nights sold).
HOLDING = ("confirmed", "checked_in", "extended", "checked_out")
ARRIVED = ("checked_in", "extended", "checked_out")

# One row per store: rooms, locked nights, sold nights and revenue (live nights only:
# nights with an audit row are counted from it), audited figures, arrivals, departures.
# Every CTE starts from the stores asked for (``s``) and uses the tables' store/date
# indexes: rooms_roomnight (store, night) for locks, orders_order (store, status) for the
# holding orders, (store, arrival) and (store, departure) for arrivals and departures,
# orders_orderitem by order.
_ROOMS_SQL = """
WITH s AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(days)s::date[], %(starts)s::date[]) AS s(store_id, day, month_start)
), audited AS (
    SELECT d.store_id, d.date, d.rooms_available, d.rooms_sold, d.room_revenue
      FROM s JOIN {stats} d ON d.store_id = s.store_id AND d.date >= s.month_start AND d.date <= s.day
), rooms AS (
    SELECT r.store_id, count(*) AS n
      FROM s JOIN rooms_room r ON r.store_id = s.store_id AND r.is_active
     GROUP BY r.store_id
), locks AS (
    SELECT rn.store_id, count(*) FILTER (WHERE rn.night = s.day) AS day_n, count(*) AS mtd_n
      FROM s JOIN rooms_roomnight rn ON rn.store_id = s.store_id AND rn.kind = 'lock'
                AND rn.night >= s.month_start AND rn.night <= s.day
      JOIN rooms_room r ON r.id = rn.room_id AND r.is_active
     WHERE NOT EXISTS (SELECT 1 FROM audited a WHERE a.store_id = rn.store_id AND a.date = rn.night)
     GROUP BY rn.store_id
), sold AS (
    SELECT o.store_id,
           count(*) FILTER (WHERE i.service_date = s.day) AS day_n,
           coalesce(sum(i.total_price) FILTER (WHERE i.service_date = s.day), 0) AS day_rev,
           count(*) AS mtd_n,
           coalesce(sum(i.total_price), 0) AS mtd_rev
      FROM s JOIN orders_order o ON o.store_id = s.store_id AND o.status = ANY(%(holding)s)
                AND o.arrival <= s.day AND o.departure > s.month_start
      -- each order's lines by its key: LATERAL, and OFFSET 0 so that the planner keeps it
      -- a per-order index lookup. Planned as a plain join on a new tenant whose tables were
      -- never analyzed, it became a filtered cross product of items and orders (0.6 s for
      -- 16 stores x 60 orders).
      CROSS JOIN LATERAL (
            SELECT i.service_date, i.total_price FROM orders_orderitem i
             WHERE i.order_id = o.id AND i.kind = 'room_night' AND i.service_date >= s.month_start AND i.service_date <= s.day
            OFFSET 0
      ) i
     WHERE NOT EXISTS (SELECT 1 FROM audited a WHERE a.store_id = o.store_id AND a.date = i.service_date)
     GROUP BY o.store_id
), audit AS (
    SELECT a.store_id,
           count(*) FILTER (WHERE a.date = s.day) AS day_nights,
           coalesce(sum(a.rooms_available) FILTER (WHERE a.date = s.day), 0) AS day_avail,
           coalesce(sum(a.rooms_sold) FILTER (WHERE a.date = s.day), 0) AS day_sold,
           coalesce(sum(a.room_revenue) FILTER (WHERE a.date = s.day), 0) AS day_rev,
           count(*) AS mtd_nights,
           coalesce(sum(a.rooms_available), 0) AS mtd_avail,
           coalesce(sum(a.rooms_sold), 0) AS mtd_sold,
           coalesce(sum(a.room_revenue), 0) AS mtd_rev
      FROM audited a JOIN s ON s.store_id = a.store_id
     GROUP BY a.store_id
), arr AS (
    SELECT o.store_id,
           count(*) FILTER (WHERE o.arrival = s.day AND o.status = ANY(%(holding)s)) AS day_n,
           count(*) FILTER (WHERE o.arrival = s.day AND o.status = ANY(%(arrived)s)) AS day_in,
           count(*) FILTER (WHERE o.status = ANY(%(holding)s)) AS mtd_n,
           count(*) FILTER (WHERE o.status = ANY(%(arrived)s)) AS mtd_in
      FROM s JOIN orders_order o ON o.store_id = s.store_id AND o.arrival >= s.month_start AND o.arrival <= s.day
     GROUP BY o.store_id
), dep AS (
    SELECT o.store_id,
           count(*) FILTER (WHERE o.departure = s.day) AS day_n,
           count(*) FILTER (WHERE o.departure = s.day AND o.status = 'checked_out') AS day_out,
           count(*) AS mtd_n,
           count(*) FILTER (WHERE o.status = 'checked_out') AS mtd_out
      FROM s JOIN orders_order o ON o.store_id = s.store_id AND o.departure >= s.month_start AND o.departure <= s.day
                AND o.status = ANY(%(arrived)s)
     GROUP BY o.store_id
)
SELECT s.store_id, s.day, s.month_start, coalesce(rooms.n, 0),
       coalesce(locks.day_n, 0), coalesce(locks.mtd_n, 0),
       coalesce(sold.day_n, 0), coalesce(sold.day_rev, 0), coalesce(sold.mtd_n, 0), coalesce(sold.mtd_rev, 0),
       coalesce(audit.day_nights, 0), coalesce(audit.day_avail, 0), coalesce(audit.day_sold, 0), coalesce(audit.day_rev, 0),
       coalesce(audit.mtd_nights, 0), coalesce(audit.mtd_avail, 0), coalesce(audit.mtd_sold, 0), coalesce(audit.mtd_rev, 0),
       coalesce(arr.day_n, 0), coalesce(arr.day_in, 0), coalesce(arr.mtd_n, 0), coalesce(arr.mtd_in, 0),
       coalesce(dep.day_n, 0), coalesce(dep.day_out, 0), coalesce(dep.mtd_n, 0), coalesce(dep.mtd_out, 0)
  FROM s
  LEFT JOIN rooms ON rooms.store_id = s.store_id
  LEFT JOIN locks ON locks.store_id = s.store_id
  LEFT JOIN sold ON sold.store_id = s.store_id
  LEFT JOIN audit ON audit.store_id = s.store_id
  LEFT JOIN arr ON arr.store_id = s.store_id
  LEFT JOIN dep ON dep.store_id = s.store_id
"""

# Without the audit's table (reports not migrated yet): no audited nights.
_NO_STATS = "(SELECT NULL::bigint AS store_id, NULL::date AS date, 0 AS rooms_available, 0 AS rooms_sold, 0::numeric AS room_revenue WHERE false)"

# One row per store and payment method that moved money in the month so far.
_COLLECTIONS_SQL = """
WITH s AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(day_starts)s::timestamptz[], %(day_ends)s::timestamptz[],
                         %(month_starts)s::timestamptz[]) AS s(store_id, day_start, day_end, month_start)
)
SELECT t.store_id, pm.id, pm.name, pm.method_type,
       coalesce(sum(t.amount) FILTER (WHERE t.posted_at >= s.day_start AND t.posts_to = 'payments'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posted_at >= s.day_start AND t.posts_to = 'refunds'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posted_at >= s.day_start AND t.posts_to = 'deposits'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posted_at >= s.day_start AND t.posts_to = 'deposit_returns'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posts_to = 'payments'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posts_to = 'refunds'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posts_to = 'deposits'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posts_to = 'deposit_returns'), 0)
  FROM s JOIN {ledger} t ON t.store_id = s.store_id AND t.posted_at >= s.month_start AND t.posted_at < s.day_end
            AND t.posts_to IN ('payments', 'refunds', 'deposits', 'deposit_returns')
  JOIN {methods} pm ON pm.id = t.payment_method_id
 GROUP BY t.store_id, pm.id, pm.name, pm.method_type, pm.sort_order
 ORDER BY t.store_id, pm.sort_order, pm.id
"""

MONEY_KEYS = ("payments", "refunds", "deposits", "deposit_returns", "net")

# Both statements run as server-side prepared statements (``apps.common.prepared``):
# parsing and planning the rooms statement cost PostgreSQL ~2.5 ms per call, half of what
# running it costs; after five runs on a connection the plan cache keeps a generic plan.


@cache
def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _ratio(num: int | Decimal, den: int | Decimal) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(RATIO, rounding=ROUND_HALF_UP)


def _money_ratio(num: Decimal, den: int) -> Decimal | None:
    return quantize(Decimal(num) / Decimal(den)) if den else None


def _period(*, start: date, end: date, available: int, sold: int, revenue: Decimal, audited_nights: int,
            arrivals: int, arrivals_in: int, departures: int, departures_out: int, collections: dict) -> dict:
    revenue = quantize(revenue)
    return {
        "start": start,
        "end": end,
        "rooms_available": available,
        "rooms_sold": sold,
        "room_revenue": revenue,
        "occupancy": _ratio(sold, available),
        "adr": _money_ratio(revenue, sold),
        "revpar": _money_ratio(revenue, available),
        "arrivals": arrivals,
        "arrivals_checked_in": arrivals_in,
        "departures": departures,
        "departures_checked_out": departures_out,
        "audited_nights": audited_nights,
        "collections": collections,
    }


def _empty_collections() -> dict:
    return {"total": {k: ZERO for k in MONEY_KEYS}, "by_method": []}


def _add_method(collections: dict, key, entry: dict) -> None:
    """Add ``entry``'s amounts to the method ``key`` of ``collections`` (created if new).
    Exact sums of the ledger's 2-place amounts: rounded once, in ``_finish``."""
    methods = collections.setdefault("_index", {})
    target = methods.get(key)
    if target is None:
        target = {**{k: v for k, v in entry.items() if k not in MONEY_KEYS}, **{k: ZERO for k in MONEY_KEYS}}
        methods[key] = target
        collections["by_method"].append(target)
    total = collections["total"]
    for k in MONEY_KEYS:
        target[k] += entry[k]
        total[k] += entry[k]


def _finish(collections: dict) -> dict:
    collections.pop("_index", None)
    for amounts in (collections["total"], *collections["by_method"]):
        for k in MONEY_KEYS:
            amounts[k] = quantize(amounts[k])
    return collections


def store_days_default(*, stores: Sequence[Store], now: datetime | None = None) -> dict[int, date]:
    """The day the overview shows for each store when none is asked for: its open business
    date (the day its night audit has not closed yet), else, for a store whose business
    day was never used, its calendar date now in its own time zone. One query."""
    known: dict[int, date] = {}
    business_days = _model("reports.StoreBusinessDay")
    if business_days is not None and stores:
        table = connection.ops.quote_name(business_days._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT store_id, business_date FROM {table} WHERE store_id = ANY(%s)", [[s.pk for s in stores]])
            known = dict(cursor.fetchall())
    moment = now or timezone.now()
    return {s.pk: known.get(s.pk) or moment.astimezone(ZoneInfo(s.time_zone)).date() for s in stores}


def _room_rows(stores: Sequence[Store], days: dict[int, date]) -> dict[int, tuple]:
    stats = _model("reports.DailyStoreStats")
    sql = _ROOMS_SQL.format(stats=connection.ops.quote_name(stats._meta.db_table) if stats else _NO_STATS)
    params = {
        "stores": [s.pk for s in stores],
        "days": [days[s.pk] for s in stores],
        "starts": [days[s.pk].replace(day=1) for s in stores],
        "holding": list(HOLDING),
        "arrived": list(ARRIVED),
    }
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        return {row[0]: row for row in cursor.fetchall()}


def _collection_rows(stores: Sequence[Store], days: dict[int, date]) -> list[tuple]:
    ledger, methods = _model("folios.FolioTransaction"), _model("folios.PaymentMethod")
    if ledger is None or methods is None:
        return []
    starts, ends, months = [], [], []
    for store in stores:
        tz, day = ZoneInfo(store.time_zone), days[store.pk]
        starts.append(datetime.combine(day, time(0), tzinfo=tz))
        ends.append(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))
        months.append(datetime.combine(day.replace(day=1), time(0), tzinfo=tz))
    sql = _COLLECTIONS_SQL.format(
        ledger=connection.ops.quote_name(ledger._meta.db_table), methods=connection.ops.quote_name(methods._meta.db_table)
    )
    with connection.cursor() as cursor:
        params = {"stores": [s.pk for s in stores], "day_starts": starts, "day_ends": ends, "month_starts": months}
        execute_prepared(cursor, sql, params)
        return cursor.fetchall()


def _method_label(method_type: str, labels: dict[str, str]) -> str:
    """The method type's label in the active language (``labels``: this call's memo)."""
    label = labels.get(method_type)
    if label is None:
        methods = _model("folios.PaymentMethod")
        try:
            label = str(methods.Type(method_type).label)
        except (AttributeError, ValueError):
            label = method_type
        labels[method_type] = label
    return label


def overview_figures(*, stores: Sequence[Store], day: date | None = None, now: datetime | None = None) -> dict:
    """Today's and the month's figures of each store in ``stores`` and their total.

    Returns ``{"stores": [{"store_id", "store_name", "currency", "date", "today",
    "month_to_date"}], "total": {"date", "currency", "store_count", "today",
    "month_to_date"}}``; each period holds the figures described in the module docstring.
    ``day``: the same date for every store (default: each store's open business date, one
    more query). Two queries whatever the number of stores (none without stores).
    """
    stores = list(stores)
    days = {s.pk: day for s in stores} if day else store_days_default(stores=stores, now=now)
    room_rows = _room_rows(stores, days) if stores else {}
    collections: dict[int, dict[str, dict]] = {s.pk: {p: _empty_collections() for p in PERIODS} for s in stores}
    total_collections = {p: _empty_collections() for p in PERIODS}
    labels: dict[str, str] = {}
    for store_id, method_id, name, method_type, *amounts in (_collection_rows(stores, days) if stores else []):
        for period, (pay, ref, dep, dep_ret) in zip(PERIODS, (amounts[:4], amounts[4:])):
            entry = {"method_id": method_id, "name": name, "method_type": method_type, "payments": pay, "refunds": ref,
                     "deposits": dep, "deposit_returns": dep_ret, "net": pay - ref + dep - dep_ret}
            if not any(entry[k] for k in MONEY_KEYS):
                continue
            _add_method(collections[store_id][period], method_id, entry)
            _add_method(total_collections[period], method_type,
                        {**entry, "method_id": None, "name": _method_label(method_type, labels)})

    result_stores = []
    sums = {p: dict.fromkeys(("available", "sold", "audited_nights", "arrivals", "arrivals_in", "departures", "departures_out"), 0)
            for p in PERIODS}
    revenue = {p: Decimal(0) for p in PERIODS}
    for store in stores:
        row = room_rows[store.pk]
        (_sid, d, month_start, rooms, lock_day, lock_mtd, sold_day, rev_day, sold_mtd, rev_mtd,
         a_day_n, a_day_avail, a_day_sold, a_day_rev, a_mtd_n, a_mtd_avail, a_mtd_sold, a_mtd_rev,
         arr_day, arr_day_in, arr_mtd, arr_mtd_in, dep_day, dep_day_out, dep_mtd, dep_mtd_out) = row
        nights_mtd = (d - month_start).days + 1
        figures = {
            "today": {
                "start": d, "end": d,
                "available": rooms * (1 - a_day_n) - lock_day + a_day_avail, "sold": sold_day + a_day_sold,
                "revenue": Decimal(rev_day) + Decimal(a_day_rev), "audited_nights": a_day_n,
                "arrivals": arr_day, "arrivals_in": arr_day_in, "departures": dep_day, "departures_out": dep_day_out,
            },
            "month_to_date": {
                "start": month_start, "end": d,
                "available": rooms * (nights_mtd - a_mtd_n) - lock_mtd + a_mtd_avail, "sold": sold_mtd + a_mtd_sold,
                "revenue": Decimal(rev_mtd) + Decimal(a_mtd_rev), "audited_nights": a_mtd_n,
                "arrivals": arr_mtd, "arrivals_in": arr_mtd_in, "departures": dep_mtd, "departures_out": dep_mtd_out,
            },
        }
        entry = {"store_id": store.pk, "store_name": store.name, "currency": store.currency, "date": d}
        for period, f in figures.items():
            entry[period] = _period(
                start=f["start"], end=f["end"], available=max(f["available"], 0), sold=f["sold"], revenue=f["revenue"],
                audited_nights=f["audited_nights"], arrivals=f["arrivals"], arrivals_in=f["arrivals_in"],
                departures=f["departures"], departures_out=f["departures_out"],
                collections=_finish(collections[store.pk][period]),
            )
            for key in sums[period]:
                sums[period][key] += f[key] if key != "available" else max(f["available"], 0)
            revenue[period] += f["revenue"]
        result_stores.append(entry)

    dates = sorted({e["date"] for e in result_stores})
    latest = dates[-1] if dates else (day or date.today())
    total = {
        "date": latest,
        "currency": result_stores[0]["currency"] if result_stores else "CNY",
        "store_count": len(result_stores),
    }
    for period in PERIODS:
        starts = [e[period]["start"] for e in result_stores]
        s = sums[period]
        total[period] = _period(
            start=min(starts) if starts else (latest.replace(day=1) if period == "month_to_date" else latest),
            end=latest, available=s["available"], sold=s["sold"], revenue=revenue[period],
            audited_nights=s["audited_nights"], arrivals=s["arrivals"], arrivals_in=s["arrivals_in"],
            departures=s["departures"], departures_out=s["departures_out"],
            collections=_finish(total_collections[period]),
        )
    return {"stores": result_stores, "total": total}
