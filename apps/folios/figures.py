"""Set-based figures of the folio ledger for the night audit and reports: revenue of a
business day, money taken and given back per payment method. Read-only; one statement
each, whatever the number of stores. The collections statement is hand-written SQL: a
set-based aggregate over the folios app's own tables (the ledger and payment methods)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q, Sum

from apps.common.periods import StorePeriod
from apps.folios.models import FolioTransaction
from apps.tenancy.models import Store

ChargeType = FolioTransaction.ChargeType


@dataclass(frozen=True)
class DayRevenue:
    # Room-night charges posted on the business day (the audit's night, a same-day
    # check-out's night), net of voids posted that day.
    rooms: Decimal
    # Other charges (extras, manual charges) posted during the business day, net of voids.
    other: Decimal


def revenue_of_day(*, store: Store, day: date) -> DayRevenue:
    """The store's revenue of business day ``day`` as the night audit records it: every
    charge by the business date it was posted on (``business_date``: the night itself for
    the audit's room charges), room nights apart; voids and moves included, as signed
    rows dated the day they were made, so a correction after the audit lands in the open
    day and the days' figures add up to the ledger. One query."""
    rooms = Q(charge_type=ChargeType.ROOM_NIGHT, business_date=day)
    other = Q(charge_type__in=[ChargeType.EXTRA, ChargeType.MANUAL], business_date=day)
    sums = FolioTransaction.objects.filter(rooms | other, store=store, posts_to=FolioTransaction.PostsTo.CHARGES).aggregate(
        rooms=Sum("amount", filter=rooms, default=Decimal(0)), other=Sum("amount", filter=other, default=Decimal(0)),
    )
    return DayRevenue(rooms=sums["rooms"], other=sums["other"])


@dataclass(frozen=True)
class MoneyMoves:
    payments: Decimal
    refunds: Decimal
    deposits: Decimal
    deposit_returns: Decimal


@dataclass(frozen=True)
class Collection:
    """Money moved through one payment method of a store: on the period's last day and
    over the whole period (store-local calendar days, by the time the row was posted)."""

    store_id: int
    method_id: int
    name: str
    method_type: str
    last_day: MoneyMoves
    period: MoneyMoves


# One row per store and payment method that moved money in the period (voids and moves
# of those rows included: they post to the same totals with the opposite sign).
_COLLECTIONS_SQL = """
WITH s AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(day_starts)s::timestamptz[], %(day_ends)s::timestamptz[],
                         %(starts)s::timestamptz[]) AS s(store_id, day_start, day_end, start)
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
  FROM s JOIN folios_foliotransaction t ON t.store_id = s.store_id AND t.posted_at >= s.start AND t.posted_at < s.day_end
            AND t.posts_to IN ('payments', 'refunds', 'deposits', 'deposit_returns')
  JOIN folios_paymentmethod pm ON pm.id = t.payment_method_id
 GROUP BY t.store_id, pm.id, pm.name, pm.method_type, pm.sort_order
 ORDER BY t.store_id, pm.sort_order, pm.id
"""


def collections(*, periods: Sequence[StorePeriod], time_zones: Mapping[int, str]) -> list[Collection]:
    """Money taken and given back per store and payment method over each period and on
    its last day, the days being the store's calendar days in its time zone
    (``time_zones``: store id -> zone). Methods that moved nothing are absent; by store,
    then the methods' display order. One query."""
    if not periods:
        return []
    params: dict[str, list] = {"stores": [], "day_starts": [], "day_ends": [], "starts": []}
    for p in periods:
        tz = ZoneInfo(time_zones[p.store_id])
        params["stores"].append(p.store_id)
        params["day_starts"].append(datetime.combine(p.last, time(0), tzinfo=tz))
        params["day_ends"].append(datetime.combine(p.last + timedelta(days=1), time(0), tzinfo=tz))
        params["starts"].append(datetime.combine(p.first, time(0), tzinfo=tz))
    with connection.cursor() as cursor:
        cursor.execute(_COLLECTIONS_SQL, params)
        rows = cursor.fetchall()
    return [
        Collection(store_id=store_id, method_id=method_id, name=name, method_type=method_type,
                   last_day=MoneyMoves(*amounts[:4]), period=MoneyMoves(*amounts[4:]))
        for store_id, method_id, name, method_type, *amounts in rows
    ]
