"""Reads of folios: lists and details (with the ledger and derived state), payment
methods, the extra-charge catalogue, and the reconciliation of totals with the ledger."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from apps.common.errors import NotFoundError
from apps.common.money import quantize
from apps.folios.models import ExtraChargeItem, Folio, FolioEvent, FolioTransaction, PaymentMethod
from apps.orders.models import Order
from apps.orders.selectors import unposted_lines
from apps.tenancy.models import Store


def _not_found() -> NotFoundError:
    return NotFoundError("not_found", _("Not found."))


def folio_list(*, store: Store, filters: dict[str, Any] | None = None) -> QuerySet[Folio]:
    """The store's folios, newest first, with their order's number (one query per page).
    ``filters``: ``order_id``, ``is_closed``."""
    filters = filters or {}
    qs = Folio.objects.filter(store=store).select_related("order").only(
        *FOLIO_ROW_FIELDS, "order__id", "order__code", "order__primary_contact_name", "order__total_amount",
        "order__charged_amount",
    )
    if filters.get("order_id") is not None:
        qs = qs.filter(order_id=filters["order_id"])
    if filters.get("is_closed") is not None:
        qs = qs.filter(closed_at__isnull=not filters["is_closed"])
    return qs.order_by("-id")


FOLIO_ROW_FIELDS = [
    "id", "store_id", "order_id", "name", "is_primary", "currency", "total_charges", "total_discounts", "total_payments",
    "total_refunds", "total_deposits", "total_deposit_returns", "balance", "closed_at", "created_at",
]


def folios_for_order(*, store: Store, order_id: int) -> list[Folio]:
    """The order's folios, primary first (one query)."""
    return list(Folio.objects.filter(store=store, order_id=order_id).select_related("order").order_by("-is_primary", "id"))


def folio_get(*, store: Store, folio_id: int) -> Folio:
    """One folio of ``store`` with its ledger (oldest first), events and, on a primary
    folio, its order's lines not charged yet (``unposted``; four queries), else 404.
    Each ledger row gets ``taken_back_by`` (the reversal or transfer_out that took it back,
    always on the same folio) set, so ``is_void`` / ``is_moved`` cost no query."""
    folio = (
        Folio.objects.filter(store=store, pk=folio_id)
        .select_related("order", "order__room")
        .prefetch_related(
            Prefetch(
                "transactions",
                queryset=FolioTransaction.objects.select_related("payment_method", "actor").order_by("id"),
                to_attr="ledger",
            ),
            Prefetch("events", queryset=FolioEvent.objects.select_related("actor").order_by("id"), to_attr="event_list"),
        )
        .first()
    )
    if folio is None:
        raise _not_found()
    annotate_taken_back(folio.ledger)
    called_off = folio.order.status in folio.order.CALLED_OFF
    folio.unposted = unposted_lines(order_ids=[folio.order_id]) if folio.is_primary and not called_off else []
    return folio


def annotate_taken_back(rows: list[FolioTransaction]) -> None:
    by_id = {row.pk: row for row in rows}
    for row in rows:
        row.taken_back = None
    for row in rows:
        if row.reverses_id in by_id:
            by_id[row.reverses_id].taken_back = row


def folio_for_update(*, store: Store, folio_id: int) -> Folio:
    """The folio a write is about (the service locks and re-reads it), else 404."""
    folio = Folio.objects.filter(store=store, pk=folio_id).first()
    if folio is None:
        raise _not_found()
    return folio


def transaction_for_update(*, folio: Folio, tx_id: int) -> FolioTransaction:
    tx = FolioTransaction.objects.filter(folio=folio, pk=tx_id).first()
    if tx is None:
        raise _not_found()
    return tx


def folio_summary(*, folio_id: int) -> Folio:
    """A folio's row as written (totals read back after a posting), with its order."""
    return Folio.objects.select_related("order").get(pk=folio_id)


def transaction_get(*, tx_id: int) -> FolioTransaction:
    tx = FolioTransaction.objects.select_related("payment_method", "actor").get(pk=tx_id)
    tx.taken_back = None
    return tx


