"""The owner's overview: today's and this month's figures per store and for all stores.

Read by the owner's app (``apps.mobile``, ``GET m/overview/``). Composed from the figures
of the apps that own the data (``apps/<app>/figures.py``: rooms, orders, folios, and the
night audit's daily figures), each one statement over all the stores asked for, so the
number of queries does not depend on how many stores there are. Definitions
(docs/mobile_api.md, "Overview"):

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

Nights the night audit has closed (``night_audit.DailyStoreStats``) take their available,
sold and revenue figures from the audit's row (revenue = room charges actually posted,
net of voids); the other nights are computed live from orders as above. Both come from
``apps.reports.selectors.store_nights``, which the range reports read too
(docs/reports.md: one definition of each figure).
``audited_nights`` says how many store-nights of a period came from the audit.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from apps.common.money import quantize
from apps.common.periods import StorePeriod
from apps.folios.figures import collections as ledger_collections
from apps.folios.models import PaymentMethod
from apps.orders.figures import movements
from apps.reports.selectors import store_nights
from apps.tenancy.business_day import business_dates
from apps.tenancy.models import Store

ZERO = Decimal("0.00")
RATIO = Decimal("0.0001")
PERIODS = ("today", "month_to_date")
MONEY_KEYS = ("payments", "refunds", "deposits", "deposit_returns", "net")


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


def _method_label(method_type: str, labels: dict[str, str]) -> str:
    """The method type's label in the active language (``labels``: this response's)."""
    label = labels.get(method_type)
    if label is None:
        try:
            label = str(PaymentMethod.Type(method_type).label)
        except ValueError:
            label = method_type
        labels[method_type] = label
    return label


def _nights(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _figures(start: date, end: date) -> dict:
    return {"start": start, "end": end, "available": 0, "sold": 0, "revenue": Decimal(0), "audited_nights": 0,
            "arrivals": 0, "arrivals_in": 0, "departures": 0, "departures_out": 0}


def overview_figures(*, stores: Sequence[Store], day: date | None = None, now: datetime | None = None) -> dict:
    """Today's and the month's figures of each store in ``stores`` and their total.

    Returns ``{"stores": [{"store_id", "store_name", "currency", "date", "today",
    "month_to_date"}], "total": {"date", "currency", "store_count", "today",
    "month_to_date"}}``; each period holds the figures described in the module docstring.
    ``day``: the same date for every store (default: each store's open business date, one
    more query). Seven queries at most (four when every night is closed) whatever the number
    of stores.
    """
    stores = list(stores)
    days = {s.pk: day for s in stores} if day else business_dates(stores=stores, now=now)
    periods = [StorePeriod(s.pk, days[s.pk].replace(day=1), days[s.pk]) for s in stores]
    nights = store_nights(periods=periods)
    moves = movements(periods=periods)

    collections: dict[int, dict[str, dict]] = {s.pk: {p: _empty_collections() for p in PERIODS} for s in stores}
    total_collections = {p: _empty_collections() for p in PERIODS}
    labels: dict[str, str] = {}
    for row in ledger_collections(periods=periods):
        for period, moved in zip(PERIODS, (row.last_day, row.period)):
            entry = {"method_id": row.method_id, "name": row.name, "method_type": row.method_type,
                     "payments": moved.payments, "refunds": moved.refunds, "deposits": moved.deposits,
                     "deposit_returns": moved.deposit_returns,
                     "net": moved.payments - moved.refunds + moved.deposits - moved.deposit_returns}
            if not any(entry[k] for k in MONEY_KEYS):
                continue
            _add_method(collections[row.store_id][period], row.method_id, entry)
            _add_method(total_collections[period], row.method_type,
                        {**entry, "method_id": None, "name": _method_label(row.method_type, labels)})

    result_stores = []
    sums = {p: dict.fromkeys(("available", "sold", "audited_nights", "arrivals", "arrivals_in", "departures", "departures_out"), 0)
            for p in PERIODS}
    revenue = {p: Decimal(0) for p in PERIODS}
    for store, period_of_store in zip(stores, periods):
        store_id, d, month_start = store.pk, period_of_store.last, period_of_store.first
        periods_of_store = {"today": _figures(d, d), "month_to_date": _figures(month_start, d)}
        for f in periods_of_store.values():
            for night in _nights(f["start"], f["end"]):
                key = (store_id, night)
                figures = nights[key]
                f["available"] += figures.rooms_available
                f["sold"] += figures.rooms_sold
                f["revenue"] += figures.room_revenue
                f["audited_nights"] += figures.audited
                moved = moves.get(key)
                if moved is not None:
                    f["arrivals"] += moved.arrivals
                    f["arrivals_in"] += moved.arrivals_checked_in
                    f["departures"] += moved.departures
                    f["departures_out"] += moved.departures_checked_out
        entry = {"store_id": store_id, "store_name": store.name, "currency": store.currency, "date": d}
        for period, f in periods_of_store.items():
            entry[period] = _period(
                start=f["start"], end=f["end"], available=max(f["available"], 0), sold=f["sold"], revenue=f["revenue"],
                audited_nights=f["audited_nights"], arrivals=f["arrivals"], arrivals_in=f["arrivals_in"],
                departures=f["departures"], departures_out=f["departures_out"],
                collections=_finish(collections[store_id][period]),
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
