"""Reads of orders: order lists and detail, the grid's stay blocks,
today's arrivals / in-house / departures, and the availability search."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import FilteredRelation, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError, NotFoundError
from apps.common.queries import one_or_none
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import CancellationPolicy, Channel, ChannelMapping, Order, OrderEvent, OrderGuest, OrderItem
from apps.orders.reference import CANCELLATION_POLICY, CHANNELS
from apps.rooms.inventory import free_counts, nights_between
from apps.rooms.quote import stay_quotes_many
from apps.rooms.selectors import room_get_with_type, room_type_get, room_types_on_sale
from apps.tenancy.models import Store
from apps.tenancy.reference_cache import cached_copy

Status = Order.Status
MAX_SEARCH_NIGHTS = 30


# --- orders ------------------------------------------------------------------------------


def order_list(*, store: Store, filters: dict[str, Any] | None = None) -> QuerySet[Order]:
    """The store's orders, newest first, with what a list row shows (one query per page).

    ``filters``: ``status`` (list), ``arrival_from``/``arrival_to``, ``departure_from``/
    ``departure_to`` (inclusive dates), ``q`` (order number, guest name or external
    reference, case-insensitive; with ``contact_ids``, the orders of those guests or
    bookers too: ``services.order_search_filters`` looks a whole phone or document number
    up), ``is_conflict``, ``is_completed`` (已完成: checked out, due 0), ``room_id``, ``channel_id``."""
    filters = filters or {}
    qs = Order.objects.filter(store=store).select_related("room_type", "room", "channel")
    if filters.get("status"):
        qs = qs.filter(status__in=filters["status"])
    for key, lookup in (
        ("arrival_from", "arrival__gte"), ("arrival_to", "arrival__lte"),
        ("departure_from", "departure__gte"), ("departure_to", "departure__lte"),
        ("room_id", "room_id"), ("channel_id", "channel_id"),
    ):
        if filters.get(key) is not None:
            qs = qs.filter(**{lookup: filters[key]})
    if filters.get("is_conflict") is not None:
        qs = qs.filter(is_conflict=filters["is_conflict"])
    if filters.get("is_completed") is not None:
        completed = Q(status=Order.Status.CHECKED_OUT, due_amount=0)
        qs = qs.filter(completed) if filters["is_completed"] else qs.exclude(completed)
    if filters.get("q"):
        q = filters["q"].strip()
        text = Q(code__icontains=q) | Q(primary_contact_name__icontains=q) | Q(external_ref__iexact=q)
        if filters.get("contact_ids"):
            ids = filters["contact_ids"]
            text |= Q(booker_id__in=ids) | Q(pk__in=OrderGuest.objects.filter(contact_id__in=ids).values("order_id"))
        qs = qs.filter(text)
    return qs.order_by("-id")


# The order of an order's lines wherever they are shown: room nights by date, then extras.
ITEM_ORDER = ("-kind", "service_date", "id")


def order_get(*, store: Store, order_id: int) -> Order:
    """One order of ``store`` with its items, guests and events (four queries), else 404."""
    order = one_or_none(
        Order.objects.filter(store=store, pk=order_id)
        .select_related("room_type", "room", "channel", "booker")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.select_related("room").order_by(*ITEM_ORDER)),
            Prefetch("guests", queryset=OrderGuest.objects.select_related("contact")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("id")),
        )
    )
    if order is None:
        raise NotFoundError("not_found", _("Not found."))
    return order


def order_detail_get(*, store: Store, order_id: int) -> Order:
    """One order of ``store`` as its API detail shows it, else 404: the order with its
    room type, room, channel and booker, and its rows as lists (``item_rows``,
    ``guest_rows``, ``event_rows``, what ``order_with_rows`` attaches). Four queries."""
    order = one_or_none(
        Order.objects.filter(store=store, pk=order_id)
        .select_related("room_type", "room", "channel", "booker")
        .prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by(*ITEM_ORDER), to_attr="item_rows"),
            Prefetch("guests", queryset=OrderGuest.objects.select_related("contact"), to_attr="guest_rows"),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("id"), to_attr="event_rows"),
        )
    )
    if order is None:
        raise NotFoundError("not_found", _("Not found."))
    return order


def _item_key(item: OrderItem) -> tuple:
    # ITEM_ORDER in Python: room nights first, by date (no date last), then by id
    return (item.kind != OrderItem.Kind.ROOM_NIGHT, item.service_date is None, item.service_date, item.pk)


def order_with_rows(order: Order, *, items: list[OrderItem], guests: list[OrderGuest], events: list[OrderEvent]) -> Order:
    """``order`` carrying the rows just written with it, as ``order_detail_get`` would read
    them back (same attributes, same order): a service that wrote them all hands them on
    and its caller shows the detail without reading it again."""
    order.item_rows = sorted(items, key=_item_key)
    order.guest_rows = sorted(guests, key=lambda g: (not g.is_primary, g.pk))
    order.event_rows = sorted(events, key=lambda e: e.pk)
    return order


def order_has_rows(order: Order) -> bool:
    return all(hasattr(order, name) for name in ("item_rows", "guest_rows", "event_rows"))


def order_staying_guests(*, order: Order) -> list:
    """The people staying on ``order`` (its guests' contacts, primary first), else its
    booker: whom the desk registers (guests prefetched by ``order_get``)."""
    guests = [g.contact for g in order.guests.all()]
    if not guests and order.booker_id:
        guests = [order.booker]
    return guests


def order_actions(*, order: Order, today: date) -> dict[str, bool]:
    """What the desk may do with ``order`` on business day ``today`` (the services still
    decide): transitions by ``Order.TRANSITIONS``, check-in within the stay, no-show from
    the arrival date, changes while the order is active."""
    allowed = Order.TRANSITIONS[order.status]
    return {
        "confirm": Status.CONFIRMED in allowed,
        "check_in": Status.CHECKED_IN in allowed and order.arrival <= today < order.departure,
        "check_out": Status.CHECKED_OUT in allowed,
        "cancel": Status.CANCELLED in allowed,
        "no_show": Status.NO_SHOW in allowed and today >= order.arrival,
        "extend": order.status in Order.IN_HOUSE,
        "edit": order.status in Order.ACTIVE,
        "guests": order.status in Order.ACTIVE,
    }


def order_for_update(*, store: Store, order_id: int) -> Order:
    """The order a write is about (the service locks and re-reads it), else 404."""
    order = one_or_none(Order.objects.filter(store=store, pk=order_id).only("id", "store_id"))
    if order is None:
        raise NotFoundError("not_found", _("Not found."))
    return order


def orders_by_id(*, order_ids: Iterable[int]) -> dict[int, Order]:
    """Orders by id, each with its booker (one query; guests on demand)."""
    return Order.objects.select_related("booker").in_bulk(set(order_ids))


def room_night_line(*, order_id: int, night: date) -> OrderItem | None:
    """The order's room-night line of ``night`` (its locked rate), or None."""
    return OrderItem.objects.filter(order_id=order_id, kind=OrderItem.Kind.ROOM_NIGHT, service_date=night).first()


@dataclass(frozen=True)
class NightLine:
    order_id: int
    currency: str
    # The order's room-night line of the night: its id, locked rate and description (None
    # when the order has no line that night).
    item_id: int | None
    price: Decimal | None
    description: str | None


def room_night_lines(*, order_ids: Iterable[int], night: date) -> list[NightLine]:
    """For each order in ``order_ids``, by id: its currency and its room-night line of
    ``night``. One query."""
    rows = (
        Order.objects.filter(pk__in=set(order_ids))
        .annotate(line=FilteredRelation("items", condition=Q(items__kind=OrderItem.Kind.ROOM_NIGHT, items__service_date=night)))
        .order_by("id")
        .values_list("id", "currency", "line__id", "line__total_price", "line__description")
    )
    return [NightLine(*row) for row in rows]


def unposted_lines(*, order_ids: Iterable[int]) -> list[OrderItem]:
    """The lines of ``order_ids`` not yet charged on a folio (room nights the audit has not
    posted, extras booked but not charged), by order, room nights by night, then extras.
    One query."""
    return list(
        OrderItem.objects.filter(order_id__in=set(order_ids), posted=False).order_by("order_id", "-kind", "service_date", "id")
    )


def order_item_get(*, item_id: int) -> OrderItem | None:
    return OrderItem.objects.filter(pk=item_id).first()


def channel_list(*, store: Store, active_only: bool = False) -> QuerySet[Channel]:
    qs = Channel.objects.filter(store=store)
    return qs.filter(is_active=True) if active_only else qs


def channel_mapping_list(*, store: Store, channel_id: int | None = None) -> QuerySet[ChannelMapping]:
    """The store's channel mappings (of one channel when given), by channel and codes."""
    qs = ChannelMapping.objects.filter(store=store).select_related("channel", "room_type")
    if channel_id is not None:
        qs = qs.filter(channel_id=channel_id)
    return qs.order_by("channel_id", "external_room_code", "external_rate_code", "id")


def channel_mapping_resolve(*, channel: Channel, room_code: str, rate_code: str = ""):
    """The room type ``channel``'s codes stand for: the active mapping of the room code
    with this rate code, else with a blank rate code (any rate); None if unmapped. One query."""
    rows = {
        m.external_rate_code: m
        for m in ChannelMapping.objects.filter(
            channel=channel, external_room_code=room_code, external_rate_code__in={rate_code or "", ""}, is_active=True,
        ).select_related("room_type")
    }
    mapping = rows.get(rate_code or "") or rows.get("")
    return mapping.room_type if mapping else None


def channel_of_type(*, store: Store, channel_type: str) -> Channel | None:
    """The store's first active channel of ``channel_type`` (by sort order), or None.
    Reference data (area ``channels``): one query, none while the process holds it."""

    def load() -> Channel | None:
        return Channel.objects.filter(store=store, channel_type=channel_type, is_active=True).order_by("sort_order", "id").first()

    return cached_copy(CHANNELS, ("of_type", store.pk, channel_type), load, keep_none=False)


def channel_lookup(*, store: Store, ref: int | str) -> Channel | None:
    """A channel of ``store`` by id, code or name (what external systems send)."""
    qs = Channel.objects.filter(store=store)
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isascii() and ref.isdigit() and len(ref) <= 18):
        return qs.filter(pk=int(ref)).first()
    return qs.filter(Q(code=ref) | Q(name=ref)).order_by("id").first()


