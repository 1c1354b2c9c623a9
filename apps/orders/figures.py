"""Set-based figures of orders for the night audit and reports: stays counted per night
(rooms sold, their revenue), arrivals and departures per day. Read-only; each function is
one statement whatever the number of stores or nights. The status sets are the model's
(``Order.HOLDING``, ``Order.ARRIVED``). The per-period statements are hand-written SQL:
set-based aggregates over the orders app's own tables."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q

from apps.common.periods import StorePeriod, unnest_params
from apps.orders.models import Order
from apps.tenancy.models import Store

Status = Order.Status


@dataclass(frozen=True)
class StayCounts:
    # Stays whose guest came (``Order.ARRIVED``) holding the night: rooms sold that night.
    sold: int
    # Of those, the ones arriving that day.
    arrivals: int
    # Stays that checked out, due out that day.
    departures: int
    # No-shows due that day.
    no_shows: int


def stay_counts_of_night(*, store: Store, night: date) -> StayCounts:
    """What the night audit counts of ``night`` in ``store`` (the day's figures). One query."""
    arrived = list(Order.ARRIVED)
    counts = Order.objects.filter(store=store).aggregate(
        sold=Count("id", filter=Q(status__in=arrived, arrival__lte=night, departure__gt=night)),
        arrivals=Count("id", filter=Q(status__in=arrived, arrival=night)),
        departures=Count("id", filter=Q(status=Status.CHECKED_OUT, departure=night)),
        no_shows=Count("id", filter=Q(status=Status.NO_SHOW, arrival=night)),
    )
    return StayCounts(**counts)


# Room-night lines of orders holding their nights, per store and night of each period:
# count (rooms sold) and sum (room revenue at the rates locked on the lines). Each
# order's lines are read by its key: LATERAL, and OFFSET 0 so that the planner keeps it
# a per-order index lookup (planned as a plain join on a new tenant whose tables were
# never analyzed, it became a filtered cross product of items and orders: 0.6 s for
# 16 stores x 60 orders).
_NIGHTS_SOLD_SQL = """
WITH p AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(store_id, first, last)
)
SELECT o.store_id, i.service_date, count(*), coalesce(sum(i.total_price), 0)
  FROM p JOIN orders_order o ON o.store_id = p.store_id AND o.status = ANY(%(holding)s)
            AND o.arrival <= p.last AND o.departure > p.first
  CROSS JOIN LATERAL (
        SELECT i.service_date, i.total_price FROM orders_orderitem i
         WHERE i.order_id = o.id AND i.kind = 'room_night' AND i.service_date >= p.first AND i.service_date <= p.last
        OFFSET 0
  ) i
 GROUP BY o.store_id, i.service_date
"""


def nights_sold(*, periods: Sequence[StorePeriod]) -> dict[tuple[int, date], tuple[int, Decimal]]:
    """Rooms sold and their revenue per (store id, night) of each period: the room-night
    lines of orders holding their nights (``Order.HOLDING``). Nights without any are absent.
    One query."""
    if not periods:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_NIGHTS_SOLD_SQL, {**unnest_params(periods), "holding": sorted(Order.HOLDING)})
        return {(store_id, night): (n, revenue) for store_id, night, n, revenue in cursor.fetchall()}


@dataclass(frozen=True)
class Movements:
    # Orders holding their nights that arrive that day, and of them those that checked in.
    arrivals: int = 0
    arrivals_checked_in: int = 0
    # Orders whose guest came that depart that day, and of them those that checked out.
    departures: int = 0
    departures_checked_out: int = 0


_MOVEMENTS_SQL = """
WITH p AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(store_id, first, last)
)
SELECT o.store_id, o.arrival, 'a', count(*) FILTER (WHERE o.status = ANY(%(holding)s)),
       count(*) FILTER (WHERE o.status = ANY(%(arrived)s))
  FROM p JOIN orders_order o ON o.store_id = p.store_id AND o.arrival >= p.first AND o.arrival <= p.last
 GROUP BY o.store_id, o.arrival
UNION ALL
SELECT o.store_id, o.departure, 'd', count(*), count(*) FILTER (WHERE o.status = %(checked_out)s)
  FROM p JOIN orders_order o ON o.store_id = p.store_id AND o.departure >= p.first AND o.departure <= p.last
            AND o.status = ANY(%(arrived)s)
 GROUP BY o.store_id, o.departure
"""


def movements(*, periods: Sequence[StorePeriod]) -> dict[tuple[int, date], Movements]:
    """Arrivals and departures per (store id, day) of each period (days without any are
    absent). One query."""
    if not periods:
        return {}
    params = {**unnest_params(periods), "holding": sorted(Order.HOLDING), "arrived": sorted(Order.ARRIVED),
              "checked_out": Status.CHECKED_OUT.value}
    found: dict[tuple[int, date], dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_MOVEMENTS_SQL, params)
        for store_id, day, kind, n, done in cursor.fetchall():
            entry = found.setdefault((store_id, day), {})
            if kind == "a":
                entry.update(arrivals=n, arrivals_checked_in=done)
            else:
                entry.update(departures=n, departures_checked_out=done)
    return {key: Movements(**values) for key, values in found.items()}


