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
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError
from apps.common.money import MAX_POSTING, quantize
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.inventory import nights_between
from apps.rooms.models import HousekeepingEvent, PricingRule, Room, RoomLock, RoomNight, RoomType, StayRestriction
from apps.rooms.reference import ROOM_CATALOG, ROOM_IDENTITY
from apps.tenancy.business_day import store_local_date
from apps.tenancy.reference_cache import cached, cached_copies, cached_copy

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


def _store_rules(store_id: int) -> dict[int, list[PricingRule]]:
    """Every active rule of the store's room types, by room type, best first: priority
    desc, then the newest (id desc), the order ``_night_prices`` relies on. Reference data
    (area ``room_catalog``): one query, none while the process holds them."""

    def load() -> dict[int, list[PricingRule]]:
        rules: dict[int, list[PricingRule]] = {}
        for rule in PricingRule.objects.filter(store_id=store_id, is_active=True).order_by("-priority", "-id"):
            rules.setdefault(rule.room_type_id, []).append(rule)
        return rules

    return cached_copy(ROOM_CATALOG, ("rules", store_id), load)


def _active_rules(store_id: int, room_type_ids: Iterable[int], start: date, end: date) -> dict[int, list[PricingRule]]:
    """The store's active rules of some of its room types whose date range touches the
    nights ``[start, end)``, by room type id (every id present), best first."""
    last = end - timedelta(days=1)
    rules = _store_rules(store_id)
    return {
        type_id: [
            rule
            for rule in rules.get(type_id, ())
            if (rule.date_range_start is None or rule.date_range_start <= last)
            and (rule.date_range_end is None or rule.date_range_end >= start)
        ]
        for type_id in room_type_ids
    }


def pricing_rules_for(*, room_type: RoomType, start: date, end: date) -> list[PricingRule]:
    """Active rules of ``room_type`` whose date range touches ``[start, end)``, best first.
    Reference data: no query while the process holds the type's rules."""
    return _active_rules(room_type.store_id, [room_type.pk], start, end)[room_type.pk]


def pricing_rules_many(*, store, room_type_ids: Iterable[int], start: date, end: date) -> dict[int, list[PricingRule]]:
    """``pricing_rules_for`` for several room types at once, ``store``'s rules only:
    ``{room type id: rules best first}`` (every id present, ``[]`` without rules)."""
    ids = list(room_type_ids)
    return _active_rules(store.pk, ids, start, end) if ids else {}


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
    prices = _night_prices(room_type=room_type, nights=nights, los=len(nights), rules=rules)
    dear = next((p for p in prices if p.price > MAX_POSTING), None)
    if dear is not None:
        # a rule on a price near the maximum: the night could not be posted to a folio
        message = _("The night of %(night)s would cost %(price)s: one night is at most %(max)s.") % {
            "night": dear.night.isoformat(), "price": dear.price, "max": MAX_POSTING}
        raise DomainValidationError(RoomsErrorCode.AMOUNT_TOO_LARGE, message,
                                    extra={"fields": {"room_type": [message]}, "limit": str(MAX_POSTING)})
    return prices


def stay_price_nights(*, room_type: RoomType, arrival: date, departure: date) -> list[tuple[date, Decimal]]:
    """The price of each night of a stay, with LOS = its number of nights. One query."""
    return [(p.night, p.price) for p in stay_price_nights_detail(room_type=room_type, arrival=arrival, departure=departure)]


def stay_price_nights_many_detail(
    *, store, room_types: Iterable[RoomType], arrival: date, departure: date
) -> dict[int, list[NightPrice]]:
    """``stay_price_nights_detail`` of several room types of ``store`` (the availability
    search prices every type it shows): ``{room type id: [NightPrice, ...]}``, the same
    prices as one call per type, in one query. Takes the room types, not their ids:
    each night starts from the type's ``default_price``, which the caller has read."""
    _check_span(arrival, departure, field_start="arrival", field_end="departure")
    room_types = list(room_types)
    nights = nights_between(arrival, departure)
    rules = pricing_rules_many(store=store, room_type_ids=[t.pk for t in room_types], start=arrival, end=departure)
    return {t.pk: _night_prices(room_type=t, nights=nights, los=len(nights), rules=rules[t.pk]) for t in room_types}


def stay_price_nights_many(
    *, store, room_types: Iterable[RoomType], arrival: date, departure: date
) -> dict[int, list[tuple[date, Decimal]]]:
    """``stay_price_nights_many_detail`` as ``{room type id: [(night, price), ...]}``."""
    detail = stay_price_nights_many_detail(store=store, room_types=room_types, arrival=arrival, departure=departure)
    return {type_id: [(p.night, p.price) for p in prices] for type_id, prices in detail.items()}