# --- the grid and the front desk ------------------------------------------------------------


def stay_blocks(*, store: Store, start: date, end: date) -> list[dict]:
    """Stays on the room grid overlapping ``[start, end)``: one dict per order with a room
    (per room, for the rare stay that moved room while in the house), in holding or
    checked-out states. Keys: order_id, room_id, room_type_id, arrival, departure,
    status, guest_name, channel. One query, two when a stay moved room in the house."""
    rows = (
        Order.objects.filter(store=store, status__in=Order.HOLDING, room__isnull=False, arrival__lt=end, departure__gt=start)
        .order_by("room_id", "arrival", "id")
        .values_list("id", "room_id", "room_type_id", "arrival", "departure", "status", "primary_contact_name",
                     "channel__name", "moved_in_house")
    )
    blocks: list[dict] = []
    moved = [r[0] for r in rows if r[8]]
    segments: dict[int, list[tuple[int, int, date, date]]] = {}
    if moved:
        segments = _room_segments(moved)
    for oid, room_id, type_id, arrival, departure, status, name, channel, was_moved in rows:
        parts = segments.get(oid) if was_moved else None
        for seg_room, seg_type, seg_start, seg_end in parts or [(room_id, type_id, arrival, departure)]:
            if seg_start < end and seg_end > start:
                blocks.append({
                    "order_id": oid, "room_id": seg_room, "room_type_id": seg_type, "arrival": seg_start,
                    "departure": seg_end, "status": status, "guest_name": name, "channel": channel,
                })
    return blocks


