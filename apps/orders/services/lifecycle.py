"""The transitions of an order's life (``Order.TRANSITIONS``): confirm, check in, extend,
check out, cancel, no-show. Each follows the recipe (``recipe.py``): lock, check the
move, bring inventory to what the new state holds (``stay.py``), set status and its
timestamp, write the event, side effects on commit (``outbox.py``)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import CancellationPolicy, Order, OrderEvent
from apps.orders.services.outbox import _after_commit
from apps.orders.services.recipe import Status, _check_transition, _event, _invalid, _lock, _save
from apps.orders.services.stay import (
    Reprice,
    _check_guests,
    _check_stay_dates,
    _move,
    _night_lines,
    _plan,
    _recompute_totals,
    _reshape,
    _stay_items,
    _sync_inventory,
)
from apps.rooms.models import Room
from apps.tenancy.business_day import business_date

logger = logging.getLogger(__name__)

@transaction.atomic
def order_confirm(*, order: Order, actor) -> Order:
    """pending_confirmation -> confirmed: hold every night (and the room if assigned).
    If the inventory is gone the order stays pending and nothing changes."""
    order = _lock(order)
    _check_transition(order, Status.CONFIRMED)
    if order.departure <= business_date(store=order.store):
        raise DomainError(
            OrderErrorCode.INVALID_STAY_DATES, _("This stay is over; it cannot be confirmed."),
            extra={"departure": order.departure.isoformat()},
        )
    lines = _night_lines(order)
    plan = _plan(lines)
    old = order.status
    order.status, order.confirmed_at = Status.CONFIRMED, timezone.now()
    changes = _sync_inventory(order=order, old_status=old, old_plan=plan, new_plan=plan)
    order.is_conflict, order.conflict_reason = False, ""
    _save(order, ["status", "confirmed_at", "is_conflict", "conflict_reason"])
    _event(order, OrderEvent.Kind.CONFIRMED, actor=actor, from_status=old, to_status=order.status, data=changes)
    _after_commit("order.confirmed", order)
    return order


@transaction.atomic
def order_check_in(*, order: Order, actor, room: Room | None = None) -> Order:
    """confirmed -> checked_in, on or after the arrival date, in a room (the assigned one
    or ``room``, which is assigned now; another type is a room-type change)."""
    order = _lock(order)
    _check_transition(order, Status.CHECKED_IN)
    today = business_date(store=order.store)
    if today < order.arrival:
        raise DomainError(
            OrderErrorCode.TOO_EARLY_TO_CHECK_IN, _("This stay starts on %(date)s.") % {"date": order.arrival.isoformat()},
            extra={"arrival": order.arrival.isoformat(), "business_date": today.isoformat()},
        )
    if today >= order.departure:
        raise DomainError(
            OrderErrorCode.TOO_LATE_TO_CHECK_IN, _("This stay ended on %(date)s.") % {"date": order.departure.isoformat()},
            extra={"departure": order.departure.isoformat(), "business_date": today.isoformat()},
        )
    data: dict[str, Any] = {}
    if room is not None and room.pk != order.room_id:
        if room.room_type_id != order.room_type_id:
            _check_guests(room.room_type, order.adults, order.children)
        data = _move(order, room=room, room_type=room.room_type)
    if order.room_id is None:
        raise DomainError(OrderErrorCode.ROOM_REQUIRED, _("Assign a room before checking in."))
    old = order.status
    order.status, order.checked_in_at = Status.CHECKED_IN, timezone.now()
    _save(order, ["status", "checked_in_at", "room", "room_type", *(["total_amount", "due_amount"] if data else [])])
    _event(order, OrderEvent.Kind.CHECKED_IN, actor=actor, from_status=old, to_status=order.status,
           data={"room_id": order.room_id, **data})
    _after_commit("order.checked_in", order, room_id=order.room_id)
    return order


def _extend_check(order: Order, departure: date) -> None:
    """Refuse an extension of the (locked, or read for a quote) ``order`` to ``departure``."""
    if order.status != Status.EXTENDED:
        _check_transition(order, Status.EXTENDED)
    if departure <= order.departure:
        raise _invalid(OrderErrorCode.EXTEND_MUST_LENGTHEN, _("The new departure must be after the current one."), "departure")
    _check_stay_dates(store=order.store, arrival=order.arrival, departure=departure, allow_past_arrival=True)


@transaction.atomic
def order_extend(
    *, order: Order, actor, departure: date, settle: Callable[[Order, Reprice], dict[str, Any]] | None = None,
) -> Order:
    """checked_in -> extended (or an extended stay extended again): hold the extra nights
    in the same room, or refuse and change nothing. The whole new stay is re-priced
    (docs/orders.md, "Re-pricing"): every night priced by the rules gets the rate of the
    new length, new nights included.

    The orders half of an extension: the desk's is ``apps.frontdesk.services.stay_extend``,
    whose ``settle`` (called with the locked, saved order and the ``Reprice`` in this
    transaction) posts the difference of the nights already charged on the folio; what it
    returns is recorded on the event, and the order's money is read again after it. Nights
    already charged whose rate moves need a ``settle`` (a programming error otherwise: the
    line and the folio would disagree)."""
    order = _lock(order)
    _extend_check(order, departure)
    lines = _night_lines(order)
    old_plan = _plan(lines)
    old_status, old_departure = order.status, order.departure
    new_plan, repriced = _reshape(order, lines, arrival=order.arrival, departure=departure, room_type=order.room_type,
                                  room=order.room, frozen_before=old_departure, whole=True)
    if repriced.posted_changes and settle is None:
        raise AssertionError("order_extend re-priced posted nights without a settle: use frontdesk's stay_extend")
    order.status, order.departure = Status.EXTENDED, departure
    changes = _sync_inventory(order=order, old_status=old_status, old_plan=old_plan, new_plan=new_plan)
    _save(order, ["status", "departure", *_recompute_totals(order)])
    settled = settle(order, repriced) if settle is not None else {}
    if settle is not None:
        order.refresh_from_db(fields=["charged_amount", "total_amount", "paid_amount", "due_amount", "version"])
    data: dict[str, Any] = {"departure": [old_departure.isoformat(), departure.isoformat()], **changes, **settled}
    if repriced.as_data():
        data["repriced"] = repriced.as_data()
    _event(order, OrderEvent.Kind.EXTENDED, actor=actor, from_status=old_status, to_status=order.status, data=data)
    _after_commit("order.extended", order)
    return order


@transaction.atomic
def order_check_out(*, order: Order, actor, settle: Callable[[Order], dict[str, Any]] | None = None) -> Order:
    """checked_in / extended -> checked_out. Leaving before the booked departure moves the
    departure to today (at least one night is kept), gives the unused nights back to
    sale and drops their room-night lines.

    The orders half of a check-out: the desk's check-out is
    ``apps.frontdesk.services.stay_check_out``, which settles the bill through ``settle``:
    called with the locked order once the stay is cut to the nights used (their lines are
    what the guest owes), it charges what no folio has charged yet and may refuse by
    raising (the whole check-out is rolled back); what it returns is recorded on the
    event. The order's money is read again after it (folios moved it)."""
    order = _lock(order)
    _check_transition(order, Status.CHECKED_OUT)
    today = business_date(store=order.store)
    old_status, old_departure = order.status, order.departure
    new_departure = min(order.departure, max(today, order.arrival + timedelta(days=1)))
    lines, other_unposted = _stay_items(order)
    old_plan = _plan(lines)
    removed_amount = sum((lines[n].total_price for n in lines if n >= new_departure), Decimal(0))
    # An early departure keeps the rates of the nights used (docs/orders.md, "Re-pricing").
    new_plan, _repriced = _reshape(order, lines, arrival=order.arrival, departure=new_departure,
                                   room_type=order.room_type, room=order.room, frozen_before=new_departure)
    order.status, order.checked_out_at, order.departure = Status.CHECKED_OUT, timezone.now(), new_departure
    changes = _sync_inventory(order=order, old_status=old_status, old_plan=old_plan, new_plan=new_plan)
    # ``lines`` are the room nights as they are now (``_reshape`` updates it in place).
    unposted = other_unposted + sum((line.total_price for line in lines.values() if not line.posted), Decimal(0))
    _save(order, ["status", "checked_out_at", "departure", *_recompute_totals(order, unposted_total=unposted)])
    settled = _settle(order, settle)
    data: dict[str, Any] = {"room_id": order.room_id, "early": new_departure < old_departure, **settled}
    if new_departure < old_departure:
        data.update(departure=[old_departure.isoformat(), new_departure.isoformat()], removed_amount=str(removed_amount), **changes)
    _event(order, OrderEvent.Kind.CHECKED_OUT, actor=actor, from_status=old_status, to_status=order.status, data=data)
    _after_commit("order.checked_out", order, early=data["early"])
    return order


