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
- the business date of each row is the night itself: the audit of day D posts night D;
- the primary folio is opened if missing (``folio_one_primary_per_order`` decides
  between concurrent openings) with its ``opened`` event, as ``folio_primary_for_order``.

``apps/folios/tests/test_room_nights.py`` checks that a row posted here equals the row
``folio_post_room_night`` posts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from apps.common.money import quantize

MAX_AMOUNT = Decimal("99999999.99")


@dataclass
class RoomNightPosting:
    # (order_id, transaction_id, amount)
    posted: list[tuple[int, int, Decimal]] = field(default_factory=list)
    already_posted: list[int] = field(default_factory=list)
    zero_rate: list[int] = field(default_factory=list)
    folio_closed: list[int] = field(default_factory=list)
    no_line: list[int] = field(default_factory=list)
    folios_opened: int = 0

    @property
    def total(self) -> Decimal:
        return sum((amount for _o, _t, amount in self.posted), Decimal("0.00"))


def _insert_returning(model, rows: list[dict[str, Any]], *, conflict: str = "", returning: list[str] | None = None) -> list[tuple]:
    """``INSERT INTO <model> (<every concrete column but the id>) SELECT * FROM unnest(...)
    <conflict> RETURNING ...`` for ``rows`` (attribute name -> value; the model's own
    defaults for the others, ``auto_now_add`` included). One parameter per column, not per
    value: the statement text is the same whatever the number of rows."""
    if not rows:
        return []
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns, casts, params = [], [], []
    for f in fields:
        if f.attname in rows[0]:
            values = [row[f.attname] for row in rows]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            values = [now] * len(rows)
        else:
            values = [f.get_default() for _ in rows]
        columns.append(connection.ops.quote_name(f.column))
        casts.append(f"%s::{f.cast_db_type(connection)}[]")
        params.append([f.get_db_prep_save(v, connection) for v in values])
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT * FROM unnest({', '.join(casts)}) {conflict}"
    )
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(sql + f" RETURNING {', '.join(connection.ops.quote_name(c) for c in returning)}", params)
            return cursor.fetchall()
        cursor.execute(sql, params)
        return []


def post_room_nights(*, store_id: int, night: date, order_ids: list[int], actor=None) -> RoomNightPosting:
    """Post ``night`` to the primary folio of each order in ``order_ids`` (in the house
    that night). The caller holds the orders' row locks (taken in primary-key order):
    every folios service locks an order before its folios, so the folios of these
    orders cannot change under us either."""
    from apps.folios.models import Folio, FolioEvent, FolioTransaction

    result = RoomNightPosting()
    if not order_ids:
        return result
    user_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    # One read: each order's currency, its line of the night, its primary folio.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT o.id, o.currency, i.id, i.total_price, i.description, f.id, f.currency, f.closed_at IS NOT NULL
              FROM orders_order o
              LEFT JOIN orders_orderitem i ON i.order_id = o.id AND i.kind = 'room_night' AND i.service_date = %(night)s
              LEFT JOIN folios_folio f ON f.order_id = o.id AND f.is_primary
             WHERE o.id = ANY(%(ids)s)
             ORDER BY o.id
            """,
            {"night": night, "ids": list(order_ids)},
        )
        rows = cursor.fetchall()

    # Open the missing primary folios (with their "opened" event).
    folios: dict[int, tuple[int, str, bool]] = {oid: (fid, fcur, closed) for oid, _c, *_l, fid, fcur, closed in rows if fid}
    missing = [(oid, currency) for oid, currency, *_rest, fid, _fc, _cl in rows if not fid]
    if missing:
        opened = _insert_returning(
            Folio,
            [{"store_id": store_id, "order_id": oid, "is_primary": True, "currency": currency, "created_by_id": user_id,
              "created_at": now} for oid, currency in missing],
            conflict='ON CONFLICT ("order_id") WHERE "is_primary" DO NOTHING',
            returning=["id", "order_id", "currency"],
        )
        _insert_returning(FolioEvent, [
            {"folio_id": fid, "kind": FolioEvent.Kind.OPENED, "actor_id": user_id, "at": now, "data": {"primary": True}}
            for fid, _o, _c in opened
        ])
        folios.update({oid: (fid, currency, False) for fid, oid, currency in opened})
        result.folios_opened = len(opened)
        if len(opened) < len(missing):  # opened meanwhile by a caller that did not lock the order
            for fid, oid, currency, closed in Folio.objects.filter(
                order_id__in=[oid for oid, _c in missing if oid not in folios], is_primary=True
            ).values_list("id", "order_id", "currency", "closed_at"):
                folios[oid] = (fid, currency, closed is not None)

    txs, folio_order = [], {}
    for oid, _currency, line_id, price, description, *_f in rows:
        folio_id, currency, closed = folios[oid]
        if line_id is None:
            result.no_line.append(oid)
            continue
        if closed:
            result.folio_closed.append(oid)
            continue
        amount = quantize(price, currency)
        if amount <= 0 or amount > MAX_AMOUNT:
            result.zero_rate.append(oid)
            continue
        folio_order[folio_id] = oid
        txs.append({
            "folio_id": folio_id, "store_id": store_id, "currency": currency,
            "transaction_type": FolioTransaction.Type.CHARGE, "posts_to": FolioTransaction.PostsTo.CHARGES,
            "charge_type": FolioTransaction.ChargeType.ROOM_NIGHT, "amount": amount, "quantity": 1, "unit_price": amount,
            "description": (description or night.isoformat())[:255], "service_date": night, "order_item_id": line_id,
            "actor_id": user_id, "posted_at": now, "business_date": night,
        })
    inserted = _insert_returning(
        FolioTransaction, txs,
        conflict=(
            'ON CONFLICT ("folio_id", "service_date") '
            "WHERE \"transaction_type\" = 'charge' AND \"charge_type\" = 'room_night' DO NOTHING"
        ),
        returning=["id", "folio_id", "amount"],
    )
    posted_folios = set()
    for tx_id, folio_id, amount in inserted:
        posted_folios.add(folio_id)
        result.posted.append((folio_order[folio_id], tx_id, amount))
    result.posted.sort()
    result.already_posted = sorted(oid for fid, oid in folio_order.items() if fid not in posted_folios)
    return result
