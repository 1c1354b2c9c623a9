"""Re-pricing seen before it is done, and a manager's rate (议价). The rule itself is
``stay._reprice`` (docs/orders.md, "Re-pricing"): the quotes below run it on the order as it
is, with the checks of the change they preview, and write nothing; the change then runs the
same function under the order's lock, so a quote and the change it previews agree while
nothing else touched the order in between."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.common.money import quantize
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Order, OrderEvent, OrderItem
from apps.orders.services.changes import _UNSET, _modify_target
from apps.orders.services.lifecycle import _extend_check
from apps.orders.services.recipe import (
    _check_line_amount,
    _event,
    _invalid,
    _lock,
    _save,
)
from apps.orders.services.stay import Reprice, _recompute_totals, _reprice, _stay_items
from apps.rooms.models import Room, RoomType
from apps.tenancy.business_day import business_date


def _quote(order: Order, lines: dict[date, OrderItem], others: Decimal, reprice: Reprice, *, arrival: date,
           departure: date, room_type: RoomType) -> dict[str, Any]:
    unposted = reprice.unposted_total + others
    total = quantize(order.charged_amount + reprice.adjustment + unposted, order.currency)
    return {
        "order_id": order.pk, "currency": order.currency, "arrival": arrival, "departure": departure,
        "room_type_id": room_type.pk,
        "nights": [
            {"date": n.night, "room_type_id": n.room_type_id, "rate_before": n.old, "rate": n.new,
             "rate_source": n.source, "posted": n.posted}
            for n in reprice.nights
        ],
        "removed": reprice.removed,
        "adjustment": quantize(reprice.adjustment, order.currency),
        "total_before": order.total_amount, "total": total, "paid": order.paid_amount,
        "due": total - order.paid_amount,
    }


def order_extend_quote(*, order: Order, departure: date) -> dict[str, Any]:
    """What ``order_extend`` to ``departure`` would do now, written nowhere: every night of
    the new stay with its rate before and after, the adjustment of the nights already on
    the folio, the new total and due. The extension's refusals (``illegal_transition``,
    ``extend_must_lengthen``, ...) answer the same; the inventory is not checked."""
    _extend_check(order, departure)
    lines, others = _stay_items(order)
    reprice = _reprice(order, lines, arrival=order.arrival, departure=departure, room_type=order.room_type,
                       frozen_before=order.departure, whole=True)
    return _quote(order, lines, others, reprice, arrival=order.arrival, departure=departure, room_type=order.room_type)


def order_modify_quote(
    *, order: Order, arrival: date | None = None, departure: date | None = None, room_type: RoomType | None = None,
    room: Room | None | Any = _UNSET,
) -> dict[str, Any]:
    """What ``order_modify`` with the same arguments would do to the order's rates now, as
    ``order_extend_quote``."""
    new_arrival, new_departure, new_type, _room = _modify_target(
        order, arrival=arrival, departure=departure, room_type=room_type, room=room,
    )
    frozen = business_date(store=order.store) if order.status in Order.IN_HOUSE else None
    lines, others = _stay_items(order)
    reprice = _reprice(order, lines, arrival=new_arrival, departure=new_departure, room_type=new_type,
                       frozen_before=frozen, whole=(new_arrival, new_departure) != (order.arrival, order.departure))
    return _quote(order, lines, others, reprice, arrival=new_arrival, departure=new_departure, room_type=new_type)


@transaction.atomic
def order_rate_override(
    *, order: Order, actor, rate: Decimal, reason: str, nights: list[date] | None = None,
) -> Order:
    """A manager's rate (议价) for ``nights`` of the stay (None: every night not yet
    charged), with a reason: the lines take ``rate`` and keep it through later re-pricing
    (``rate_source = override``); the total follows. Recorded as a ``rate_overridden``
    event (who, each night's old and new rate, the reason). Who may do it is the caller's
    check (the API: managers, 403 ``manager_only``).

    Refusals, nothing written: ``order_not_active``; ``rate_reason_required``;
    ``rate_invalid`` (below 0 or not a number); ``night_not_in_stay`` (400) for a night
    the stay does not have; ``night_posted`` (409) for a night already charged on a folio
    (correct it there); ``nothing_to_change`` when every night is charged."""
    reason = (reason or "").strip()
    order = _lock(order)
    if order.status not in Order.ACTIVE:
        raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("The rates of a closed order cannot change."),
                          extra={"status": order.status})
    if not reason:
        raise _invalid(OrderErrorCode.RATE_REASON_REQUIRED, _("Say why the rate changes."), "reason")
    try:
        rate = quantize(Decimal(rate), order.currency)
    except (InvalidOperation, TypeError, ValueError):
        raise _invalid(OrderErrorCode.RATE_INVALID, _("Enter a rate."), "rate") from None
    if rate < 0:
        raise _invalid(OrderErrorCode.RATE_INVALID, _("A rate cannot be below zero."), "rate")
    _check_line_amount(rate, "rate")
    lines, _others = _stay_items(order)
    if nights is None:
        chosen = [item for item in lines.values() if not item.posted]
        if not chosen:
            raise DomainError(OrderErrorCode.NOTHING_TO_CHANGE, _("Every night of this stay is already on the folio."))
    else:
        unknown = sorted({n for n in nights if n not in lines})
        if unknown:
            message = _("This stay has no night on %(dates)s.") % {"dates": ", ".join(n.isoformat() for n in unknown)}
            raise DomainValidationError(OrderErrorCode.NIGHT_NOT_IN_STAY, message,
                                        extra={"nights": [n.isoformat() for n in unknown], "fields": {"nights": [message]}})
        chosen = [lines[n] for n in sorted(set(nights))]
        posted = [item.service_date.isoformat() for item in chosen if item.posted]
        if posted:
            raise DomainError(
                OrderErrorCode.NIGHT_POSTED,
                _("%(dates)s already charged on the folio: correct it there.") % {"dates": ", ".join(posted)},
                extra={"nights": posted},
            )
    changed = [
        {"night": item.service_date.isoformat(), "from": str(item.unit_price), "to": str(rate), "source": item.rate_source}
        for item in chosen
    ]
    for item in chosen:
        item.unit_price = item.total_price = rate
        item.rate_source = OrderItem.RateSource.OVERRIDE
    OrderItem.objects.bulk_update(chosen, ["unit_price", "total_price", "rate_source"])
    total_before = order.total_amount
    _save(order, _recompute_totals(order))
    _event(order, OrderEvent.Kind.RATE_OVERRIDDEN, actor=actor, from_status=order.status, to_status=order.status,
           data={"reason": reason, "rate": str(rate), "nights": changed,
                 "total_amount": [str(total_before), str(order.total_amount)]})
    return order