@dataclass(frozen=True)
class DayOrders:
    # Orders cancelled during the business day (``spans``: when the day ran).
    cancellations: int = 0
    # Guests who came (``Order.ARRIVED``) arriving that day without a booking: the walk-in
    # source or a walk-in channel.
    walk_ins: int = 0


_DAY_ORDERS_SQL = """
WITH w AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(sinces)s::timestamptz[], %(untils)s::timestamptz[]) AS w(store_id, since, until)
)
SELECT o.store_id,
       count(*) FILTER (WHERE o.status = %(cancelled)s AND o.cancelled_at > coalesce(w.since, '-infinity')
                          AND o.cancelled_at <= coalesce(w.until, 'infinity')),
       count(*) FILTER (WHERE o.status = ANY(%(arrived)s) AND o.arrival = %(day)s
                          AND (o.source = %(walk_in)s OR c.channel_type = %(walk_in)s))
  FROM w JOIN orders_order o ON o.store_id = w.store_id JOIN orders_channel c ON c.id = o.channel_id
 WHERE o.arrival = %(day)s OR (o.status = %(cancelled)s AND o.cancelled_at > coalesce(w.since, '-infinity')
                               AND o.cancelled_at <= coalesce(w.until, 'infinity'))
 GROUP BY o.store_id
"""


def day_orders(*, day: date, spans: dict[int, tuple[datetime | None, datetime | None]]) -> dict[int, DayOrders]:
    """Cancellations during business day ``day`` and its walk-ins, per store of ``spans``
    (store id -> when the day began and ended; None: open-ended). Stores without any are
    absent. One query."""
    if not spans:
        return {}
    ids = list(spans)
    params = {"stores": ids, "sinces": [spans[s][0] for s in ids], "untils": [spans[s][1] for s in ids], "day": day,
              "cancelled": Status.CANCELLED.value, "arrived": sorted(Order.ARRIVED), "walk_in": Order.Source.WALK_IN.value}
    with connection.cursor() as cursor:
        cursor.execute(_DAY_ORDERS_SQL, params)
        return {store_id: DayOrders(*counts) for store_id, *counts in cursor.fetchall()}


@dataclass(frozen=True)
class ChannelFigures:
    store_id: int
    channel_id: int
    code: str
    name: str
    channel_type: str
    # Room-night lines of orders holding their nights (``Order.HOLDING``) in the period,
    # and their sum: the nights and room revenue sold through the channel.
    nights: int
    revenue: Decimal
    # Orders arriving in the period (every status), of them the cancelled ones.
    orders: int
    cancelled: int
    # Orders holding their nights arriving in the period, and the sum of their lead times
    # (days from the store-local booking date to the arrival).
    held_orders: int
    lead_days: int


_CHANNEL_MIX_SQL = """
WITH p AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(store_id, first, last)
), n AS (
    SELECT o.channel_id, count(*) AS nights, coalesce(sum(i.total_price), 0) AS revenue
      FROM p JOIN orders_order o ON o.store_id = p.store_id AND o.status = ANY(%(holding)s)
                AND o.arrival <= p.last AND o.departure > p.first
      CROSS JOIN LATERAL (
            SELECT i.total_price FROM orders_orderitem i
             WHERE i.order_id = o.id AND i.kind = 'room_night' AND i.service_date >= p.first AND i.service_date <= p.last
            OFFSET 0
      ) i
     GROUP BY o.channel_id
), a AS (
    SELECT o.channel_id, count(*) AS orders, count(*) FILTER (WHERE o.status = %(cancelled)s) AS cancelled,
           count(*) FILTER (WHERE o.status = ANY(%(holding)s)) AS held,
           coalesce(sum(o.arrival - (o.created_at AT TIME ZONE s.time_zone)::date)
                    FILTER (WHERE o.status = ANY(%(holding)s)), 0) AS lead_days
      FROM p JOIN orders_order o ON o.store_id = p.store_id AND o.arrival >= p.first AND o.arrival <= p.last
      JOIN tenancy_store s ON s.id = o.store_id
     GROUP BY o.channel_id
)
SELECT c.store_id, c.id, c.code, c.name, c.channel_type, coalesce(n.nights, 0), coalesce(n.revenue, 0),
       coalesce(a.orders, 0), coalesce(a.cancelled, 0), coalesce(a.held, 0), coalesce(a.lead_days, 0)
  FROM orders_channel c
  LEFT JOIN n ON n.channel_id = c.id LEFT JOIN a ON a.channel_id = c.id
 WHERE c.store_id = ANY(%(stores)s) AND (n.channel_id IS NOT NULL OR a.channel_id IS NOT NULL)
 ORDER BY c.store_id, c.sort_order, c.id
"""


def channel_mix(*, periods: Sequence[StorePeriod]) -> list[ChannelFigures]:
    """Per store and channel that sold a night or had an arrival in the period: nights,
    room revenue, orders, cancellations, lead times (docs/reports.md, "Channel mix"). One query."""
    if not periods:
        return []
    params = {**unnest_params(periods), "holding": sorted(Order.HOLDING), "cancelled": Status.CANCELLED.value}
    with connection.cursor() as cursor:
        cursor.execute(_CHANNEL_MIX_SQL, params)
        return [ChannelFigures(*row) for row in cursor.fetchall()]