def _settle(order: Order, settle: Callable[[Order], dict[str, Any]] | None) -> dict[str, Any]:
    """Call the desk's ``settle`` on the locked, saved order; then read the order's money
    again (folios moved it)."""
    if settle is None:
        return {}
    settled = settle(order)
    order.refresh_from_db(fields=["charged_amount", "total_amount", "paid_amount", "due_amount", "version"])
    return settled


@transaction.atomic
def order_cancel(
    *, order: Order, actor, reason: str, settle: Callable[[Order], dict[str, Any]] | None = None,
) -> Order:
    """pending_confirmation / confirmed -> cancelled, with a reason; held nights are released.

    The orders half of a cancellation: the desk's is ``apps.frontdesk.services.stay_cancel``,
    which posts the cancellation fee through ``settle`` (called with the locked order once it
    is cancelled, its nights released and its total cut to what was charged, in this
    transaction; it may refuse by raising, which rolls the cancellation back, and what it
    returns is recorded on the event). The order's money is read again after it."""
    reason = (reason or "").strip()
    order = _lock(order)
    _check_transition(order, Status.CANCELLED)
    if not reason:
        raise _invalid(OrderErrorCode.CANCELLATION_REASON_REQUIRED, _("Say why the order is cancelled."), "reason")
    lines = _night_lines(order)
    plan = _plan(lines)
    old = order.status
    order.status, order.cancelled_at, order.cancellation_reason = Status.CANCELLED, timezone.now(), reason
    changes = _sync_inventory(order=order, old_status=old, old_plan=plan, new_plan=plan)
    order.is_conflict = False
    _save(order, ["status", "cancelled_at", "cancellation_reason", "is_conflict", *_recompute_totals(order)])
    settled = _settle(order, settle)
    _event(order, OrderEvent.Kind.CANCELLED, actor=actor, from_status=old, to_status=order.status,
           data={"reason": reason, **changes, **settled})
    _after_commit("order.cancelled", order)
    return order


