"""Cancellation and no-show terms: the copy an order keeps (its **snapshot**) and the fee
they give.

An order copies its terms when it is booked (``Order.cancellation_policy``): the store's
``CancellationPolicy`` (``store_snapshot``), or for an order pushed by a channel the fee the
channel sent, free if it sent none (``channel_snapshot``). The fee of a cancellation or a
no-show is computed from that copy and the order's locked room-night rates, never from the
store's current terms, so a later change of the policy does not move an existing order's
fee. ``fee_quote`` is the rule itself, a pure function; ``cancellation_fee`` and
``cancellation_fee_quote`` read the order's room-night lines (one query) and apply it.

Snapshot (a JSON object; every key present)::

    {"source": "store" | "channel",
     "free_cancel_hours": 24 | null,      # free until this many hours before check-in
     "check_in_time": "14:00" | null,     # on the arrival day, the store's wall clock
     "time_zone": "Asia/Shanghai",
     "cancel_fee": "none" | "first_night" | "percent" | "fixed",
     "cancel_fee_percent": "100.00",
     "no_show_fee": "none" | "first_night" | "all_nights" | "fixed",
     "fixed_fee": "80.00" | null}          # the channel's figure ("fixed")

An empty snapshot (no terms recorded) is free.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from apps.common.money import DEFAULT_CURRENCY, quantize
from apps.orders.models import CancellationPolicy, Order, OrderItem
from apps.tenancy.selectors import setting_value

ZERO = Decimal("0")
FIXED = "fixed"


class FeeKind(StrEnum):
    CANCEL = "cancel"
    NO_SHOW = "no_show"


class FeeRule(StrEnum):
    """Which rule gave the fee (recorded with it)."""

    # Cancelled within the free window.
    FREE_WINDOW = "free_window"
    # The terms charge nothing for this (or none were recorded).
    FREE = "free"
    # An order never confirmed: nothing was held for the guest, nothing is charged.
    NOT_CONFIRMED = "not_confirmed"
    FIRST_NIGHT = "first_night"
    PERCENT = "percent"
    ALL_NIGHTS = "all_nights"
    # The figure the channel sent with the order.
    CHANNEL = "channel"


def store_snapshot(policy: CancellationPolicy, *, time_zone: str) -> dict[str, Any]:
    """The terms of a store's policy as an order keeps them."""
    return {
        "source": "store",
        "free_cancel_hours": policy.free_cancel_hours,
        "check_in_time": policy.check_in_time.strftime("%H:%M"),
        "time_zone": time_zone,
        "cancel_fee": policy.cancel_fee,
        "cancel_fee_percent": f"{Decimal(policy.cancel_fee_percent):.2f}",
        "no_show_fee": policy.no_show_fee,
        "fixed_fee": None,
    }


def default_snapshot(*, time_zone: str) -> dict[str, Any]:
    """The default terms (a store that never set its own)."""
    return store_snapshot(CancellationPolicy(), time_zone=time_zone)


def channel_snapshot(fee: Decimal | None, *, time_zone: str, currency: str = DEFAULT_CURRENCY) -> dict[str, Any]:
    """The terms of an order pushed by a channel: the fee the channel sent, charged on a
    cancellation or a no-show whenever it happens (the channel applied its own window);
    free if it sent none."""
    amount = quantize(fee, currency) if fee is not None else None
    kind = FIXED if amount else "none"
    return {
        "source": "channel", "free_cancel_hours": None, "check_in_time": None, "time_zone": time_zone,
        "cancel_fee": kind, "cancel_fee_percent": "0.00", "no_show_fee": kind,
        "fixed_fee": f"{amount:.2f}" if amount else None,
    }


@dataclass(frozen=True)
class FeeQuote:
    """The fee of cancelling (or marking a no-show) at ``at``, and why."""

    kind: str
    amount: Decimal
    rule: str
    currency: str
    policy: dict[str, Any] = field(default_factory=dict)
    # The end of the free window (cancellations under store terms), else None.
    free_until: datetime | None = None

    def as_data(self) -> dict[str, Any]:
        """What the order's event records."""
        return {
            "kind": self.kind, "amount": f"{self.amount:.2f}", "currency": self.currency, "rule": self.rule,
            "free_until": self.free_until.isoformat() if self.free_until else None,
        }


def free_until(snapshot: dict[str, Any], *, arrival) -> datetime | None:
    """The last moment a cancellation is free under store terms: check-in time on the
    arrival day, on the store's clock, less the free hours. None when the terms have no
    window (a channel's, or always free)."""
    if snapshot.get("free_cancel_hours") is None or not snapshot.get("check_in_time"):
        return None
    check_in = datetime.combine(arrival, time.fromisoformat(snapshot["check_in_time"]), tzinfo=ZoneInfo(snapshot["time_zone"]))
    return check_in - timedelta(hours=int(snapshot["free_cancel_hours"]))


