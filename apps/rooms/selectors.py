"""Reads of rooms: prices, room lists, locks, housekeeping history, the room status grid.

Pricing (``pms_room_pricing_rules`` semantics; docs/rooms.md has the worked examples):

- A night's price starts from the room type's ``default_price``.
- A rule *matches* a night when it is active, the night is inside
  ``[date_range_start, date_range_end]`` (both inclusive; NULL = open), the night's
  weekday is in ``days_of_week`` (0 = Monday .. 6 = Sunday; empty = every day) and
  the length of stay (LOS, the number of nights of the whole stay) is inside
  ``[min_los, max_los]`` (both inclusive; NULL = open).
- Of the matching rules, exactly one applies: the highest ``priority``; on a tie,
  the newest rule (highest id). Rules never stack.
- fixed: the night costs ``adjustment_value``; percent: default x (1 + value / 100);
  amount: default + value. Never below 0; rounded by ``apps.common.money.quantize``.
- ``price_calendar`` has no stay, hence no LOS: it skips every rule that has a LOS
  bound (``min_los`` or ``max_los`` set) and shows the price of a night before any
  length-of-stay deal. ``stay_price_nights`` applies them with LOS = the stay's nights.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError
from apps.common.money import quantize
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.inventory import nights_between
from apps.rooms.models import PricingRule, RoomType

# The longest span a price calendar may cover (one query, computed in Python).
PRICE_CALENDAR_MAX_DAYS = 366


@dataclass(frozen=True)
class NightPrice:
    night: date
    price: Decimal
    rule_id: int | None
    rule_name: str


def _check_span(start: date, end: date, *, field_start: str, field_end: str, max_days: int | None = None) -> None:
    if end <= start:
        raise DomainValidationError(
            RoomsErrorCode.INVALID_STAY_DATES,
            _("The end date must be after the start date."),
            extra={"fields": {field_end: [_("Must be after %(field)s.") % {"field": field_start}]}},
        )
    if max_days is not None and (end - start).days > max_days:
        raise DomainValidationError(
            RoomsErrorCode.DATE_SPAN_TOO_LONG,
            _("At most %(days)d days at a time.") % {"days": max_days},
            extra={"fields": {field_end: [_("At most %(days)d days after the start.") % {"days": max_days}]}, "max_days": max_days},
        )


def pricing_rules_for(*, room_type: RoomType, start: date, end: date) -> list[PricingRule]:
    """Active rules of ``room_type`` whose date range touches ``[start, end)``, best first. One query."""
    last = nights_between(start, end)[-1]
    return list(
        PricingRule.objects.filter(room_type_id=room_type.pk, is_active=True)
        .filter(Q(date_range_start__isnull=True) | Q(date_range_start__lte=last))
        .filter(Q(date_range_end__isnull=True) | Q(date_range_end__gte=start))
        .order_by("-priority", "-id")
    )


def rule_matches(rule: PricingRule, night: date, los: int | None) -> bool:
    """Does ``rule`` apply to ``night`` of a stay of ``los`` nights (None: no stay, skip LOS rules)?"""
    if rule.date_range_start is not None and night < rule.date_range_start:
        return False
    if rule.date_range_end is not None and night > rule.date_range_end:
        return False
    if rule.days_of_week and night.weekday() not in rule.days_of_week:
        return False
    if los is None:
        return rule.min_los is None and rule.max_los is None
    if rule.min_los is not None and los < rule.min_los:
        return False
    if rule.max_los is not None and los > rule.max_los:
        return False
    return True


def rule_apply(*, default_price: Decimal, rule: PricingRule | None) -> Decimal:
    if rule is None:
        return quantize(default_price)
    value = rule.adjustment_value
    if rule.adjustment_type == PricingRule.AdjustmentType.FIXED:
        price = value
    elif rule.adjustment_type == PricingRule.AdjustmentType.PERCENT:
        price = default_price * (Decimal(100) + value) / Decimal(100)
    else:
        price = default_price + value
    return quantize(max(price, Decimal(0)))


def _night_prices(*, room_type: RoomType, nights: Iterable[date], los: int | None, rules: list[PricingRule]) -> list[NightPrice]:
    result = []
    for night in nights:
        # ``rules`` is sorted best first (priority desc, id desc): the first match wins.
        winner = next((r for r in rules if rule_matches(r, night, los)), None)
        result.append(
            NightPrice(
                night=night,
                price=rule_apply(default_price=room_type.default_price, rule=winner),
                rule_id=winner.pk if winner else None,
                rule_name=winner.name if winner else "",
            )
        )
    return result


def price_calendar_detail(*, room_type: RoomType, start: date, end: date) -> list[NightPrice]:
    """The calendar with the rule that set each night's price (for the API and admin)."""
    _check_span(start, end, field_start="start", field_end="end", max_days=PRICE_CALENDAR_MAX_DAYS)
    rules = pricing_rules_for(room_type=room_type, start=start, end=end)
    return _night_prices(room_type=room_type, nights=nights_between(start, end), los=None, rules=rules)


def price_calendar(*, room_type: RoomType, start: date, end: date) -> list[tuple[date, Decimal]]:
    """Nightly prices of ``room_type`` for the nights ``[start, end)``, LOS rules skipped. One query."""
    return [(p.night, p.price) for p in price_calendar_detail(room_type=room_type, start=start, end=end)]


def stay_price_nights_detail(*, room_type: RoomType, arrival: date, departure: date) -> list[NightPrice]:
    _check_span(arrival, departure, field_start="arrival", field_end="departure")
    nights = nights_between(arrival, departure)
    rules = pricing_rules_for(room_type=room_type, start=arrival, end=departure)
    return _night_prices(room_type=room_type, nights=nights, los=len(nights), rules=rules)


def stay_price_nights(*, room_type: RoomType, arrival: date, departure: date) -> list[tuple[date, Decimal]]:
    """The price of each night of a stay, with LOS = its number of nights. One query."""
    return [(p.night, p.price) for p in stay_price_nights_detail(room_type=room_type, arrival=arrival, departure=departure)]


def stay_price_total(*, room_type: RoomType, arrival: date, departure: date) -> Decimal:
    """Sum of ``stay_price_nights`` (each night already rounded)."""
    return quantize(sum((price for _night, price in stay_price_nights(room_type=room_type, arrival=arrival, departure=departure)), Decimal(0)))
