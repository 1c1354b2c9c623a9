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

from apps.common.periods import StorePeriod, unnest_params
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


# Charges by the business date they were posted on (voids and moves included: signed rows
# dated the day they were made), room nights apart: the revenue of each day of each period.
_REVENUE_BY_DAY_SQL = """
WITH p AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(store_id, first, last)
)
SELECT t.store_id, t.business_date,
       coalesce(sum(t.amount) FILTER (WHERE t.charge_type = 'room_night'), 0),
       coalesce(sum(t.amount) FILTER (WHERE t.charge_type <> 'room_night'), 0)
  FROM p JOIN folios_foliotransaction t ON t.store_id = p.store_id AND t.business_date BETWEEN p.first AND p.last
            AND t.posts_to = 'charges'
 GROUP BY t.store_id, t.business_date
"""


def revenue_by_day(*, periods: Sequence[StorePeriod]) -> dict[tuple[int, date], DayRevenue]:
    """``revenue_of_day`` for every day of each period, by (store id, business date); days
    without charges are absent. One query."""
    if not periods:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_REVENUE_BY_DAY_SQL, unnest_params(periods))
        return {(store_id, day): DayRevenue(rooms=rooms, other=other) for store_id, day, rooms, other in cursor.fetchall()}


@dataclass(frozen=True)
class ChargeLine:
    """Charges of one kind posted on a business day, net of voids and moves of that day."""

    store_id: int
    # room_night, extra, manual (fees and the desk's own charges)
    charge_type: str
    # extras: the catalogue item's category ('' for an extra described at the desk)
    category: str
    # room nights: the line's room type (the order's when the line has none)
    room_type_id: int | None
    room_type_name: str
    amount: Decimal
    # rows posted less rows taken back (for room nights: the nights charged that day)
    count: int


# One row per store, kind, extra category and room type of the charges dated the day.
_CHARGES_OF_DAY_SQL = """
SELECT t.store_id, t.charge_type, coalesce(x.category, ''),
       CASE WHEN t.charge_type = 'room_night' THEN coalesce(oi.room_type_id, o.room_type_id) END AS rt_id,
       coalesce(rt.name, ''), sum(t.amount), sum(sign(t.amount))::int
  FROM folios_foliotransaction t
  JOIN folios_folio f ON f.id = t.folio_id
  JOIN orders_order o ON o.id = f.order_id
  LEFT JOIN folios_extrachargeitem x ON x.id = t.extra_item_id
  LEFT JOIN orders_orderitem oi ON oi.id = t.order_item_id
  LEFT JOIN rooms_roomtype rt ON rt.id = CASE WHEN t.charge_type = 'room_night' THEN coalesce(oi.room_type_id, o.room_type_id) END
 WHERE t.store_id = ANY(%(stores)s) AND t.business_date = %(day)s AND t.posts_to = 'charges'
 GROUP BY t.store_id, t.charge_type, coalesce(x.category, ''), rt_id, coalesce(rt.name, '')
 ORDER BY t.store_id, t.charge_type, rt_id
"""


def charges_of_day(*, store_ids: Sequence[int], day: date) -> list[ChargeLine]:
    """The charges of business day ``day`` of each store by kind, extra category and room
    type (docs/reports.md: revenue by category and by room type). One query."""
    if not store_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_CHARGES_OF_DAY_SQL, {"stores": list(store_ids), "day": day})
        return [ChargeLine(*row) for row in cursor.fetchall()]


@dataclass(frozen=True)
class Balances:
    """What the store's guests owe at the end of a business day, by where they were that
    night, and the deposits it holds: sums of the ledger rows dated that day or before."""

    in_house: Decimal
    departed: Decimal
    other: Decimal
    deposits_held: Decimal


# Each folio's rows up to the day, grouped by where its order's guest was that night:
# in the house (came, arrival <= day < departure), departed (came, departure <= day), other
# (not arrived yet, called off). Balance = charges - discounts - payments + refunds.
_BALANCES_SQL = """
SELECT t.store_id,
       CASE WHEN o.status = ANY(%(arrived)s) AND o.arrival <= %(day)s AND o.departure > %(day)s THEN 'in_house'
            WHEN o.status = ANY(%(arrived)s) AND o.departure <= %(day)s THEN 'departed'
            ELSE 'other' END AS grp,
       coalesce(sum(CASE t.posts_to WHEN 'charges' THEN t.amount WHEN 'refunds' THEN t.amount
                                    WHEN 'discounts' THEN -t.amount WHEN 'payments' THEN -t.amount ELSE 0 END), 0),
       coalesce(sum(CASE t.posts_to WHEN 'deposits' THEN t.amount WHEN 'deposit_returns' THEN -t.amount ELSE 0 END), 0)
  FROM folios_foliotransaction t
  JOIN folios_folio f ON f.id = t.folio_id
  JOIN orders_order o ON o.id = f.order_id
 WHERE t.store_id = ANY(%(stores)s) AND t.business_date <= %(day)s
 GROUP BY t.store_id, grp
"""


def balances_as_of(*, store_ids: Sequence[int], day: date, arrived: Sequence[str]) -> dict[int, Balances]:
    """Each store's guest balances and deposits held at the end of business day ``day``
    (rows posted on a later day do not count, so a closed day's figures never change).
    ``arrived``: the statuses of a stay whose guest came (``Order.ARRIVED``). One query."""
    found: dict[int, dict[str, Decimal]] = {s: {} for s in store_ids}
    if not store_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_BALANCES_SQL, {"stores": list(store_ids), "day": day, "arrived": sorted(arrived)})
        for store_id, group, balance, deposits in cursor.fetchall():
            entry = found[store_id]
            entry[group] = balance
            entry["deposits"] = entry.get("deposits", Decimal(0)) + deposits
    zero = Decimal("0.00")
    return {store_id: Balances(in_house=e.get("in_house", zero), departed=e.get("departed", zero),
                               other=e.get("other", zero), deposits_held=e.get("deposits", zero))
            for store_id, e in found.items()}


@dataclass(frozen=True)
class ExtraSold:
    """Extras charged in a period, per store and item: the catalogue item, or the
    description of an extra entered at the desk; voids and moves of the period included."""

    store_id: int
    item_id: int | None
    name: str
    category: str
    quantity: int
    amount: Decimal


_EXTRAS_SQL = """
WITH p AS (
    SELECT * FROM unnest(%(stores)s::bigint[], %(firsts)s::date[], %(lasts)s::date[]) AS p(store_id, first, last)
)
SELECT t.store_id, t.extra_item_id, coalesce(x.name, t.description), coalesce(x.category, ''),
       sum(sign(t.amount) * t.quantity)::int, sum(t.amount)
  FROM p JOIN folios_foliotransaction t ON t.store_id = p.store_id AND t.business_date BETWEEN p.first AND p.last
            AND t.posts_to = 'charges' AND t.charge_type = 'extra'
  LEFT JOIN folios_extrachargeitem x ON x.id = t.extra_item_id
 GROUP BY t.store_id, t.extra_item_id, coalesce(x.name, t.description), coalesce(x.category, '')
"""


def extras_sold(*, periods: Sequence[StorePeriod]) -> list[ExtraSold]:
    """Extras charged per store and item over each period, by business date (consumption
    analysis, docs/reports.md). One query."""
    if not periods:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_EXTRAS_SQL, unnest_params(periods))
        return [ExtraSold(*row) for row in cursor.fetchall()]