def stay_price_total(*, room_type: RoomType, arrival: date, departure: date) -> Decimal:
    """Sum of ``stay_price_nights`` (each night already rounded)."""
    return quantize(sum((price for _night, price in stay_price_nights(room_type=room_type, arrival=arrival, departure=departure)), Decimal(0)))


# --- lists --------------------------------------------------------------------------


def room_type_list(*, store, filters: dict | None = None) -> QuerySet[RoomType]:
    filters = filters or {}
    qs = RoomType.objects.filter(store=store).order_by("sort_order", "id")
    if filters.get("is_active") is not None:
        qs = qs.filter(is_active=filters["is_active"])
    return qs


def _room_types(store):
    """Every room type of ``store``: ``.get(id)`` gives the caller's own copy. Reference
    data (area ``room_catalog``): one query, none while the process holds them."""

    def load() -> dict[int, RoomType]:
        return {t.pk: t for t in RoomType.objects.filter(store=store)}

    return cached_copies(ROOM_CATALOG, ("types", store.pk), load)


def room_get_with_type(*, store, room_id: int) -> Room | None:
    """The room ``room_id`` of ``store`` with its ``room_type`` set, or None: what the room
    is (``ROOM_IDENTITY``) and its type from the reference cache (area ``room_catalog``:
    the store's rooms in one query, then none); its housekeeping fields are deferred
    (read fresh if asked for)."""

    def load() -> dict[int, Room]:
        return {room.pk: room for room in Room.objects.filter(store=store).only(*ROOM_IDENTITY)}

    room = cached_copies(ROOM_CATALOG, ("rooms", store.pk), load).get(room_id)
    if room is not None:
        room.room_type = _room_types(store).get(room.room_type_id)
    return room


def room_type_get(*, store, room_type_id: int) -> RoomType | None:
    """The room type ``room_type_id`` of ``store``, or None. Reference data: no query
    while the process holds the store's types."""
    return _room_types(store).get(room_type_id)


def room_type_lookup(*, store, ref: str) -> RoomType | None:
    """A room type of ``store`` by id or exact name (what external systems send)."""
    qs = RoomType.objects.filter(store=store)
    if ref.isascii() and ref.isdigit() and len(ref) <= 18:  # "³".isdigit() too, and a bigint has 19 digits
        return qs.filter(pk=int(ref)).first()
    return qs.filter(name=ref).first()


def room_types_on_sale(*, store, guests: int = 1) -> list[RoomType]:
    """The store's active room types that sleep ``guests``, in display order (sort order,
    id). One query."""
    return list(RoomType.objects.filter(store=store, is_active=True, capacity__gte=guests).order_by("sort_order", "id"))


def room_list(*, store, filters: dict | None = None) -> QuerySet[Room]:
    filters = filters or {}
    qs = Room.objects.filter(store=store).select_related("room_type", "housekeeping_by__staff").order_by("sort_order", "number", "id")
    for key in ("room_type_id", "housekeeping", "is_active", "floor"):
        if filters.get(key) is not None:
            qs = qs.filter(**{key: filters[key]})
    return qs


def room_lock_list(*, store, filters: dict | None = None) -> QuerySet[RoomLock]:
    """Locks of ``store``; ``active=True``: not released and not over yet; ``start``/``end``: overlapping nights."""
    filters = filters or {}
    qs = RoomLock.objects.filter(store=store).select_related("room", "created_by__staff", "released_by__staff").order_by("start_date", "id")
    if filters.get("room_id") is not None:
        qs = qs.filter(room_id=filters["room_id"])
    if filters.get("lock_type"):
        qs = qs.filter(lock_type=filters["lock_type"])
    if filters.get("active") is True:
        qs = qs.filter(released_at__isnull=True, end_date__gt=store_local_date(store=store))
    elif filters.get("active") is False:
        qs = qs.filter(Q(released_at__isnull=False) | Q(end_date__lte=store_local_date(store=store)))
    if filters.get("end"):
        qs = qs.filter(start_date__lt=filters["end"])
    if filters.get("start"):
        qs = qs.filter(end_date__gt=filters["start"])
    return qs


def housekeeping_history(*, room: Room) -> QuerySet[HousekeepingEvent]:
    return HousekeepingEvent.objects.filter(room=room).select_related("actor__staff").order_by("-created_at", "-id")


def pricing_rule_list(*, store, filters: dict | None = None) -> QuerySet[PricingRule]:
    filters = filters or {}
    qs = PricingRule.objects.filter(store=store).select_related("room_type").order_by("room_type_id", "-priority", "-id")
    if filters.get("room_type_id") is not None:
        qs = qs.filter(room_type_id=filters["room_type_id"])
    if filters.get("is_active") is not None:
        qs = qs.filter(is_active=filters["is_active"])
    return qs


