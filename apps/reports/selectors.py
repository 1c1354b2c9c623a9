"""Reports: 营业日报 (the daily report of an audited business day), range reports and the
channel mix, per store and for several stores. Read-only, composed from the owners'
set-based figures (``apps/<app>/figures.py``) and the night audit's daily figures; the
definitions are in docs/reports.md, and the owner's overview (``overview.py``) reads
the nights through the same ``store_nights``.

A night the audit closed takes its figures from the audit's row (``DailyStoreStats``),
which never changes: a correction made later is dated the day it is made (docs/folios.md,
"Money truth") and counts there. A night not closed yet (today, the future, a store that
never ran its audit) is computed live by the same rules the owner's overview uses. So
the cost of a report depends on the number of stores and days in SQL rows, not on the
number of stays: a year is one row per store and day.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError
from apps.common.money import quantize
from apps.common.periods import StorePeriod
from apps.folios.figures import balances_as_of, charges_of_day, collections, extras_sold, revenue_by_day
from apps.folios.models import ExtraChargeItem, PaymentMethod
from apps.night_audit.selectors import business_day_spans, daily_stats_of, daily_stats_sums
from apps.orders.figures import channel_mix as orders_channel_mix
from apps.orders.figures import day_orders, nights_sold
from apps.orders.models import Channel, Order
from apps.reports.error_codes import ReportsErrorCode
from apps.rooms.figures import room_nights
from apps.tenancy.models import Store

ZERO = Decimal("0.00")
RATIO = Decimal("0.0001")
RANGE_MAX_DAYS = 366
GRANULARITIES = ("day", "week", "month")
MONEY_KEYS = ("payments", "refunds", "deposits", "deposit_returns", "net")


def ratio(num, den) -> Decimal | None:
    """``num / den`` to four places (occupancy, cancellation rate), None when ``den`` is 0."""
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(RATIO, rounding=ROUND_HALF_UP)


def money_ratio(num, den) -> Decimal | None:
    """``num / den`` rounded as money (ADR, RevPAR), None when ``den`` is 0."""
    return quantize(Decimal(num) / Decimal(den)) if den else None


# --- nights: the one source of rooms and revenue figures ---------------------------------


class NightFigures(NamedTuple):
    """One store's figures of one night (docs/reports.md)."""

    rooms_total: int
    rooms_out_of_order: int
    rooms_available: int
    rooms_sold: int
    room_revenue: Decimal
    other_revenue: Decimal
    # True: from the audit's row (closed, never changes); False: computed live.
    audited: bool


def _days(first: date, last: date) -> Iterable[date]:
    for i in range((last - first).days + 1):
        yield first + timedelta(days=i)


def store_nights(*, periods: Sequence[StorePeriod]) -> dict[tuple[int, date], NightFigures]:
    """Every night of each period by (store id, night): the audit's figures where it closed
    the night, else live ones. One query when every night is closed, four otherwise,
    whatever the number of stores and nights."""
    audited = daily_stats_of(periods=periods)
    result: dict[tuple[int, date], NightFigures] = {
        key: NightFigures(row.rooms_total, row.rooms_out_of_order, row.rooms_available, row.rooms_sold,
                          row.room_revenue, row.other_revenue, True)
        for key, row in audited.items()
    }
    live_periods = []
    for p in periods:
        missing = [n for n in _days(p.first, p.last) if (p.store_id, n) not in result]
        if missing:
            live_periods.append(StorePeriod(p.store_id, missing[0], missing[-1]))
    for key, figures in live_nights(periods=live_periods).items():
        result.setdefault(key, figures)  # a gap's covering period: the closed nights in it stay the audit's
    return result


def live_nights(*, periods: Sequence[StorePeriod]) -> dict[tuple[int, date], NightFigures]:
    """The nights of ``periods`` computed live (docs/reports.md: available from the rooms
    and their locks, sold and room revenue from the lines of orders holding their nights,
    other revenue from the ledger by business date). A store may have several periods, not
    overlapping. Three queries, none without periods."""
    result: dict[tuple[int, date], NightFigures] = {}
    if not periods:
        return result
    rooms, locked = room_nights(periods=periods)
    sold = nights_sold(periods=periods)
    revenue = revenue_by_day(periods=periods)
    for p in periods:
        total = rooms.get(p.store_id, 0)
        for night in _days(p.first, p.last):
            key = (p.store_id, night)
            out = min(locked.get(key, 0), total)
            n, room_revenue = sold.get(key, (0, ZERO))
            day = revenue.get(key)
            result[key] = NightFigures(total, out, total - out, n, room_revenue, day.other if day else ZERO, False)
    return result


