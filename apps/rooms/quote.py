"""The quote of a stay: **the** function that prices a stay everywhere (the desk's
booking, the API, the availability search, ARI for channels, the owner's app) and says
which restrictions it breaks.

``stay_quote(room_type=, arrival=, departure=)`` gives the nights ``[arrival, departure)``,
each night's price after the pricing rules (with LOS = the whole stay's nights, and the
rule that set it), the total, and the restrictions the stay breaks:

- ``stay_closed``: a night of the stay is closed (stop-sell);
- ``stay_closed_to_arrival``: the arrival night is closed to arrival;
- ``stay_below_min_stay``: the arrival night's minimum stay is more nights than the stay.

A booking refuses a stay that breaks one (``quote.refusal()``); the external intake keeps
the order as a conflict. The pricing rules themselves (which rule wins a night) are
``apps.rooms.selectors``' (docs/rooms.md, "Pricing rules" and "Restrictions").
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.common.money import quantize
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.inventory import nights_between
from apps.rooms.models import RoomType, StayRestriction
from apps.rooms.selectors import NightPrice, stay_price_nights_detail, stay_price_nights_many_detail


@dataclass(frozen=True)
class Violation:
    """A restriction the stay breaks: its code, a message, the nights concerned, and
    for a minimum stay the nights required."""

    code: str
    message: str
    nights: tuple[date, ...] = ()
    min_stay: int | None = None

    def as_dict(self) -> dict:
        out: dict = {"code": self.code, "message": str(self.message), "nights": [n.isoformat() for n in self.nights]}
        if self.min_stay is not None:
            out["min_stay"] = self.min_stay
        return out


@dataclass(frozen=True)
class StayQuote:
    room_type_id: int
    arrival: date
    departure: date
    nights: list[NightPrice]
    violations: list[Violation] = field(default_factory=list)

    @property
    def los(self) -> int:
        return len(self.nights)

    @property
    def total(self) -> Decimal:
        """Sum of the nights (each already rounded)."""
        return quantize(sum((n.price for n in self.nights), Decimal(0)))

    @property
    def bookable(self) -> bool:
        """No restriction broken (inventory is not the quote's: the hold decides)."""
        return not self.violations

    def prices(self) -> dict[date, Decimal]:
        return {n.night: n.price for n in self.nights}

    def refusal(self) -> DomainError | None:
        """The first restriction broken as a 409 with its code, or None."""
        if not self.violations:
            return None
        first = self.violations[0]
        return DomainError(first.code, first.message, extra={
            "nights": [n.isoformat() for n in first.nights],
            "violations": [v.as_dict() for v in self.violations],
            **({"min_stay": first.min_stay} if first.min_stay is not None else {}),
        })


def restrictions_between(*, store_id: int, room_type_ids: Iterable[int], start: date, end: date) -> dict[int, dict[date, StayRestriction]]:
    """The restrictions of the store's room types on the nights ``[start, end)``:
    ``{room type id: {night: row}}`` (every id present). One query."""
    ids = list(room_type_ids)
    out: dict[int, dict[date, StayRestriction]] = {i: {} for i in ids}
    if not ids:
        return out
    for row in StayRestriction.objects.filter(store_id=store_id, room_type_id__in=ids, night__gte=start, night__lt=end):
        out[row.room_type_id][row.night] = row
    return out


def stay_violations(*, arrival: date, departure: date, restrictions: dict[date, StayRestriction]) -> list[Violation]:
    """The restrictions a stay ``[arrival, departure)`` breaks, given the type's rows of
    its nights: closed nights, closed to arrival, minimum stay (of the arrival night)."""
    nights = nights_between(arrival, departure)
    out: list[Violation] = []
    closed = tuple(n for n in nights if (r := restrictions.get(n)) is not None and r.closed)
    if closed:
        out.append(Violation(
            RoomsErrorCode.STAY_CLOSED,
            _("This room type is closed for sale on %(nights)s.") % {"nights": ", ".join(n.isoformat() for n in closed)},
            closed,
        ))
    first = restrictions.get(arrival)
    if first is not None and first.closed_to_arrival:
        out.append(Violation(
            RoomsErrorCode.STAY_CLOSED_TO_ARRIVAL,
            _("No arrival on %(night)s for this room type.") % {"night": arrival.isoformat()}, (arrival,),
        ))
    if first is not None and first.min_stay and len(nights) < first.min_stay:
        out.append(Violation(
            RoomsErrorCode.STAY_BELOW_MIN_STAY,
            _("A stay arriving on %(night)s is at least %(n)d nights.") % {"night": arrival.isoformat(), "n": first.min_stay},
            (arrival,), first.min_stay,
        ))
    return out


def stay_quote(*, room_type: RoomType, arrival: date, departure: date) -> StayQuote:
    """The price of a stay in ``room_type`` and the restrictions it breaks. Two queries
    (none for the rules while the process holds them). Refuses (400) bad dates and a
    night priced past one posting, as ``stay_price_nights_detail`` does."""
    nights = stay_price_nights_detail(room_type=room_type, arrival=arrival, departure=departure)
    rows = restrictions_between(store_id=room_type.store_id, room_type_ids=[room_type.pk], start=arrival, end=departure)
    return StayQuote(room_type.pk, arrival, departure, nights,
                     stay_violations(arrival=arrival, departure=departure, restrictions=rows[room_type.pk]))


def stay_quotes_many(*, store, room_types: Iterable[RoomType], arrival: date, departure: date) -> dict[int, StayQuote]:
    """``stay_quote`` of several room types of ``store`` at once (the availability
    search): ``{room type id: quote}``, in two queries whatever the number of types."""
    room_types = list(room_types)
    prices = stay_price_nights_many_detail(store=store, room_types=room_types, arrival=arrival, departure=departure)
    rows = restrictions_between(store_id=store.pk, room_type_ids=[t.pk for t in room_types], start=arrival, end=departure)
    return {
        t.pk: StayQuote(t.pk, arrival, departure, prices[t.pk],
                        stay_violations(arrival=arrival, departure=departure, restrictions=rows[t.pk]))
        for t in room_types
    }