def restriction_list(*, store, start: date, end: date, room_type_id: int | None = None) -> list[StayRestriction]:
    """The store's restriction rows on the nights ``[start, end)`` (at most 366), by room
    type and night. One query."""
    _check_span(start, end, field_start="start", field_end="end", max_days=PRICE_CALENDAR_MAX_DAYS)
    qs = StayRestriction.objects.filter(store=store, night__gte=start, night__lt=end)
    if room_type_id is not None:
        qs = qs.filter(room_type_id=room_type_id)
    return list(qs.order_by("room_type_id", "night"))


# --- what the room status grid shows of rooms (composed by apps.frontdesk) ------------------


def grid_rooms(*, store) -> list[dict]:
    """The store's active rooms in display order, with their type's name and housekeeping
    status. One query."""
    return list(
        Room.objects.filter(store=store, is_active=True).order_by("sort_order", "number", "id")
        .values("id", "number", "floor", "room_type_id", "room_type__name", "housekeeping", "housekeeping_at")
    )


def grid_room_types(*, store) -> list[dict]:
    """The store's active room types in display order: ``id``, ``name``, ``default_price``.
    Reference data: kept in the process until a room type changes (no query then)."""

    def load() -> tuple[tuple, ...]:
        return tuple(
            RoomType.objects.filter(store=store, is_active=True).order_by("sort_order", "id").values_list("id", "name", "default_price")
        )

    return [{"id": pk, "name": name, "default_price": price} for pk, name, price in cached(ROOM_CATALOG, ("grid", store.pk), load)]


# Runs of consecutive locked nights of one lock in one room ("gaps and islands"), clipped
# to the window, with the lock's details. Released nights are gone from rooms_roomnight,
# so a released lock shows only the nights it really held. Set-based SQL on rooms' own
# tables: the ORM has no words for the run detection.
_LOCK_BLOCKS_SQL = """
    SELECT b.room_id, b.lock_id, b.first_night, b.last_night, l.lock_type, l.reason, l.start_date, l.end_date
    FROM (
        SELECT room_id, lock_id, min(night) AS first_night, max(night) AS last_night
        FROM (
            SELECT room_id, lock_id, night,
                   night - (row_number() OVER (PARTITION BY room_id, lock_id ORDER BY night))::int AS grp
            FROM rooms_roomnight
            WHERE store_id = %s AND night >= %s AND night < %s AND kind = 'lock'
        ) n
        GROUP BY room_id, lock_id, grp
    ) b
    JOIN rooms_roomlock l ON l.id = b.lock_id
    ORDER BY b.room_id, b.first_night
"""


def lock_blocks(*, store, start: date, end: date) -> list[dict]:
    """The store's locks on the nights ``[start, end)`` as blocks: one per run of
    consecutive locked nights of a lock in a room, by room and first night. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_BLOCKS_SQL, [store.pk, start, end])
        rows = cursor.fetchall()
    return [
        {"room_id": room_id, "lock_id": lock_id, "first_night": first, "last_night": last, "lock_type": lock_type,
         "reason": reason, "lock_start": lock_start, "lock_end": lock_end}
        for room_id, lock_id, first, last, lock_type, reason, lock_start, lock_end in rows
    ]


_CHANGE_STAMP_SQL = """
SELECT (SELECT coalesce(max(id), 0) FROM rooms_housekeepingevent WHERE store_id = %(store)s),
       (SELECT coalesce(max(id), 0) FROM rooms_roomlock WHERE store_id = %(store)s),
       (SELECT count(*) FROM rooms_roomlock WHERE store_id = %(store)s AND released_at IS NOT NULL)
"""


def rooms_change_stamp(*, store) -> str:
    """A short text that changes whenever a room of ``store`` changes housekeeping (its
    append-only events) or a lock is placed or released: what the desk's live view
    compares between two polls. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_CHANGE_STAMP_SQL, {"store": store.pk})
        hk, lock, released = cursor.fetchone()
    return f"{hk}-{lock}-{released}"


def rooms_taken(*, store, start: date, end: date, order_id: int | None = None) -> dict[int, str]:
    """Rooms of ``store`` held on any night of ``[start, end)``: room id -> ``"lock"`` (out
    of order, maintenance or held) or ``"stay"`` (another order's; ``order_id``'s own nights
    do not count). What the desk's room pickers sort and mark by. One query."""
    rows = (
        RoomNight.objects.filter(store=store, night__gte=start, night__lt=end)
        .exclude(kind=RoomNight.Kind.STAY, order_id=order_id)
        .values_list("room_id", "kind").distinct()
    )
    taken: dict[int, str] = {}
    for room_id, kind in rows:
        if taken.get(room_id) != "lock":
            taken[room_id] = "lock" if kind == RoomNight.Kind.LOCK else "stay"
    return taken
