"""Writes of folios, one module per concern:

- ``recipe``: the steps every posting repeats (lock the order then the folio, check the
  rule, insert the ledger row dated under the audit gate, bring the order's paid amount in
  step);
- ``folios``: opening folios; ``postings``: charges, discounts, payments, deposits,
  refunds, room nights; ``fees``: a cancellation or no-show fee; ``reprice``: the
  adjustment of nights charged before their stay was re-priced; ``corrections``: voids
  and moves; ``check_out``: the check-out rule and the closing of an order's folios;
  ``catalogue``: payment methods and the extra-charge items.

Every posting follows one recipe: lock the order row(s), then the folio row(s), each set
in primary-key order (the global lock order) -> check the rule for a friendly error ->
insert the ledger row(s) (the database trigger adds them to the folio's totals, whose
CHECK constraints are what makes the rule true under concurrency) -> bring the order's
``paid_amount`` / ``due_amount`` in step (``order_money_sync``) in the same transaction.

Lock order: orders before folios, each by primary key. Orders' own check-out locks the
order row first and the desk's settlement (``folio_check_out_guard``) then locks its
folios; posting an extra calls ``apps.orders.services.order_extra_add``, which locks the
order: taking the order first everywhere is the one order that cannot deadlock.

Callers import from ``apps.folios.services`` (this package's face).
"""
from apps.folios.room_nights import REFUSALS as ROOM_NIGHT_REFUSALS
from apps.folios.services.catalogue import (
    DEFAULT_PAYMENT_METHODS,
    extra_item_create,
    extra_item_update,
    payment_method_create,
    payment_method_update,
    payment_methods_ensure,
)
from apps.folios.services.check_out import folio_check_out_guard
from apps.folios.services.corrections import Move, folio_transaction_move, folio_transaction_void
from apps.folios.services.fees import folio_fee_settlement, folio_post_channel_receivable, folio_post_fee
from apps.folios.services.folios import folio_open, folio_primary_for_order
from apps.folios.services.postings import (
    folio_post_charge,
    folio_post_deposit,
    folio_post_deposit_return,
    folio_post_discount,
    folio_post_payment,
    folio_post_refund,
    folio_post_room_night,
    folio_post_room_nights,
)
from apps.folios.services.recipe import ORDER_CLOSED_STATES, order_money_sync
from apps.folios.services.reprice import folio_post_reprice, folio_reprice_settlement

__all__ = [
    "DEFAULT_PAYMENT_METHODS",
    "Move",
    "ORDER_CLOSED_STATES",
    "ROOM_NIGHT_REFUSALS",
    "extra_item_create",
    "extra_item_update",
    "folio_check_out_guard",
    "folio_open",
    "folio_post_charge",
    "folio_post_deposit",
    "folio_post_deposit_return",
    "folio_post_discount",
    "folio_fee_settlement",
    "folio_post_channel_receivable",
    "folio_post_fee",
    "folio_post_payment",
    "folio_post_refund",
    "folio_post_reprice",
    "folio_post_room_night",
    "folio_post_room_nights",
    "folio_primary_for_order",
    "folio_reprice_settlement",
    "folio_transaction_move",
    "folio_transaction_void",
    "order_money_sync",
    "payment_method_create",
    "payment_method_update",
    "payment_methods_ensure",
]
