"""Writes of the front desk: what a desk action does across apps, in one transaction.

Check-out (``stay_check_out``) ties the order, its bill and its room together: orders
locks the order and checks the move is allowed; the folios' rule decides whether the
guest may leave (every folio settled, or a manager's override with a reason, recorded on
the folios) and closes the folios; orders then checks the stay out; the room becomes
dirty for housekeeping. Lock order: the order row, then its folios (by primary key), then
the room: the global order every service keeps (docs/folios.md).
"""
from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.folios.services import folio_check_out_guard
from apps.orders.models import Order
from apps.orders.services import order_check_out
from apps.rooms.services import room_mark_dirty


@transaction.atomic
def stay_check_out(*, order: Order, actor, override_reason: str | None = None) -> Order:
    """The guest leaves: checked_in / extended -> checked_out (early: the unused nights go
    back to sale), once the bill is settled (zero balance, no deposit held) or a manager
    overrides with ``override_reason``; the folios are closed, the room becomes dirty.

    Refusals, nothing changed: ``illegal_transition``; ``folio_balance_not_zero`` /
    ``folio_deposit_held`` (with the amounts); 403 ``manager_only`` for an override by
    someone who does not manage the store."""

    def settle(locked: Order) -> dict[str, Any]:
        settlement = folio_check_out_guard(order=locked, actor=actor, override_reason=override_reason, order_locked=True)
        return {"folio_override": settlement["override"]} if settlement["override"] is not None else {}

    order = order_check_out(order=order, actor=actor, settle=settle)
    room_mark_dirty(room=order.room, actor=actor if getattr(actor, "is_authenticated", False) else None)
    return order