def fee_quote(
    snapshot: dict[str, Any], *, kind: str, at: datetime, arrival, rates: Sequence[Decimal], confirmed: bool = True,
    currency: str = DEFAULT_CURRENCY,
) -> FeeQuote:
    """The rule, pure: the fee of ``kind`` (cancel / no_show) at ``at`` for a stay arriving
    on ``arrival`` whose room nights are ``rates`` (in date order), under ``snapshot``.

    - cancel: free for an order never confirmed; free under ``none``; the channel's figure
      under ``fixed``; else free until ``free_until`` (inclusive), then the first night or
      ``cancel_fee_percent`` of all the nights;
    - no_show: ``none`` free, ``first_night``, ``all_nights``, or the channel's figure.
    Rounded by ``apps.common.money.quantize`` in the order's currency."""
    kind = FeeKind(kind)
    rule_key = "cancel_fee" if kind == FeeKind.CANCEL else "no_show_fee"
    rule = snapshot.get(rule_key) or "none"
    window_end = free_until(snapshot, arrival=arrival) if kind == FeeKind.CANCEL and rule not in ("none", FIXED) else None

    def quote(amount: Decimal, why: str) -> FeeQuote:
        return FeeQuote(kind=kind.value, amount=quantize(amount, currency), rule=why, currency=currency,
                        policy=snapshot, free_until=window_end)

    first = rates[0] if rates else ZERO
    if kind == FeeKind.CANCEL and not confirmed:
        return quote(ZERO, FeeRule.NOT_CONFIRMED)
    if rule == "none":
        return quote(ZERO, FeeRule.FREE)
    if rule == FIXED:
        return quote(Decimal(snapshot.get("fixed_fee") or 0), FeeRule.CHANNEL)
    if window_end is not None and at <= window_end:
        return quote(ZERO, FeeRule.FREE_WINDOW)
    if rule == "first_night":
        return quote(first, FeeRule.FIRST_NIGHT)
    if rule == "all_nights":
        return quote(sum(rates, ZERO), FeeRule.ALL_NIGHTS)
    if rule == "percent":
        return quote(sum(rates, ZERO) * Decimal(snapshot.get("cancel_fee_percent") or 0) / 100, FeeRule.PERCENT)
    raise ValueError(f"unknown fee rule {rule!r}")


def room_night_rates(order: Order) -> list[Decimal]:
    """The order's locked room-night rates, in date order (one query)."""
    return list(
        OrderItem.objects.filter(order_id=order.pk, kind=OrderItem.Kind.ROOM_NIGHT)
        .order_by("service_date").values_list("total_price", flat=True)
    )


def cancellation_fee_quote(order: Order, *, at: datetime, kind: str) -> FeeQuote:
    """The fee of cancelling ``order`` (``kind`` cancel) or marking it a no-show
    (``no_show``) at ``at``, from its snapshot and its room-night lines, with the rule."""
    return fee_quote(
        order.cancellation_policy or {}, kind=kind, at=at, arrival=order.arrival, rates=room_night_rates(order),
        confirmed=order.confirmed_at is not None, currency=order.currency,
    )


def cancellation_fee(order: Order, *, at: datetime, kind: str) -> Decimal:
    """The fee of cancelling (``kind`` cancel) or marking a no-show (``no_show``) at ``at``."""
    return cancellation_fee_quote(order, at=at, kind=kind).amount


def policy_lines(snapshot: dict[str, Any]) -> list[str]:
    """The terms in words, for the desk (in the active language)."""
    if not snapshot:
        return [_("No cancellation terms recorded: cancelling and no-shows are free.")]
    if snapshot.get("source") == "channel":
        if snapshot.get("fixed_fee"):
            return [_("Terms of the channel: a fee of %(fee)s on cancellation or no-show.") % {"fee": snapshot["fixed_fee"]}]
        return [_("Terms of the channel: no fee was sent; cancelling and no-shows are free.")]
    lines = []
    cancel = snapshot.get("cancel_fee")
    after = {
        "first_night": _("the first night"),
        "percent": _("%(percent)s%% of the stay") % {"percent": f"{Decimal(snapshot.get('cancel_fee_percent') or 0).normalize():f}"},
    }
    if cancel == "none":
        lines.append(_("Cancelling is free."))
    else:
        lines.append(
            _("Free cancellation until %(hours)s hours before check-in (%(time)s) on the arrival day; after that: %(fee)s.")
            % {"hours": snapshot.get("free_cancel_hours"), "time": snapshot.get("check_in_time"), "fee": after.get(cancel, cancel)}
        )
    no_show = {"none": _("free"), "first_night": _("the first night"), "all_nights": _("all nights")}
    lines.append(_("No-show: %(fee)s.") % {"fee": no_show.get(snapshot.get("no_show_fee"), snapshot.get("no_show_fee"))})
    return lines


# --- prepayment confirms (预付款成功 -> 已确认) ------------------------------------------------------

PREPAYMENT_RULES = ("first_night", "full", "none")
PREPAYMENT_RULE_DEFAULT = "first_night"


def prepayment_rule(*, store) -> str:
    """The store's rule for a prepayment to confirm a pending order (setting ``orders`` /
    ``prepayment_to_confirm``, store override then tenant): ``first_night`` (default: paid at
    least the first night), ``full`` (paid the whole stay) or ``none`` (a clerk confirms)."""
    value = str(setting_value(store=store, group="orders", key="prepayment_to_confirm", default="") or "").strip()
    return value if value in PREPAYMENT_RULES else PREPAYMENT_RULE_DEFAULT


def prepayment_confirms(order: Order, *, rule: str, paid: Decimal) -> bool:
    """Whether ``paid`` (what the pending ``order`` will have been paid) meets ``rule``."""
    if rule == "none" or paid <= 0:
        return False
    if rule == "full":
        return paid >= order.total_amount
    first = OrderItem.objects.filter(order_id=order.pk, kind=OrderItem.Kind.ROOM_NIGHT).order_by("service_date").first()
    return first is not None and paid >= first.total_price