def _room_segments(order_ids: list[int]) -> dict[int, list[tuple[int, int, date, date]]]:
    """Consecutive runs of nights in one room, per order, from the room-night items."""
    result: dict[int, list[list]] = {}
    lines = (
        OrderItem.objects.filter(order_id__in=order_ids, kind=OrderItem.Kind.ROOM_NIGHT, room__isnull=False)
        .order_by("order_id", "service_date")
        .values_list("order_id", "room_id", "room_type_id", "service_date")
    )
    for oid, room_id, type_id, night in lines:
        runs = result.setdefault(oid, [])
        last = runs[-1] if runs else None
        if last and last[0] == room_id and (night - last[3]).days == 0:
            last[3] = date.fromordinal(night.toordinal() + 1)
        else:
            runs.append([room_id, type_id, night, date.fromordinal(night.toordinal() + 1)])
    return {oid: [tuple(r) for r in runs] for oid, runs in result.items()}


TODAY_FIELDS = (
    "id", "code", "status", "primary_contact_name", "primary_contact_phone_masked", "room_id", "room__number",
    "room_type_id", "room_type__name", "arrival", "departure", "adults", "children", "estimated_arrival_time",
    "channel__name", "due_amount", "is_conflict",
)


def today_lists(*, store: Store, day: date) -> dict[str, Any]:
    """The front desk's day: ``arrivals`` (pending or confirmed, due today or overdue and
    not yet over), ``in_house`` (checked in or extended), ``departures`` (in the house,
    due out today or overdue), with ``counts``. One query."""
    rows = list(
        Order.objects.filter(store=store)
        .filter(
            Q(status__in=[Status.PENDING_CONFIRMATION, Status.CONFIRMED], arrival__lte=day, departure__gt=day)
            | Q(status__in=list(Order.IN_HOUSE))
        )
        .order_by("arrival", "id")
        .values(*TODAY_FIELDS)
    )
    arrivals, in_house, departures = [], [], []
    for row in rows:
        entry = {
            "id": row["id"], "code": row["code"], "status": row["status"],
            "guest_name": row["primary_contact_name"], "guest_phone": row["primary_contact_phone_masked"],
            "room_id": row["room_id"], "room_number": row["room__number"], "room_type_id": row["room_type_id"],
            "room_type_name": row["room_type__name"], "arrival": row["arrival"], "departure": row["departure"],
            "adults": row["adults"], "children": row["children"], "estimated_arrival_time": row["estimated_arrival_time"],
            "channel": row["channel__name"], "due_amount": row["due_amount"], "is_conflict": row["is_conflict"],
        }
        if row["status"] in Order.IN_HOUSE:
            in_house.append(entry)
            if row["departure"] <= day:
                departures.append({**entry, "overdue": row["departure"] < day})
        else:
            arrivals.append({**entry, "overdue": row["arrival"] < day})
    return {
        "date": day,
        "arrivals": arrivals,
        "in_house": in_house,
        "departures": departures,
        "counts": {"arrivals": len(arrivals), "in_house": len(in_house), "departures": len(departures)},
    }