def _sum_nights(rows: list[NightFigures]) -> NightFigures:
    """Several stores' figures of one night as one (``audited``: how many came from the audit)."""
    if len(rows) == 1:
        return rows[0]
    return NightFigures(*(sum(column) for column in zip(*rows)))


def figures_of(nights: Iterable[NightFigures]) -> dict:
    """The figures of a set of store-nights (one store's period, several stores' day...)."""
    f = {"rooms_total": 0, "rooms_out_of_order": 0, "rooms_available": 0, "rooms_sold": 0,
         "room_revenue": Decimal(0), "other_revenue": Decimal(0), "nights": 0, "audited_nights": 0}
    for n in nights:
        f["rooms_total"] += n.rooms_total
        f["rooms_out_of_order"] += n.rooms_out_of_order
        f["rooms_available"] += n.rooms_available
        f["rooms_sold"] += n.rooms_sold
        f["room_revenue"] += n.room_revenue
        f["other_revenue"] += n.other_revenue
        f["nights"] += 1
        f["audited_nights"] += int(n.audited)
    f["room_revenue"] = quantize(f["room_revenue"])
    f["other_revenue"] = quantize(f["other_revenue"])
    f["total_revenue"] = quantize(f["room_revenue"] + f["other_revenue"])
    f["occupancy"] = ratio(f["rooms_sold"], f["rooms_available"])
    f["adr"] = money_ratio(f["room_revenue"], f["rooms_sold"])
    f["revpar"] = money_ratio(f["room_revenue"], f["rooms_available"])
    return f


def _invalid(field: str, message: str, code=ReportsErrorCode.INVALID_DATE_RANGE) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {field: [message]}})


# --- 营业日报 -------------------------------------------------------------------------------


def _category_label(category: str) -> str:
    if not category:
        return str(_("Other extras"))
    try:
        return str(ExtraChargeItem.Category(category).label)
    except ValueError:
        return category


def _method_label(method_type: str) -> str:
    try:
        return str(PaymentMethod.Type(method_type).label)
    except ValueError:
        return method_type


def _empty_money() -> dict:
    return {k: Decimal(0) for k in MONEY_KEYS}


def _add_money(target: dict, source: dict) -> None:
    for k in MONEY_KEYS:
        target[k] += source[k]


def daily_report(*, stores: Sequence[Store], day: date) -> dict:
    """营业日报 of business day ``day`` for each store of ``stores`` whose audit closed it,
    and their total (docs/reports.md, "Daily report"). Stores that have not closed the day
    are listed in ``not_audited``; if none has, 422 ``report_day_not_audited``. Six
    queries whatever the number of stores."""
    stores = list(stores)
    periods = [StorePeriod(s.pk, day, day) for s in stores]
    audited = daily_stats_of(periods=periods)
    done = [s for s in stores if (s.pk, day) in audited]
    if not done:
        message = _("The business day %(date)s has not been closed by the night audit yet.") % {"date": day.isoformat()}
        raise DomainValidationError(ReportsErrorCode.DAY_NOT_AUDITED, message, extra={"fields": {"date": [message]}},
                                    status=422)
    ids = [s.pk for s in done]
    charges = charges_of_day(store_ids=ids, day=day)
    moved = collections(periods=[StorePeriod(s.pk, day, day) for s in done])
    balances = balances_as_of(store_ids=ids, day=day, arrived=Order.ARRIVED)
    orders = day_orders(day=day, spans=business_day_spans(store_ids=ids, day=day))

    def blank(store: Store | None) -> dict:
        return {
            "store_id": store.pk if store else None, "store_name": store.name if store else str(_("All stores")),
            "currency": store.currency if store else (done[0].currency if done else "CNY"),
            "nights": [], "arrivals": 0, "departures": 0, "no_shows": 0, "cancellations": 0, "walk_ins": 0,
            "rooms": Decimal(0), "extras": {}, "manual": Decimal(0), "room_types": {},
            "collections": {"total": _empty_money(), "by_method": {}},
            "deposits_held": Decimal(0), "balance_in_house": Decimal(0), "balance_departed": Decimal(0),
        }

    entries = {s.pk: blank(s) for s in done}
    total = blank(None)
    for s in done:
        row = audited[(s.pk, day)]
        for e in (entries[s.pk], total):
            e["nights"].append(NightFigures(row.rooms_total, row.rooms_out_of_order, row.rooms_available, row.rooms_sold,
                                            row.room_revenue, row.other_revenue, True))
            e["arrivals"] += row.arrivals
            e["departures"] += row.departures
            e["no_shows"] += row.no_shows
            counts = orders.get(s.pk)
            if counts:
                e["cancellations"] += counts.cancellations
                e["walk_ins"] += counts.walk_ins
            b = balances[s.pk]
            e["deposits_held"] += b.deposits_held
            e["balance_in_house"] += b.in_house
            e["balance_departed"] += b.departed
    for line in charges:
        for e, key in ((entries[line.store_id], line.room_type_id), (total, line.room_type_name)):
            if line.charge_type == "room_night":
                e["rooms"] += line.amount
                rt = e["room_types"].setdefault(key, {"room_type_id": line.room_type_id if e is not total else None,
                                                      "name": line.room_type_name, "nights": 0, "amount": Decimal(0)})
                rt["nights"] += line.count
                rt["amount"] += line.amount
            elif line.charge_type == "extra":
                e["extras"][line.category] = e["extras"].get(line.category, Decimal(0)) + line.amount
            else:
                e["manual"] += line.amount
    for c in moved:
        m = c.last_day
        amounts = {"payments": m.payments, "refunds": m.refunds, "deposits": m.deposits,
                   "deposit_returns": m.deposit_returns,
                   "net": m.payments - m.refunds + m.deposits - m.deposit_returns}
        if not any(amounts.values()):
            continue
        for e, key, name in ((entries[c.store_id], c.method_id, c.name), (total, c.method_type, _method_label(c.method_type))):
            target = e["collections"]["by_method"].setdefault(
                key, {"method_id": c.method_id if e is not total else None, "name": name, "method_type": c.method_type,
                      **_empty_money()})
            _add_money(target, amounts)
            _add_money(e["collections"]["total"], amounts)
    result = {"date": day, "stores": [_finish_day(entries[s.pk]) for s in done],
              "total": _finish_day(total), "not_audited": [s.pk for s in stores if s not in done]}
    result["total"]["store_count"] = len(done)
    return result


