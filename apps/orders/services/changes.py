"""Changes that are not transitions: the stay (dates, room type, room: the grid's
drag-and-drop), the order's details, its extras, the paid amount folios decide, and the
desk's attention flag for an order that could not be confirmed."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, NotFoundError
from apps.common.money import MAX_ORDER_TOTAL, quantize
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Order, OrderEvent, OrderItem
from apps.orders.services.inputs import ExtraIn
from apps.orders.services.outbox import _after_commit
from apps.orders.services.recipe import (
    Status,
    _check_line_amount,
    _event,
    _invalid,
    _lock,
    _order_limit,
    _save,
)
from apps.orders.services.stay import _check_guests, _check_notes, _check_stay_dates, _move, _recompute_totals
from apps.rooms.models import Room, RoomType


def order_money_set(*, money: dict[int, tuple[Decimal, Decimal]]) -> None:
    """Set what each order's folios have charged and been paid (``money``: order id ->
    ``(charged, paid)``; folios decide both, ``apps.folios``), and so its total (charged
    plus the lines not yet charged, unless the stay was called off) and what is due
    (``total - paid``), with the version bumped. The caller holds the orders' row locks
    (``orders_lock``). One UPDATE."""
    if not money:
        return
    for kind, at in (("charged_amount", 0), ("paid_amount", 1)):
        over = [value[at] for _pk, value in sorted(money.items()) if value[at] > MAX_ORDER_TOTAL]
        if over:  # checked before the UPDATE: PostgreSQL would answer numeric overflow past the column
            raise _order_limit(kind, over[0])
    money_field = Order._meta.get_field("paid_amount")
    charged = Case(*[When(pk=pk, then=Value(c)) for pk, (c, _p) in money.items()], output_field=money_field)
    paid = Case(*[When(pk=pk, then=Value(p)) for pk, (_c, p) in money.items()], output_field=money_field)
    unposted = Coalesce(
        Subquery(
            OrderItem.objects.filter(order=OuterRef("pk"), posted=False).order_by().values("order")
            .annotate(s=Sum("total_price")).values("s")[:1],
            output_field=money_field,
        ),
        Value(Decimal(0)), output_field=money_field,
    )
    total = Case(
        When(status__in=list(Order.CALLED_OFF), then=charged), default=charged + unposted, output_field=money_field,
    )
    Order.objects.filter(pk__in=list(money)).update(
        charged_amount=charged, paid_amount=paid, total_amount=total, due_amount=total - paid,
        version=F("version") + 1, updated_at=timezone.now(),
    )


def order_items_posted(*, item_ids: list[int]) -> None:
    """Mark order lines as charged on a folio (the ledger rows referencing them were just
    inserted). The caller holds the orders' row locks and sets the orders' money after
    (``order_money_set``). One UPDATE."""
    if item_ids:
        OrderItem.objects.filter(pk__in=item_ids, posted=False).update(posted=True)


_UNSET: Any = object()


def _modify_target(
    order: Order, *, arrival: date | None, departure: date | None, room_type: RoomType | None, room: Room | None | Any,
) -> tuple[date, date, RoomType, Room | None]:
    """The stay ``order_modify`` would give the (locked, or read for a quote) ``order``:
    ``(arrival, departure, room type, room)``, or the refusal."""
    if order.status not in Order.ACTIVE:
        raise DomainError(
            OrderErrorCode.ORDER_NOT_ACTIVE, _("A %(status)s order cannot be changed.") % {"status": Status(order.status).label},
            extra={"status": order.status},
        )
    in_house = order.status in Order.IN_HOUSE
    new_arrival = arrival or order.arrival
    new_departure = departure or order.departure
    if in_house and (new_arrival != order.arrival or new_departure != order.departure):
        raise DomainError(
            OrderErrorCode.IN_HOUSE_CHANGE_NOT_ALLOWED,
            _("The guest is in the house: extend the stay or check out instead of changing dates."),
        )
    new_room = order.room if room is _UNSET else room
    if room_type is None:
        new_type = new_room.room_type if new_room is not None else order.room_type
    else:
        new_type = room_type
        if new_room is not None and new_room.room_type_id != new_type.pk:
            if room is _UNSET:
                new_room = None  # a type change without a room: back to type level
            else:
                raise _invalid(OrderErrorCode.ROOM_NOT_OF_TYPE, _("This room is not of the chosen room type."), "room")
    if in_house and new_room is None:
        raise DomainError(OrderErrorCode.ROOM_REQUIRED, _("A guest in the house needs a room."))
    if (new_arrival, new_departure, new_type.pk, new_room.pk if new_room else None) == (
        order.arrival, order.departure, order.room_type_id, order.room_id
    ):
        raise DomainError(OrderErrorCode.NOTHING_TO_CHANGE, _("Nothing to change."))
    if new_arrival != order.arrival or new_departure != order.departure:
        _check_stay_dates(
            store=order.store, arrival=new_arrival, departure=new_departure,
            allow_past_arrival=new_arrival == order.arrival,
        )
    if new_type.pk != order.room_type_id:
        _check_guests(new_type, order.adults, order.children)
    return new_arrival, new_departure, new_type, new_room


@transaction.atomic
def order_modify(
    *, order: Order, actor, arrival: date | None = None, departure: date | None = None,
    room_type: RoomType | None = None, room: Room | None = _UNSET,
) -> Order:
    """Change dates, room type or room (the grid's drag-and-drop). Before arrival all of
    them; in the house only the room (and with it the type), from tonight on -- longer
    stays go through ``order_extend``, shorter ones through ``order_check_out``. A move
    onto a taken room or a sold-out type raises and changes nothing. A room of another
    type moves the order to that type (old type released, new type held). Re-pricing
    (docs/orders.md): new dates re-price the whole stay, a new type the nights moved."""
    order = _lock(order)
    new_arrival, new_departure, new_type, new_room = _modify_target(
        order, arrival=arrival, departure=departure, room_type=room_type, room=room,
    )
    data = _move(order, room=new_room, room_type=new_type, arrival=new_arrival, departure=new_departure)
    _save(order, ["arrival", "departure", "room_type", "room", "total_amount", "due_amount", "moved_in_house"])
    only_room = set(data["changes"]) <= {"room_id"} and "repriced" not in data
    _event(order, OrderEvent.Kind.ROOM_ASSIGNED if only_room else OrderEvent.Kind.MODIFIED, actor=actor,
           from_status=order.status, to_status=order.status, data=data)
    _after_commit("order.modified", order)
    return order


def order_assign_room(*, order: Order, actor, room: Room | None) -> Order:
    """Put the order in ``room`` (``None``: back to type level, before arrival only)."""
    return order_modify(order=order, actor=actor, room=room)


EDITABLE_FIELDS = ("notes", "adults", "children", "estimated_arrival_time")


@transaction.atomic
def order_update(*, order: Order, actor, **values: Any) -> Order:
    """Edit the order's details (notes, guest counts, estimated arrival time)."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    order = _lock(order)
    changes = {k: [_jsonable(getattr(order, k)), _jsonable(v)] for k, v in values.items() if getattr(order, k) != v}
    if not changes:
        return order
    if "notes" in changes:
        _check_notes(values["notes"])
    if {"adults", "children"} & set(changes):
        if order.status not in Order.ACTIVE:
            raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("Guest counts of a closed order cannot change."))
        _check_guests(order.room_type, values.get("adults", order.adults), values.get("children", order.children))
    for key in changes:
        setattr(order, key, values[key])
    _save(order, list(changes))
    _event(order, OrderEvent.Kind.UPDATED, actor=actor, from_status=order.status, to_status=order.status,
           data={"changes": changes})
    return order