# --- availability ------------------------------------------------------------------------------


def availability_search(*, store: Store, arrival: date, departure: date, adults: int = 1, children: int = 0) -> list[dict]:
    """Per active room type that sleeps the party: rooms free for the whole stay (the
    lowest nightly count), each night's free count and price, the stay's total, and the
    restrictions the stay breaks (``bookable`` False then), all from the one stay quote
    (``apps.rooms.quote.stay_quotes_many``). Four queries: the room types, the free
    counts, the pricing rules of every type, their restrictions."""

    if departure <= arrival:
        raise DomainValidationError(
            OrderErrorCode.INVALID_STAY_DATES, _("Departure must be after arrival."),
            extra={"fields": {"departure": [_("Departure must be after arrival.")]}},
        )
    if (departure - arrival).days > MAX_SEARCH_NIGHTS:
        raise DomainValidationError(
            OrderErrorCode.STAY_TOO_LONG, _("Search at most %(n)d nights.") % {"n": MAX_SEARCH_NIGHTS},
            extra={"fields": {"departure": [_("Search at most %(n)d nights.") % {"n": MAX_SEARCH_NIGHTS}]}},
        )
    nights = nights_between(arrival, departure)
    types = room_types_on_sale(store=store, guests=adults + children)
    free = free_counts(store_id=store.pk, start=arrival, end=departure)
    types = [t for t in types if t.pk in free]  # active when the counts were read
    quotes = stay_quotes_many(store=store, room_types=types, arrival=arrival, departure=departure)
    result = []
    for room_type in types:
        per_night = free[room_type.pk]
        quote = quotes[room_type.pk]
        type_prices = quote.prices()
        result.append({
            "room_type_id": room_type.pk,
            "name": room_type.name,
            "capacity": room_type.capacity,
            "free": max(0, min(per_night[n] for n in nights)),
            "nights": [{"date": n, "free": max(0, per_night[n]), "price": type_prices[n]} for n in nights],
            "total": quote.total,
            "bookable": quote.bookable,
            "violations": [v.as_dict() for v in quote.violations],
        })
    return result


# --- lookups for the API (everything inside the store) -------------------------------------------


def _unknown(field: str, message: str) -> DomainValidationError:
    return DomainValidationError(OrderErrorCode.ROOM_TYPE_UNKNOWN if field == "room_type" else "invalid", message,
                                 extra={"fields": {field: [message]}})


def _is_id(value) -> bool:
    # An id from a request body that cannot be a row id (out of bigint range) is simply unknown.
    return isinstance(value, int) and 0 < value < 2**63


