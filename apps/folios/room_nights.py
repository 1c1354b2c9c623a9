"""Room-night charges of a whole store for one night, set-based: the night audit's path
into the ledger (``apps.folios.services.folio_post_room_nights``).

The set-based twin of ``folio_post_room_night`` (one order at a time, ~8 statements each:
2,300 orders would take seconds). It follows the same rules and lets the ledger's own
database objects keep them:

- one room-night charge per folio and night, ever: ``INSERT ... ON CONFLICT DO NOTHING``
  against the partial unique index ``ledger_one_room_night_per_night`` (a voided night
  stays voided; a rerun inserts nothing);
- totals: the ledger's ``AFTER INSERT`` trigger (``pms_ledger_apply``) adds every
  inserted row to its folio's totals and balance, as for any other posting; the order's
  ``paid_amount`` is not concerned (room charges are not payments);
- lock order: the caller locks the orders by primary key; this module's services lock an
  order before its folios, so the folios cannot change under the audit (the ledger
  trigger then locks each folio row it updates);
- the amount is the night's locked rate (its room-night line), rounded by
  ``apps.common.money.quantize``; a zero-rate night (complimentary) is not posted (a
  ledger charge is above zero); a closed folio takes nothing;
- per folio, never per store: a night above one posting's maximum (``amount_too_large``)
  or that would take its folio's charges past ``MAX_FOLIO_TOTAL``
  (``folio_limit_exceeded``) is left out *before* the INSERT, from the totals read with
  the folios (the orders' locks keep them still); the rest of the store posts. Anything
  else the database refuses for one row (a CHECK, a ledger trigger) would fail the whole
  INSERT: it runs in a savepoint, and only when it fails are the rows posted again one by
  one, each in its own savepoint, the refused ones listed with their SQLSTATE
  (``posting_refused``). A lock timeout is not a refusal: it propagates;
- the business date of each row is the night itself: the audit of day D posts night D;
- the primary folio is opened if missing (``folio_one_primary_per_order`` decides
  between concurrent openings) with its ``opened`` event, as ``folio_primary_for_order``;
- the nights' lines come from orders (``apps.orders.selectors.room_night_lines``); the
  two INSERTs are set-based statements on the folios' own tables, the only way to learn
  in one statement which rows a unique index let in.

``apps/folios/tests/test_room_nights.py`` checks that a row posted here equals the row
``folio_post_room_night`` posts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from apps.common import metrics
from apps.common.money import MAX_FOLIO_TOTAL, MAX_POSTING, quantize
from apps.folios.error_codes import FolioErrorCode
from apps.folios.models import Folio, FolioEvent, FolioTransaction
from apps.folios.selectors import folio_order_money
from apps.orders.selectors import room_night_lines
from apps.orders.services import order_items_posted, order_money_set

# Why a night was left out (besides zero_rate, folio_closed, no_line): the limits, or the
# database's refusal of that one row.
AMOUNT_TOO_LARGE = FolioErrorCode.AMOUNT_TOO_LARGE.value
FOLIO_LIMIT_EXCEEDED = FolioErrorCode.FOLIO_LIMIT_EXCEEDED.value
POSTING_REFUSED = "posting_refused"
REFUSALS = (AMOUNT_TOO_LARGE, FOLIO_LIMIT_EXCEEDED, POSTING_REFUSED)
ZERO = Decimal("0.00")


@dataclass
class RoomNightPosting:
    # (order_id, transaction_id, amount)
    posted: list[tuple[int, int, Decimal]] = field(default_factory=list)
    already_posted: list[int] = field(default_factory=list)
    zero_rate: list[int] = field(default_factory=list)
    folio_closed: list[int] = field(default_factory=list)
    no_line: list[int] = field(default_factory=list)
    # (order_id, reason, detail): AMOUNT_TOO_LARGE, FOLIO_LIMIT_EXCEEDED or POSTING_REFUSED
    # (detail: the SQLSTATE and message), never posted, the rest of the store posted.
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    folios_opened: int = 0

    @property
    def total(self) -> Decimal:
        return sum((amount for _o, _t, amount in self.posted), Decimal("0.00"))


# Primary folios opened for orders that have none (``folio_one_primary_per_order``
# decides between concurrent openings: a folio opened meanwhile is not returned).
_OPEN_SQL = """
    INSERT INTO folios_folio (store_id, order_id, is_primary, name, notes, currency, total_charges, total_discounts,
                              total_payments, total_refunds, total_deposits, total_deposit_returns, balance,
                              created_by_id, created_at)
    SELECT %(store)s, o.order_id, true, '', '', o.currency, 0, 0, 0, 0, 0, 0, 0, %(actor)s, %(now)s
      FROM unnest(%(orders)s::bigint[], %(currencies)s::text[]) AS o(order_id, currency)
    ON CONFLICT (order_id) WHERE is_primary DO NOTHING
    RETURNING id, order_id, currency