@transaction.atomic
def order_mark_no_show(*, order: Order, actor, settle: Callable[[Order], dict[str, Any]] | None = None) -> Order:
    """confirmed -> no_show, from the arrival date on; held nights are released.

    ``settle``: as for ``order_cancel`` (the desk's ``stay_no_show`` posts the no-show fee)."""
    order = _lock(order)
    _check_transition(order, Status.NO_SHOW)
    today = business_date(store=order.store)
    if today < order.arrival:
        raise DomainError(
            OrderErrorCode.TOO_EARLY_FOR_NO_SHOW, _("The guest is not due before %(date)s.") % {"date": order.arrival.isoformat()},
            extra={"arrival": order.arrival.isoformat(), "business_date": today.isoformat()},
        )
    lines = _night_lines(order)
    plan = _plan(lines)
    old = order.status
    order.status, order.no_show_at = Status.NO_SHOW, timezone.now()
    changes = _sync_inventory(order=order, old_status=old, old_plan=plan, new_plan=plan)
    _save(order, ["status", "no_show_at", *_recompute_totals(order)])
    settled = _settle(order, settle)
    _event(order, OrderEvent.Kind.NO_SHOW, actor=actor, from_status=old, to_status=order.status, data={**changes, **settled})
    _after_commit("order.no_show", order)
    return order


def orders_expire_pending(*, now: datetime | None = None) -> list[int]:
    """Cancel the orders left pending confirmation longer than their store allows
    (``CancellationPolicy.pending_expiry_minutes``; 0: never), with the reason
    "超时未确认" (in the site's default language) and ``expired: true`` on the event; ids of
    the orders cancelled. Orders flagged as a conflict are left to the desk: the channel
    holds the guest's booking and only the desk can settle it with the channel.

    Each order in a transaction of its own, its row taken with ``SKIP LOCKED``: an order a
    clerk is confirming right now is skipped (and no longer pending when this runs again),
    one the clerk would confirm after this locked it is refused as ``illegal_transition``.
    Running it again, or twice at once, cancels nothing twice. Pending orders hold no
    nights; a cancellation releases whatever an order holds anyway."""
    now = now or timezone.now()
    minutes = Coalesce(
        Subquery(CancellationPolicy.objects.filter(store_id=OuterRef("store_id")).values("pending_expiry_minutes")[:1]),
        Value(CancellationPolicy.DEFAULT_PENDING_EXPIRY_MINUTES),
    )
    due = list(
        Order.objects.filter(status=Status.PENDING_CONFIRMATION, is_conflict=False)
        .annotate(expiry_minutes=minutes)
        .filter(expiry_minutes__gt=0)
        .filter(created_at__lte=ExpressionWrapper(Value(now) - F("expiry_minutes") * Value(timedelta(minutes=1)),
                                                  output_field=DateTimeField()))
        .order_by("pk").values_list("pk", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Not confirmed in time")
    expired = []
    for pk in due:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True).filter(pk=pk, status=Status.PENDING_CONFIRMATION)
                .only("id").first()
            )
            if order is None:
                continue
            order_cancel(order=order, actor=None, reason=reason, settle=lambda _locked: {"expired": True})
        expired.append(pk)
        logger.info("order.expired", extra={"order_id": pk})
    return expired
