"""Writes of orders, one module per concern:

- ``inputs``: what a booking is given (``StayIn``, ``PartyIn``, ``PersonIn``, ``ExtraIn``);
- ``recipe``: the steps every write repeats (lock, check the move, save, event) and the
  locks other apps take on orders;
- ``outbox``: the committed changes handed to subscribers, the outbox's claim and publish;
- ``stay``: the stay plan (nights, room type, room, prices) and its sync with inventory;
- ``booking``: create (reservation, walk-in); ``lifecycle``: the transitions;
  ``changes``: stay, details, extras, paid amount; ``guests``; ``intake``: external
  orders; ``channels``; ``policy``: the store's cancellation terms (the fee itself is
  ``apps.orders.policy``); ``reprice``: the quotes of a change's new rates and a manager's
  rate (the re-pricing rule itself is ``stay._reprice``).

Every transition follows one recipe (STYLE 2): lock the order row -> check the move
against ``Order.TRANSITIONS`` -> bring inventory to what the new state should hold ->
set status and its timestamp -> write an ``OrderEvent`` -> side effects on commit.

Callers import from ``apps.orders.services`` (this package's face); the modules' ``_``
helpers are the package's own.
"""
from apps.orders.services.booking import DuplicateExternalRef, channel_for_type, order_create, order_walk_in
from apps.orders.services.changes import (
    EDITABLE_FIELDS,
    order_assign_room,
    order_extra_add,
    order_extra_remove,
    order_flag_conflict,
    order_modify,
    order_items_posted,
    order_money_set,
    order_update,
)
from apps.orders.services.channels import (
    DEFAULT_CHANNELS,
    channel_create,
    channel_defaults_ensure,
    channel_mapping_create,
    channel_mapping_delete,
    channel_mapping_update,
    channel_update,
)
from apps.orders.services.guests import order_guest_add, order_guest_remove
from apps.orders.services.search import order_search_filters
from apps.orders.services.inputs import ExtraIn, PartyIn, PersonIn, StayIn
from apps.orders.services.intake import INVENTORY_REFUSALS, IntakeResult, order_intake_external
from apps.orders.services.lifecycle import (
    order_cancel,
    order_check_in,
    order_check_out,
    order_confirm,
    order_extend,
    order_mark_no_show,
    orders_expire_pending,
)
from apps.orders.services.outbox import order_events_mark_published, order_events_unpublished_claim, order_outbox_subscribe
from apps.orders.services.policy import cancellation_policy_update
from apps.orders.services.reprice import order_extend_quote, order_modify_quote, order_rate_override
from apps.orders.services.stay import NightRate, Reprice
from apps.orders.services.recipe import orders_lock, orders_lock_for_audit

__all__ = [
    "DEFAULT_CHANNELS",
    "order_search_filters",
    "DuplicateExternalRef",
    "EDITABLE_FIELDS",
    "ExtraIn",
    "INVENTORY_REFUSALS",
    "IntakeResult",
    "NightRate",
    "PartyIn",
    "PersonIn",
    "Reprice",
    "StayIn",
    "cancellation_policy_update",
    "channel_create",
    "channel_defaults_ensure",
    "channel_for_type",
    "channel_mapping_create",
    "channel_mapping_delete",
    "channel_mapping_update",
    "channel_update",
    "order_assign_room",
    "order_cancel",
    "order_check_in",
    "order_check_out",
    "order_confirm",
    "order_create",
    "order_events_mark_published",
    "order_events_unpublished_claim",
    "order_extend",
    "order_extend_quote",
    "order_extra_add",
    "order_extra_remove",
    "order_flag_conflict",
    "order_guest_add",
    "order_guest_remove",
    "order_intake_external",
    "order_mark_no_show",
    "order_modify",
    "order_modify_quote",
    "order_outbox_subscribe",
    "order_rate_override",
    "order_items_posted",
    "order_money_set",
    "order_update",
    "order_walk_in",
    "orders_expire_pending",
    "orders_lock",
    "orders_lock_for_audit",
]