def _finish_day(e: dict) -> dict:
    f = figures_of(e.pop("nights"))
    extras = [{"category": k, "label": _category_label(k), "amount": quantize(v)} for k, v in sorted(e.pop("extras").items())]
    rooms, manual = quantize(e.pop("rooms")), quantize(e.pop("manual"))
    extras_total = quantize(sum((x["amount"] for x in extras), ZERO))
    room_types = sorted(e.pop("room_types").values(), key=lambda r: (r["name"], r["room_type_id"] or 0))
    for rt in room_types:
        rt["amount"] = quantize(rt["amount"])
        rt["adr"] = money_ratio(rt["amount"], rt["nights"])
    col = e.pop("collections")
    by_method = list(col["by_method"].values())
    for m in (col["total"], *by_method):
        for k in MONEY_KEYS:
            m[k] = quantize(m[k])
    return {
        **{k: e[k] for k in ("store_id", "store_name", "currency")},
        "rooms_total": f["rooms_total"], "rooms_out_of_order": f["rooms_out_of_order"],
        "rooms_available": f["rooms_available"], "rooms_sold": f["rooms_sold"], "occupancy": f["occupancy"],
        "adr": f["adr"], "revpar": f["revpar"],
        "revenue": {"rooms": rooms, "extras": extras, "extras_total": extras_total, "fees_and_manual": manual,
                    "other": f["other_revenue"], "total": f["total_revenue"]},
        "room_types": room_types,
        "collections": {"total": col["total"], "by_method": by_method},
        "deposits_held": quantize(e["deposits_held"]),
        "balance_in_house": quantize(e["balance_in_house"]), "balance_departed": quantize(e["balance_departed"]),
        **{k: e[k] for k in ("arrivals", "departures", "no_shows", "cancellations", "walk_ins")},
    }


# --- range reports ---------------------------------------------------------------------------