def _jsonable(value):
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


@transaction.atomic
def order_extra_add(*, order: Order, actor, extra: ExtraIn, posted: bool = False) -> OrderItem:
    """Add an extra (breakfast, late check-out...) to an order that is not closed.
    ``posted``: folios charge it in the same transaction (the line is then counted in what
    the folios charged, not on top of it)."""
    order = _lock(order)
    if order.status not in Order.ACTIVE:
        raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("Extras cannot be added to a closed order."))
    unit = quantize(extra.unit_price, order.currency)
    _check_line_amount(unit * extra.quantity, "unit_price")
    item = OrderItem.objects.create(
        order=order, store_id=order.store_id, kind=OrderItem.Kind.EXTRA, service_date=extra.service_date,
        description=extra.description, quantity=extra.quantity, unit_price=unit, total_price=unit * extra.quantity,
        posted=posted,
    )
    _save(order, _recompute_totals(order))
    _event(order, OrderEvent.Kind.ITEM_ADDED, actor=actor, from_status=order.status, to_status=order.status,
           data={"item_id": item.pk, "description": item.description, "total_price": str(item.total_price)})
    return item


@transaction.atomic
def order_extra_remove(*, order: Order, actor, item_id: int, voided_on_folio: bool = False) -> Order:
    """Drop an extra line. A line charged on a folio is taken back there (a void, which
    calls this with ``voided_on_folio``), never here alone: the bill would still hold it."""
    order = _lock(order)
    if order.status not in Order.ACTIVE:
        raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("Extras of a closed order cannot be removed."))
    item = OrderItem.objects.filter(order=order, pk=item_id).first()
    if item is None:

        raise NotFoundError("not_found", _("Not found."))
    if item.kind != OrderItem.Kind.EXTRA:
        raise DomainError(OrderErrorCode.ITEM_NOT_EXTRA, _("Room nights change with the stay dates, not one by one."))
    if item.posted and not voided_on_folio:
        raise DomainError(OrderErrorCode.ITEM_POSTED, _("This extra is on the folio: void it there."))
    item.delete()
    _save(order, _recompute_totals(order))
    _event(order, OrderEvent.Kind.ITEM_REMOVED, actor=actor, from_status=order.status, to_status=order.status,
           data={"item_id": item_id, "description": item.description, "total_price": str(item.total_price)})
    return order


@transaction.atomic
def order_flag_conflict(*, order: Order, actor, reason: str, data: dict | None = None) -> Order:
    """Keep an order that could not be confirmed, marked for the desk's attention."""
    order = _lock(order)
    order.is_conflict, order.conflict_reason = True, reason[:255]
    _save(order, ["is_conflict", "conflict_reason"])
    _event(order, OrderEvent.Kind.CONFLICT, actor=actor, from_status=order.status, to_status=order.status,
           data={"reason": reason, **(data or {})})
    _after_commit("order.conflict", order, reason=reason)
    return order