# --- payment methods and extras ---------------------------------------------------------------


def payment_method_list(*, store: Store, active_only: bool = False, desk_only: bool = False) -> QuerySet[PaymentMethod]:
    """The store's methods; ``desk_only``: without stored value and points, which are taken
    on the member's page (apps.members), not on the folio's forms."""
    qs = PaymentMethod.objects.filter(store=store)
    if desk_only:
        qs = qs.exclude(method_type__in=PaymentMethod.MEMBER_TYPES)
    return qs.filter(is_active=True) if active_only else qs


def payment_method_lookup(*, store: Store, method_id: int) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(store=store, pk=method_id).first()


def extra_item_list(*, store: Store, active_only: bool = False) -> QuerySet[ExtraChargeItem]:
    qs = ExtraChargeItem.objects.filter(store=store)
    return qs.filter(is_active=True) if active_only else qs


def extra_item_lookup(*, store: Store, item_id: int) -> ExtraChargeItem | None:
    return ExtraChargeItem.objects.filter(store=store, pk=item_id).first()


def folio_lookup(*, store: Store, folio_id: int) -> Folio | None:
    return Folio.objects.filter(store=store, pk=folio_id).first()


def deposit_method(*, folio_id: int) -> PaymentMethod | None:
    """The payment method the folio's latest deposit came in by (what returning it defaults
    to), or None. One query."""
    row = (FolioTransaction.objects.filter(folio_id=folio_id, transaction_type=FolioTransaction.Type.DEPOSIT)
           .select_related("payment_method").order_by("-id").first())
    return row.payment_method if row is not None else None


