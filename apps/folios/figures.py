"""Set-based figures of the folio ledger for the night audit and reports: revenue of a
business day, money taken and given back per payment method. Read-only; one statement
each, whatever the number of stores. The collections statement is hand-written SQL: a
set-based aggregate over the folios app's own tables (the ledger and payment methods)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
    over the whole period (business days, by the business date the row was posted on)."""

    store_id: int
    method_id: int
    name: str
    method_type: str
    last_day: MoneyMoves
    period: MoneyMoves


# One row per store and payment method that moved money in the period (voids and moves
# of those rows included: they post to the same totals with the opposite sign), by the
# business date each row was posted on: money taken after midnight but before the day's
# audit belongs to the open business day, as the day's revenue does.
_COLLECTIONS_SQL = """
WITH s AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS s(store_id, first, last)
)
SELECT t.store_id, pm.id, pm.name, pm.method_type,
       coalesce(sum(t.amount) FILTER (WHERE t.business_date = s.last AND t.posts_to = 'payments'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.business_date = s.last AND t.posts_to = 'refunds'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.business_date = s.last AND t.posts_to = 'deposits'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.business_date = s.last AND t.posts_to = 'deposit_returns'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posts_to = 'payments'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posts_to = 'refunds'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posts_to = 'deposits'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.posts_to = 'deposit_returns'), 0)
  FROM s JOIN folios_foliotransaction t ON t.store_id = s.store_id AND t.business_date BETWEEN s.first AND s.last
            AND t.posts_to IN ('payments', 'refunds', 'deposits', 'deposit_returns')
  JOIN folios_paymentmethod pm ON pm.id = t.payment_method_id
 GROUP BY t.store_id, pm.id, pm.name, pm.method_type, pm.sort_order
 ORDER BY t.store_id, pm.sort_order, pm.id
"""


def collections(*, periods: Sequence[StorePeriod]) -> list[Collection]:
    """Money taken and given back per store and payment method over each period and on
    its last day, by business date (the day the store's audit closes: money taken after
    midnight and before the audit counts in the open day). Methods that moved nothing are
    absent; by store, then the methods' display order. One query."""
    if not periods:
        return []
    params = {"stores": [p.store_id for p in periods], "firsts": [p.first for p in periods],
              "lasts": [p.last for p in periods]}
    with connection.cursor() as cursor:
        cursor.execute(_COLLECTIONS_SQL, params)
        rows = cursor.fetchall()
    return [
        Collection(store_id=store_id, method_id=method_id, name=name, method_type=method_type,
                   last_day=MoneyMoves(*amounts[:4]), period=MoneyMoves(*amounts[4:]))
        for store_id, method_id, name, method_type, *amounts in rows
    ]
