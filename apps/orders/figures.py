"""Set-based figures of orders for the night audit and reports: stays counted per night
(rooms sold, their revenue), arrivals and departures per day. Read-only; each function is
one statement whatever the number of stores or nights. The status sets are the model's
(``Order.HOLDING``, ``Order.ARRIVED``). The per-period statements are hand-written SQL:
set-based aggregates over the orders app's own tables."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
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