def stay_target(*, store: Store, room_type_id: int | None = None, room_id: int | None = None):
    """``(room_type, room)`` of ``store`` for these ids (a room alone implies its type);
    400 naming the field if either is not the store's. One query."""

    if room_id is not None:
        room = room_get_with_type(store=store, room_id=room_id) if _is_id(room_id) else None
        if room is None:
            raise _unknown("room", _("Unknown room."))
        if room_type_id is None or room_type_id == room.room_type_id:
            return room.room_type, room
        room_type = room_type_get(store=store, room_type_id=room_type_id) if _is_id(room_type_id) else None
        if room_type is None:
            raise _unknown("room_type", _("Unknown room type."))
        return room_type, room
    room_type = room_type_get(store=store, room_type_id=room_type_id) if _is_id(room_type_id) else None
    if room_type is None:
        raise _unknown("room_type", _("Unknown room type."))
    return room_type, None


def stays_for_contact(*, store: Store, contact_id: int) -> list[Order]:
    """The orders a contact booked or stayed in at ``store``, latest arrival first (one query)."""
    return list(
        Order.objects.filter(store=store)
        .filter(Q(booker_id=contact_id) | Q(guests__contact_id=contact_id))
        .select_related("room", "room_type")
        .distinct()
        .order_by("-arrival", "-id")
    )


# --- cancellation policy ---------------------------------------------------------------------


def cancellation_policy_get(*, store: Store) -> CancellationPolicy:
    """The store's cancellation and no-show terms: its row, or the defaults (an unsaved
    row) while it has none. Reference data (area ``cancellation_policy``): one query, none
    while the process holds it; every booking reads it."""

    def load() -> CancellationPolicy:
        return one_or_none(CancellationPolicy.objects.filter(store_id=store.pk)) or CancellationPolicy(store_id=store.pk)

    return cached_copy(CANCELLATION_POLICY, ("policy", store.pk), load)


def desk_stays(*, store: Store, start: date, end: date) -> dict[str, list[dict]]:
    """What the desk's grid shows of the orders overlapping ``[start, end)``, in one query
    (two when a stay moved room in the house), each row with the keys of ``stay_blocks``
    and the order's own money figures ``due``, ``paid`` (which the money-truth code keeps
    equal to its folios) and ``is_conflict``:

    - ``stays``: what ``stay_blocks`` returns (held stays with a room, per room);
    - ``pending``: orders waiting for confirmation that name a room (they hold nothing;
      shown in their own style);
    - ``unassigned``: pending or confirmed orders without a room (the 未排房 lane);
    - ``due_out``: guests in the house whose departure is ``start`` or earlier (still in
      their room on their last day, outside ``stay_blocks``' window).
    """
    rows = list(
        Order.objects.filter(store=store, arrival__lt=end)
        .filter(Q(departure__gt=start) | Q(status__in=Order.IN_HOUSE))
        .filter(Q(status__in=Order.HOLDING, room__isnull=False)
                | Q(status__in=[Status.PENDING_CONFIRMATION, Status.CONFIRMED], room__isnull=True)
                | Q(status=Status.PENDING_CONFIRMATION))
        .order_by("room_id", "arrival", "id")
        .values_list("id", "room_id", "room_type_id", "arrival", "departure", "status", "primary_contact_name",
                     "channel__name", "moved_in_house", "due_amount", "paid_amount", "is_conflict")
    )
    moved = [r[0] for r in rows if r[8] and r[1] is not None and r[5] in Order.HOLDING]
    segments = _room_segments(moved) if moved else {}
    stays: list[dict] = []
    pending: list[dict] = []
    unassigned: list[dict] = []
    due_out: list[dict] = []
    for oid, room_id, type_id, arrival, departure, status, name, channel, was_moved, due, paid, conflict in rows:
        if room_id is not None and status in Order.HOLDING and departure > start:
            parts = segments.get(oid) if was_moved else None
            for seg_room, seg_type, seg_start, seg_end in parts or [(room_id, type_id, arrival, departure)]:
                if seg_start < end and seg_end > start:
                    stays.append({
                        "order_id": oid, "room_id": seg_room, "room_type_id": seg_type, "arrival": seg_start,
                        "departure": seg_end, "status": status, "guest_name": name, "channel": channel,
                        "due": due, "paid": paid, "is_conflict": conflict,
                    })
            continue
        row = {"order_id": oid, "room_id": room_id, "room_type_id": type_id, "arrival": arrival, "departure": departure,
               "status": status, "guest_name": name, "channel": channel, "due": due, "paid": paid, "is_conflict": conflict}
        (due_out if departure <= start else unassigned if room_id is None else pending).append(row)
    unassigned.sort(key=lambda r: (r["room_type_id"], r["arrival"], r["order_id"]))
    return {"stays": stays, "pending": pending, "unassigned": unassigned, "due_out": due_out}
