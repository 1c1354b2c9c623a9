"""The steps every write of an order repeats (STYLE 2): lock the order row and read it
fresh (``_lock``; ``orders_lock`` for other apps that lock orders before what hangs off
them), check the move against ``Order.TRANSITIONS`` (``_check_transition``), save with
the version bumped (``_save``), write the ``OrderEvent`` (``_event``); keep its money within
the limits of ``apps.common.money`` (``_check_line_amount``, ``_check_order_total``)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.common.money import MAX_ORDER_TOTAL, MAX_POSTING, quantize
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Order, OrderEvent
from apps.rooms.selectors import room_get_with_type, room_type_get
from apps.tenancy.models import Store
from apps.tenancy.selectors import store_get

Status = Order.Status


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock(order: Order) -> Order:
    """The order's row, locked until the end of the transaction, freshly read, with its
    store, room type and room. One query: the three are reference data, from the
    reference cache (a room's housekeeping fields are read on demand)."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    store = store_get(store_id=locked.store_id)
    locked.store = store
    locked.room_type = room_type_get(store=store, room_type_id=locked.room_type_id)
    if locked.room_id is not None:
        locked.room = room_get_with_type(store=store, room_id=locked.room_id)
    return locked


def _check_transition(order: Order, to: str) -> None:
    if to not in Order.TRANSITIONS[order.status]:
        raise DomainError(
            OrderErrorCode.ILLEGAL_TRANSITION,
            _("An order cannot go from %(from)s to %(to)s.") % {"from": Status(order.status).label, "to": Status(to).label},
            extra={"from": order.status, "to": to, "allowed": sorted(Order.TRANSITIONS[order.status])},
        )


def _event(order: Order, kind: str, *, actor, from_status: str = "", to_status: str = "", data: dict | None = None) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, store_id=order.store_id, kind=kind, from_status=from_status, to_status=to_status,
        actor=_user(actor), data=data or {},
    )


def _save(order: Order, fields: list[str]) -> None:
    """Save ``fields`` of ``order`` with its version bumped (every change does)."""
    order.version += 1
    order.save(update_fields=sorted({*fields, "version", "updated_at"}))


def _invalid(code: str, message: str, field: str) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {field: [message]}})


def _check_line_amount(amount: Decimal, field: str) -> None:
    """One line of an order (a night, an extra: unit price x quantity) is at most what one
    ledger row may carry (``MAX_POSTING``): it may become one posting to the folio."""
    if amount > MAX_POSTING:
        message = _("One line of an order is at most %(max)s; this one comes to %(amount)s.") % {
            "max": MAX_POSTING, "amount": quantize(amount),
        }
        raise DomainValidationError(
            OrderErrorCode.AMOUNT_TOO_LARGE, message, extra={"fields": {field: [message]}, "limit": str(MAX_POSTING)},
        )


def _order_limit(what: str, amount: Decimal) -> DomainError:
    message = _("An order's total and what it is paid are each at most %(max)s; this would come to %(amount)s.") % {
        "max": MAX_ORDER_TOTAL, "amount": quantize(amount),
    }
    return DomainError(
        OrderErrorCode.ORDER_LIMIT_EXCEEDED, message, status=400,
        extra={"limit": str(MAX_ORDER_TOTAL), what: str(quantize(amount))},
    )


def _check_order_total(total: Decimal) -> None:
    """An order's total is at most ``MAX_ORDER_TOTAL`` (its column holds ten times that)."""
    if total > MAX_ORDER_TOTAL:
        raise _order_limit("total_amount", total)


def orders_lock(*, order_ids: Iterable[int]) -> dict[int, Order]:
    """Lock orders for the caller's transaction, by primary key (the global lock order:
    orders first, then what hangs off them, such as their folios). ``FOR NO KEY UPDATE``:
    rows that reference them may still be inserted. Fresh rows, by id."""
    rows = Order.objects.select_for_update(no_key=True).filter(pk__in=set(order_ids)).order_by("pk")
    return {order.pk: order for order in rows}


def orders_lock_for_audit(*, store: Store, day: date) -> list[Order]:
    """Lock every order the night audit of ``day`` may touch, by pk (the global lock
    order): in the house (the audit posts night ``day`` or lists them as due out) or
    confirmed and due by ``day`` (no-show candidates). ``FOR NO KEY UPDATE``: rows that
    reference them (ledger rows, events) may still be inserted. The caller is in a
    transaction; each order has its id, store, code, status, arrival and departure."""
    return list(
        Order.objects.select_for_update(no_key=True)
        .filter(store=store, status__in=[*Order.IN_HOUSE, Status.CONFIRMED], arrival__lte=day)
        .only("id", "store_id", "code", "status", "arrival", "departure")
        .order_by("id")
    )