def _year_back(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def _bucket_start(d: date, granularity: str) -> date:
    if granularity == "week":
        return d - timedelta(days=d.weekday())
    if granularity == "month":
        return d.replace(day=1)
    return d


def _bucket_end(start: date, granularity: str) -> date:
    if granularity == "week":
        return start + timedelta(days=6)
    if granularity == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def range_check(*, start: date, end: date) -> None:
    if end < start or (end - start).days >= RANGE_MAX_DAYS:
        message = _("Choose a range of at most %(days)d days, the end not before the start.") % {"days": RANGE_MAX_DAYS}
        raise _invalid("end", message)


RANGE_FIGURES = ("rooms_available", "rooms_sold", "rooms_out_of_order", "occupancy", "adr", "revpar", "room_revenue",
                 "other_revenue", "total_revenue", "audited_nights")


def _range_figures(nights: Iterable[NightFigures]) -> dict:
    f = figures_of(nights)
    return {k: f[k] for k in RANGE_FIGURES}


def _change(now: dict, before: dict) -> dict:
    """Change against a comparison period: money and counts as a ratio (0.1250 = +12.5 %),
    occupancy in points (0.0500 = +5 points); None where the comparison is 0 or missing."""
    out = {}
    for k in ("occupancy", "adr", "revpar", "room_revenue", "total_revenue", "rooms_sold"):
        a, b = now[k], before[k]
        if a is None or b is None:
            out[k] = None
        elif k == "occupancy":
            out[k] = (a - b).quantize(RATIO)
        else:
            out[k] = ratio(Decimal(a) - Decimal(b), b) if b else None
    return out


def _not_closed(periods: Sequence[StorePeriod], extents: dict) -> list[StorePeriod]:
    """The parts of ``periods`` the audit has not closed: before a store's first closed
    night and after its last (closed nights are consecutive: the business date moves by
    one day per audit); a store with a gap is read night by night (one more query)."""
    out: list[StorePeriod] = []
    gapped = []
    for p in periods:
        e = extents.get(p.store_id)
        if e is None or not e.count:
            out.append(p)
        elif e.count == (e.last - e.first).days + 1:
            if e.first > p.first:
                out.append(StorePeriod(p.store_id, p.first, e.first - timedelta(days=1)))
            if e.last < p.last:
                out.append(StorePeriod(p.store_id, e.last + timedelta(days=1), p.last))
        else:
            gapped.append(p)
    if gapped:
        closed = daily_stats_of(periods=gapped)
        for p in gapped:
            run: list[date] = []
            for night in [*_days(p.first, p.last), None]:
                if night is not None and (p.store_id, night) not in closed:
                    run.append(night)
                elif run:
                    out.append(StorePeriod(p.store_id, run[0], run[-1]))
                    run = []
    return out


def range_report(*, stores: Sequence[Store], start: date, end: date, granularity: str = "day") -> dict:
    """Occupancy, ADR, RevPAR, room and total revenue of ``[start, end]`` over ``stores``,
    by day, week or month, with the previous period of the same length and the same dates
    a year before (docs/reports.md, "Range reports"). The closed nights are added up in
    SQL (one row per night and per store), the others computed live: one to four queries
    whatever the number of stores and days."""
    range_check(start=start, end=end)
    stores = list(stores)
    length = (end - start).days + 1
    prev_start, prev_end = start - timedelta(days=length), start - timedelta(days=1)
    ly_start, ly_end = _year_back(start), _year_back(end)
    first, last = min(ly_start, prev_start), end
    periods = [StorePeriod(s.pk, first, last) for s in stores]
    audited, extents = daily_stats_sums(periods=periods, start=start, end=end)
    summed: dict[date, NightFigures] = {night: NightFigures(*sums) for night, sums in audited.items()}
    by_store: dict[int, list[NightFigures]] = {s.pk: [] for s in stores}
    for s in stores:
        extent = extents.get(s.pk)
        if extent is not None and extent.count:
            by_store[s.pk].append(NightFigures(*extent.in_range))
    for (store_id, night), figures in live_nights(periods=_not_closed(periods, extents)).items():
        summed[night] = _sum_nights([summed[night], figures]) if night in summed else figures
        if start <= night <= end:
            by_store[store_id].append(figures)

    def span(a: date, b: date) -> dict:
        return _range_figures(summed[d] for d in _days(a, b) if d in summed)

    total = span(start, end)
    previous = span(prev_start, prev_end)
    last_year = span(ly_start, ly_end)
    buckets = []
    b = _bucket_start(start, granularity)
    while b <= end:
        b_end = _bucket_end(b, granularity)
        lo, hi = max(b, start), min(b_end, end)
        buckets.append({"start": lo, "end": hi, **span(lo, hi)})
        b = b_end + timedelta(days=1)
    by_store_out = [{"store_id": s.pk, "store_name": s.name, **_range_figures(by_store[s.pk])} for s in stores]
    return {
        "start": start, "end": end, "granularity": granularity,
        "currency": stores[0].currency if stores else "CNY",
        "store_count": len(stores),
        "total": total,
        "previous": {"start": prev_start, "end": prev_end, **previous, "change": _change(total, previous)},
        "last_year": {"start": ly_start, "end": ly_end, **last_year, "change": _change(total, last_year)},
        "buckets": buckets,
        "by_store": by_store_out,
    }


# --- channel mix -----------------------------------------------------------------------------


def channel_mix(*, stores: Sequence[Store], start: date, end: date) -> dict:
    """Nights, room revenue, ADR, average lead time and cancellation rate by channel over
    ``[start, end]`` (docs/reports.md, "Channel mix"); several stores' channels add up by
    channel code. One query."""
    range_check(start=start, end=end)
    stores = list(stores)
    rows = orders_channel_mix(periods=[StorePeriod(s.pk, start, end) for s in stores])
    several = len(stores) > 1
    found: dict = {}
    for r in rows:
        key = r.code if several else r.channel_id
        e = found.setdefault(key, {"channel_id": None if several else r.channel_id, "code": r.code, "name": r.name,
                                   "channel_type": r.channel_type, "nights": 0, "revenue": Decimal(0), "orders": 0,
                                   "cancelled": 0, "held_orders": 0, "lead_days": 0})
        for k in ("nights", "revenue", "orders", "cancelled", "held_orders", "lead_days"):
            e[k] += getattr(r, k)
    channels = []
    total = {"nights": 0, "revenue": Decimal(0), "orders": 0, "cancelled": 0, "held_orders": 0, "lead_days": 0}
    for e in found.values():
        for k in total:
            total[k] += e[k]
        channels.append(_channel_out(e))
    all_nights = total["nights"]
    for c in channels:
        c["share_of_nights"] = ratio(c["nights"], all_nights)
    channels.sort(key=lambda c: (-c["nights"], c["code"]))
    out_total = _channel_out({"channel_id": None, "code": "", "name": str(_("All channels")), "channel_type": "", **total})
    out_total["share_of_nights"] = ratio(all_nights, all_nights)
    return {"start": start, "end": end, "currency": stores[0].currency if stores else "CNY", "store_count": len(stores),
            "channels": channels, "total": out_total}


def _channel_out(e: dict) -> dict:
    revenue = quantize(e["revenue"])
    return {
        "channel_id": e["channel_id"], "code": e["code"], "name": e["name"], "channel_type": e["channel_type"],
        "nights": e["nights"], "revenue": revenue, "adr": money_ratio(revenue, e["nights"]),
        "orders": e["orders"], "cancelled": e["cancelled"], "cancellation_rate": ratio(e["cancelled"], e["orders"]),
        "avg_lead_days": (Decimal(e["lead_days"]) / e["held_orders"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if e["held_orders"] else None,
    }


def channel_type_label(channel_type: str) -> str:
    try:
        return str(Channel.Type(channel_type).label)
    except ValueError:
        return channel_type


# --- consumption analysis ---------------------------------------------------------------------


def consumption(*, stores: Sequence[Store], start: date, end: date) -> dict:
    """Extras charged over ``[start, end]`` (by business date, voids and moves of the period
    included) by item and by category; several stores' items add up by name and category
    (docs/reports.md, "Consumption analysis"). One query."""
    range_check(start=start, end=end)
    stores = list(stores)
    several = len(stores) > 1
    items: dict = {}
    categories: dict[str, dict] = {}
    total = {"quantity": 0, "amount": Decimal(0)}
    for row in extras_sold(periods=[StorePeriod(s.pk, start, end) for s in stores]):
        key = (row.name, row.category) if several else (row.item_id, row.name, row.category)
        item = items.setdefault(key, {"item_id": None if several else row.item_id, "name": row.name,
                                      "category": row.category, "label": _category_label(row.category),
                                      "quantity": 0, "amount": Decimal(0)})
        cat = categories.setdefault(row.category, {"category": row.category, "label": _category_label(row.category),
                                                   "quantity": 0, "amount": Decimal(0)})
        for target in (item, cat, total):
            target["quantity"] += row.quantity
            target["amount"] += row.amount
    amount = quantize(total["amount"])
    out_items = sorted(items.values(), key=lambda i: (-i["amount"], i["name"]))
    out_categories = sorted(categories.values(), key=lambda c: (-c["amount"], c["category"]))
    for entry in (*out_items, *out_categories):
        entry["amount"] = quantize(entry["amount"])
        entry["share"] = ratio(entry["amount"], amount)
    return {"start": start, "end": end, "currency": stores[0].currency if stores else "CNY", "store_count": len(stores),
            "items": out_items, "categories": out_categories, "total": {"quantity": total["quantity"], "amount": amount}}