def folio_order_money(*, order_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """What each order's folios have charged (charges less discounts) and been paid
    (payments less refunds; deposits are held money, not payment), by order id;
    ``(0.00, 0.00)`` for an order without folios. One query."""
    rows = {
        order_id: (charged, paid)
        for order_id, charged, paid in Folio.objects.filter(order_id__in=order_ids).values("order_id")
        .annotate(charged=Sum(F("total_charges") - F("total_discounts")), paid=Sum(F("total_payments") - F("total_refunds")))
        .values_list("order_id", "charged", "paid")
    }
    return {oid: rows.get(oid, (Decimal("0.00"), Decimal("0.00"))) for oid in order_ids}


def folio_room_revenue(*, order_id: int) -> tuple[Decimal, int]:
    """The room revenue the order's folios hold, net of voids and moves (the room-night
    charges and their corrections, wherever the rows now are), and the number of nights
    charged and not voided. What a member earns points and qualifying spend on (apps.members).
    One query."""
    row = FolioTransaction.objects.filter(
        folio__order_id=order_id, posts_to=FolioTransaction.PostsTo.CHARGES, charge_type=FolioTransaction.ChargeType.ROOM_NIGHT,
    ).aggregate(
        amount=Sum("amount"),
        nights=Count("id", filter=Q(transaction_type=FolioTransaction.Type.CHARGE))
        - Count("id", filter=Q(transaction_type=FolioTransaction.Type.REVERSAL)),
    )
    return (row["amount"] or Decimal("0.00")), max(row["nights"] or 0, 0)


# --- reconciliation -------------------------------------------------------------------------------

_RECONCILE_SQL = """
WITH ledger AS (
    SELECT folio_id,
           sum(amount) FILTER (WHERE posts_to = 'charges') AS charges,
           sum(amount) FILTER (WHERE posts_to = 'discounts') AS discounts,
           sum(amount) FILTER (WHERE posts_to = 'payments') AS payments,
           sum(amount) FILTER (WHERE posts_to = 'refunds') AS refunds,
           sum(amount) FILTER (WHERE posts_to = 'deposits') AS deposits,
           sum(amount) FILTER (WHERE posts_to = 'deposit_returns') AS deposit_returns
    FROM folios_foliotransaction GROUP BY folio_id
), folio_diff AS (
    SELECT f.id, f.order_id,
           abs(f.total_charges - coalesce(l.charges, 0)) + abs(f.total_discounts - coalesce(l.discounts, 0))
           + abs(f.total_payments - coalesce(l.payments, 0)) + abs(f.total_refunds - coalesce(l.refunds, 0))
           + abs(f.total_deposits - coalesce(l.deposits, 0)) + abs(f.total_deposit_returns - coalesce(l.deposit_returns, 0))
           + abs(f.balance - (coalesce(l.charges, 0) - coalesce(l.discounts, 0) - coalesce(l.payments, 0) + coalesce(l.refunds, 0)))
           AS diff,
           coalesce(l.payments, 0) - coalesce(l.refunds, 0) AS net_paid,
           coalesce(l.charges, 0) - coalesce(l.discounts, 0) AS net_charged
    FROM folios_folio f LEFT JOIN ledger l ON l.folio_id = f.id
    WHERE %(store)s::bigint IS NULL OR f.store_id = %(store)s::bigint
), unposted AS (
    SELECT i.order_id, sum(i.total_price) AS amount FROM orders_orderitem i WHERE NOT i.posted GROUP BY i.order_id
), order_diff AS (
    SELECT o.id,
           abs(o.paid_amount - sum(d.net_paid)) + abs(o.charged_amount - sum(d.net_charged))
           + abs(o.total_amount - (sum(d.net_charged) + CASE WHEN o.status IN ('cancelled', 'no_show') THEN 0
                                                             ELSE coalesce(max(u.amount), 0) END))
           + abs(o.due_amount - (o.total_amount - o.paid_amount)) AS diff
    FROM orders_order o JOIN folio_diff d ON d.order_id = o.id LEFT JOIN unposted u ON u.order_id = o.id
    GROUP BY o.id
)
SELECT (SELECT coalesce(sum(diff), 0) FROM folio_diff), (SELECT count(*) FROM folio_diff WHERE diff <> 0),
       (SELECT coalesce(sum(diff), 0) FROM order_diff), (SELECT count(*) FROM order_diff WHERE diff <> 0),
       (SELECT count(*) FROM folio_diff)
"""


def folio_reconcile(*, store: Store | None = None) -> dict[str, Any]:
    """Compare, in SQL, every folio's totals with the sums of its ledger rows and every
    order's money with its folios: charged (charges less discounts), paid (payments less
    refunds), total (charged plus the lines not charged yet, unless the stay was called
    off) and due. ``diff`` is the sum of the absolute differences: ``Decimal("0.00")`` when
    everything agrees."""
    with connection.cursor() as cursor:
        cursor.execute(_RECONCILE_SQL, {"store": store.pk if store else None})
        folio_diff, folios_off, order_diff, orders_off, folios = cursor.fetchone()
    return {
        "diff": quantize(Decimal(folio_diff + order_diff)),
        "folios": folios, "folios_off": folios_off, "orders_off": orders_off,
    }


def deposits_held(*, order_ids: list[int]) -> dict[int, Decimal]:
    """The security deposits held per order (its folios' deposits less those returned, the
    totals the ledger's trigger keeps), only orders holding one. One query."""
    if not order_ids:
        return {}
    rows = (
        Folio.objects.filter(order_id__in=order_ids).values("order_id")
        .annotate(held=Sum(F("total_deposits") - F("total_deposit_returns")))
        .values_list("order_id", "held")
    )
    return {order_id: held for order_id, held in rows if held}


def deposits_held_between(*, store: Store, start, end) -> dict[int, Decimal]:
    """``deposits_held`` for the orders of ``store`` whose stay overlaps ``[start, end)``
    or that are in the house (the grid's window), found by a join instead of a list of
    ids. One query."""
    rows = (
        Folio.objects.filter(store=store, total_deposits__gt=F("total_deposit_returns"), order__arrival__lt=end)
        .filter(Q(order__departure__gt=start) | Q(order__status__in=list(Order.IN_HOUSE)))
        .values("order_id").annotate(held=Sum(F("total_deposits") - F("total_deposit_returns")))
        .values_list("order_id", "held")
    )
    return {order_id: held for order_id, held in rows if held}