"""
# The night's room charges: one per folio and night, ever (``ledger_one_room_night_per_night``:
# a night already posted, voided since or not, is not returned). The ledger's trigger adds
# each row to its folio's totals.
_POST_SQL = """
    INSERT INTO folios_foliotransaction (folio_id, store_id, currency, transaction_type, posts_to, charge_type, amount,
                                         quantity, unit_price, description, service_date, order_item_id, actor_id,
                                         posted_at, business_date, reason, gateway_txn_id)
    SELECT t.folio_id, %(store)s, t.currency, 'charge', 'charges', 'room_night', t.amount, 1, t.amount, t.description,
           %(night)s, t.item_id, %(actor)s, %(now)s, %(night)s, '', ''
      FROM unnest(%(folios)s::bigint[], %(currencies)s::text[], %(amounts)s::numeric[], %(descriptions)s::text[],
                  %(items)s::bigint[]) AS t(folio_id, currency, amount, description, item_id)
    ON CONFLICT (folio_id, service_date) WHERE transaction_type = 'charge' AND charge_type = 'room_night' DO NOTHING
    RETURNING id, folio_id, amount
"""


def post_room_nights(*, store_id: int, night: date, order_ids: list[int], actor=None) -> RoomNightPosting:
    """Post ``night`` to the primary folio of each order in ``order_ids`` (in the house
    that night). The caller holds the orders' row locks (taken in primary-key order):
    every folios service locks an order before its folios, so the folios of these
    orders cannot change under us either."""
    result = RoomNightPosting()
    if not order_ids:
        return result
    user_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    lines = room_night_lines(order_ids=order_ids, night=night)  # orders' own read of the night's lines
    folios = {
        order_id: (folio_id, currency, closed_at is not None, charges)
        for folio_id, order_id, currency, closed_at, charges in Folio.objects.filter(order_id__in=order_ids, is_primary=True)
        .values_list("id", "order_id", "currency", "closed_at", "total_charges")
    }

    # Open the missing primary folios (with their "opened" event).
    missing = [line for line in lines if line.order_id not in folios]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(_OPEN_SQL, {
                "store": store_id, "actor": user_id, "now": now,
                "orders": [line.order_id for line in missing], "currencies": [line.currency for line in missing],
            })
            opened = cursor.fetchall()
        FolioEvent.objects.bulk_create([
            FolioEvent(folio_id=folio_id, kind=FolioEvent.Kind.OPENED, actor_id=user_id, at=now, data={"primary": True})
            for folio_id, _order, _currency in opened
        ])
        folios.update({order_id: (folio_id, currency, False, ZERO) for folio_id, order_id, currency in opened})
        result.folios_opened = len(opened)
        if len(opened) < len(missing):  # opened meanwhile by a caller that did not lock the order
            for folio_id, order_id, currency, closed_at, charges in Folio.objects.filter(
                order_id__in=[line.order_id for line in missing if line.order_id not in folios], is_primary=True
            ).values_list("id", "order_id", "currency", "closed_at", "total_charges"):
                folios[order_id] = (folio_id, currency, closed_at is not None, charges)

    rows: list[tuple] = []  # (folio_id, currency, amount, description, item_id)
    folio_order = {}
    over: dict[int, tuple[int, str]] = {}  # folio_id -> (order_id, reason): past a limit
    for line in lines:
        folio_id, currency, closed, charges = folios[line.order_id]
        if line.item_id is None:
            result.no_line.append(line.order_id)
            continue
        if closed:
            result.folio_closed.append(line.order_id)
            continue
        amount = quantize(line.price, currency)
        if amount <= 0:
            result.zero_rate.append(line.order_id)
            continue
        if amount > MAX_POSTING or charges + amount > MAX_FOLIO_TOTAL:
            over[folio_id] = (line.order_id, AMOUNT_TOO_LARGE if amount > MAX_POSTING else FOLIO_LIMIT_EXCEEDED)
            continue
        folio_order[folio_id] = line.order_id
        rows.append((folio_id, currency, amount, (line.description or night.isoformat())[:255], line.item_id))
    if over:  # a night posted before (at the desk) is already posted, whatever its folio holds now
        posted_before = set(FolioTransaction.objects.filter(
            folio_id__in=list(over), transaction_type=FolioTransaction.Type.CHARGE,
            charge_type=FolioTransaction.ChargeType.ROOM_NIGHT, service_date=night,
        ).values_list("folio_id", flat=True))
        result.already_posted.extend(order_id for folio_id, (order_id, _r) in over.items() if folio_id in posted_before)
        result.refused.extend((order_id, reason, "") for folio_id, (order_id, reason) in over.items() if folio_id not in posted_before)
    params = {"store": store_id, "night": night, "actor": user_id, "now": now}
    inserted, refused = _insert_all(params, rows)
    metrics.folio_posted_on_commit(kind=FolioTransaction.Type.CHARGE, count=len(inserted))
    result.refused.extend((folio_order[folio_id], POSTING_REFUSED, detail) for folio_id, detail in refused)
    refused_folios = {folio_id for folio_id, _detail in refused}
    posted_folios = set()
    for tx_id, folio_id, amount in inserted:
        posted_folios.add(folio_id)
        result.posted.append((folio_order[folio_id], tx_id, amount))
    result.posted.sort()
    if posted_folios:  # the lines are charged now: the orders count them in what their folios charged
        item_of_folio = {row[0]: row[4] for row in rows}
        order_items_posted(item_ids=[item_of_folio[folio_id] for folio_id in posted_folios])
        order_money_set(money=folio_order_money(order_ids=sorted({folio_order[f] for f in posted_folios})))
    result.already_posted = sorted([
        *result.already_posted,
        *(oid for fid, oid in folio_order.items() if fid not in posted_folios and fid not in refused_folios),
    ])
    result.refused.sort()
    return result


def _execute(params: dict, rows: list[tuple]) -> list[tuple]:
    columns = dict(zip(("folios", "currencies", "amounts", "descriptions", "items"), map(list, zip(*rows))))
    with connection.cursor() as cursor:
        cursor.execute(_POST_SQL, {**params, **columns})
        return cursor.fetchall()


def _insert_all(params: dict, rows: list[tuple]) -> tuple[list[tuple], list[tuple[int, str]]]:
    """Insert ``rows`` in one statement; if the database refuses it (a row breaks a CHECK
    or a ledger trigger), post them again one by one, each in a savepoint, and return the
    rows refused with their SQLSTATE and message. Returns (inserted, refused)."""
    if not rows:
        return [], []
    try:
        with transaction.atomic():
            return _execute(params, rows), []
    except (IntegrityError, DataError):
        pass
    inserted, refused = [], []
    for row in rows:
        try:
            with transaction.atomic():
                inserted.extend(_execute(params, [row]))
        except (IntegrityError, DataError) as exc:
            cause = exc.__cause__
            refused.append((row[0], f"{getattr(cause, 'sqlstate', None) or ''} {exc}".strip()[:500]))
    return inserted, refused
