"""REST endpoints of rooms under ``stores/<int:store_id>/`` (thin: parse, call one service or selector, render).

Who may do what (docs/rooms.md):
- anyone working in the store (front desk included): read everything, change
  housekeeping, create and release locks of every type (a temporary hold, and
  reporting a broken room, are desk actions);
- housekeeping (``clean_store``, docs/tenancy.md): list and read rooms, change
  housekeeping, create and release locks; nothing else;
- managers only (403 ``manager_only`` otherwise): create or change room types, rooms
  and pricing rules, activate or deactivate rooms.
"""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from apps.common.api import refuse_blank_query
from apps.common.errors import DomainValidationError
from apps.common.feed import FeedCursor
from apps.common.schema import error_example, error_responses
from apps.rooms import selectors, services
from apps.rooms.error_codes import RoomsErrorCode
from apps.rooms.inventory import MAX_STAY_NIGHTS
from apps.rooms.quote import stay_quote
from apps.rooms.models import HousekeepingEvent, PricingRule, Room, RoomLock, RoomType
from apps.rooms.ari import ari_changes_poll, ari_read
from apps.rooms.serializers import (
    AriChangesOutSerializer,
    AriChangesQuerySerializer,
    AriOutSerializer,
    AriQuerySerializer,
    HousekeepingEventOutSerializer,
    HousekeepingInSerializer,
    PriceCalendarOutSerializer,
    PriceCalendarQuerySerializer,
    PriceQuoteOutSerializer,
    PriceQuoteQuerySerializer,
    PricingRuleInSerializer,
    PricingRuleOutSerializer,
    RestrictionInSerializer,
    RestrictionOutSerializer,
    RestrictionQuerySerializer,
    RestrictionSetOutSerializer,
    RoomCreateSerializer,
    RoomLockInSerializer,
    RoomLockOutSerializer,
    RoomOutSerializer,
    RoomTypeInSerializer,
    RoomTypeOutSerializer,
    RoomUpdateSerializer,
)
from apps.tenancy.roles import ACCESS
from apps.tenancy.scope import StoreScopedViewSet

TAG = "rooms"

# A quote prices a stay one can book: at most as many nights as an order may have. Unbounded,
# a span of centuries (1.7 million nights) priced night by night in Python held a worker past
# the client's 10-second timeout.
PRICE_QUOTE_MAX_NIGHTS = MAX_STAY_NIGHTS

CONCURRENT_CHANGE = error_example(409, "concurrent_change", "The room was changed meanwhile; please try again.")
ROOM_HAS_FUTURE_HOLDS = error_example(
    409, "room_has_future_holds", "The room has stays or locks from 2026-05-01 on; move or release them first.",
    {"nights": ["2026-05-01", "2026-05-02"], "room_id": 12},
)
ROOM_TYPE_SOLD_OUT = error_example(
    409, "room_type_sold_out", "No room of this type is left on 2026-05-01.", {"nights": ["2026-05-01"], "room_type_id": 3},
)


def _query(serializer_class, request):
    data = serializer_class(data=request.query_params)
    refuse_blank_query(data, request.query_params)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _quote_span_check(*, arrival, departure) -> None:
    if (departure - arrival).days > PRICE_QUOTE_MAX_NIGHTS:
        message = _("A stay is at most %(n)d nights.") % {"n": PRICE_QUOTE_MAX_NIGHTS}
        # 400, like the same code from availability search and order create
        raise DomainValidationError(
            RoomsErrorCode.STAY_TOO_LONG, message, extra={"fields": {"departure": [message]}, "max_nights": PRICE_QUOTE_MAX_NIGHTS},
        )


def _nights_json(nights) -> list[dict]:
    return [{"night": n.night, "price": n.price, "rule_id": n.rule_id, "rule_name": n.rule_name} for n in nights]


# --- room types ---------------------------------------------------------------------


class RoomTypeFilterSerializer(serializers.Serializer):
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class RoomTypeViewSet(StoreScopedViewSet):
    """Room types of the store (山景大床房, 家庭套房, ...)."""

    queryset = RoomType.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    manager_actions = frozenset({"create", "partial_update"})

    def get_queryset(self):
        filters = _query(RoomTypeFilterSerializer, self.request) if self.action == "list" else {}
        return self.scope_queryset(selectors.room_type_list(store=self.store, filters=filters))

    @extend_schema(parameters=[RoomTypeFilterSerializer], responses=RoomTypeOutSerializer(many=True), tags=[TAG])
    def list(self, request, store_id: int):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RoomTypeOutSerializer(page, many=True).data)

    @extend_schema(responses=RoomTypeOutSerializer, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(RoomTypeOutSerializer(self.get_object()).data)

    @extend_schema(request=RoomTypeInSerializer, responses={201: RoomTypeOutSerializer}, tags=[TAG], description="Manager only.")
    def create(self, request, store_id: int):
        data = RoomTypeInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room_type = services.room_type_create(store=self.store, actor=request.user, **data.validated_data)
        return Response(RoomTypeOutSerializer(room_type).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoomTypeInSerializer(partial=True), responses=RoomTypeOutSerializer, tags=[TAG], description="Manager only.")
    def partial_update(self, request, store_id: int, pk: int):
        room_type = self.get_object()
        data = RoomTypeInSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        room_type = services.room_type_update(room_type=room_type, actor=request.user, **data.validated_data)
        return Response(RoomTypeOutSerializer(room_type).data)

    @extend_schema(
        parameters=[PriceCalendarQuerySerializer], responses=PriceCalendarOutSerializer, tags=[TAG],
        description="Nightly prices for the nights [start, end). Rules with a length-of-stay bound are left out "
        "(they need a stay: see price-quote).",
    )
    @action(detail=True, methods=["get"], url_path="price-calendar")
    def price_calendar(self, request, store_id: int, pk: int):
        room_type = self.get_object()
        q = _query(PriceCalendarQuerySerializer, request)
        nights = selectors.price_calendar_detail(room_type=room_type, start=q["start"], end=q["end"])
        payload = {
            "room_type_id": room_type.pk, "start": q["start"], "end": q["end"],
            "default_price": room_type.default_price, "nights": _nights_json(nights),
        }
        return Response(PriceCalendarOutSerializer(payload).data)

    @extend_schema(
        parameters=[PriceQuoteQuerySerializer],
        responses={200: PriceQuoteOutSerializer, **error_responses(400, examples=[
            error_example(400, "invalid_stay_dates", "The end date must be after the start date.",
                          {"fields": {"departure": ["Must be after arrival."]}}),
            error_example(400, "stay_too_long", f"A stay is at most {PRICE_QUOTE_MAX_NIGHTS} nights.",
                          {"fields": {"departure": [f"A stay is at most {PRICE_QUOTE_MAX_NIGHTS} nights."]},
                           "max_nights": PRICE_QUOTE_MAX_NIGHTS}),
        ])},
        tags=[TAG],
        description="The quote of a stay (the one every booking uses): the price night by night, with every rule "
        "including length-of-stay ones, the total, and the restrictions the stay breaks (`bookable` false, "
        "`violations`: `stay_closed`, `stay_closed_to_arrival`, `stay_below_min_stay`). "
        f"At most {PRICE_QUOTE_MAX_NIGHTS} nights, the longest stay an order may have (400 `stay_too_long`).",
    )
    @action(detail=True, methods=["get"], url_path="price-quote")
    def price_quote(self, request, store_id: int, pk: int):
        room_type = self.get_object()
        q = _query(PriceQuoteQuerySerializer, request)
        _quote_span_check(arrival=q["arrival"], departure=q["departure"])
        quote = stay_quote(room_type=room_type, arrival=q["arrival"], departure=q["departure"])
        payload = {
            "room_type_id": room_type.pk, "arrival": q["arrival"], "departure": q["departure"], "los": quote.los,
            "nights": _nights_json(quote.nights), "total": quote.total, "bookable": quote.bookable,
            "violations": [v.as_dict() for v in quote.violations],
        }
        return Response(PriceQuoteOutSerializer(payload).data)


# --- rooms --------------------------------------------------------------------------


class RoomFilterSerializer(serializers.Serializer):
    room_type = serializers.IntegerField(required=False, source="room_type_id")
    housekeeping = serializers.ChoiceField(choices=Room.Housekeeping.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    floor = serializers.CharField(required=False)


class RoomViewSet(StoreScopedViewSet):
    """Rooms of the store. Housekeeping: ``rooms/{id}/housekeeping/``; the grid: ``grid/``."""

    queryset = Room.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    manager_actions = frozenset({"create", "partial_update", "activate", "deactivate"})
    housekeeping_actions = frozenset({"list", "retrieve"})

    def get_queryset(self):
        filters = _query(RoomFilterSerializer, self.request) if self.action == "list" else {}
        return self.scope_queryset(selectors.room_list(store=self.store, filters=filters))

    @extend_schema(parameters=[RoomFilterSerializer], responses=RoomOutSerializer(many=True), tags=[TAG])
    def list(self, request, store_id: int):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RoomOutSerializer(page, many=True).data)

    @extend_schema(responses=RoomOutSerializer, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(RoomOutSerializer(self.get_object()).data)

    @extend_schema(request=RoomCreateSerializer, responses={201: RoomOutSerializer}, tags=[TAG], description="Manager only.")
    def create(self, request, store_id: int):
        data = RoomCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        room = services.room_create(store=self.store, actor=request.user, **data.validated_data)
        return Response(RoomOutSerializer(selectors.room_list(store=self.store).get(pk=room.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RoomUpdateSerializer,
        responses={200: RoomOutSerializer, **error_responses(409, examples=[ROOM_HAS_FUTURE_HOLDS, ROOM_TYPE_SOLD_OUT, CONCURRENT_CHANGE])},
        tags=[TAG],
        description="Manager only. A type change is refused while the room holds stays or locks from today on.",
    )
    def partial_update(self, request, store_id: int, pk: int):
        room = self.get_object()
        data = RoomUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.room_update(room=room, actor=request.user, **data.validated_data)
        return Response(RoomOutSerializer(self.get_object()).data)

    @extend_schema(
        request=None, responses={200: RoomOutSerializer, **error_responses(409, examples=[CONCURRENT_CHANGE])}, tags=[TAG],
        description="Manager only. Put the room back in service.",
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, store_id: int, pk: int):
        services.room_activate(room=self.get_object(), actor=request.user)
        return Response(RoomOutSerializer(self.get_object()).data)

    @extend_schema(
        request=None,
        responses={200: RoomOutSerializer, **error_responses(409, examples=[ROOM_HAS_FUTURE_HOLDS, ROOM_TYPE_SOLD_OUT, CONCURRENT_CHANGE])},
        tags=[TAG],
        description="Manager only. Take the room out of service; refused (room_has_future_holds) while it holds "
        "stays or locks from today on, or (room_type_sold_out) when stays booked at type level need it.",
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, store_id: int, pk: int):
        services.room_deactivate(room=self.get_object(), actor=request.user)
        return Response(RoomOutSerializer(self.get_object()).data)


class RoomHousekeepingViewSet(StoreScopedViewSet):
    """A room's housekeeping: its history (GET) and a change of status (POST, front desk allowed)."""

    housekeeping_actions = frozenset({"list", "retrieve", "create", "release"})  # cleaning, maintenance
    queryset = HousekeepingEvent.objects.all()
    filter_backends: list = []

    def get_room(self) -> Room:
        return get_object_or_404(self.scope_queryset(Room.objects.all()), pk=self.kwargs["room_id"])

    def get_queryset(self):
        return self.scope_queryset(selectors.housekeeping_history(room=self.get_room()))

    @extend_schema(responses=HousekeepingEventOutSerializer(many=True), tags=[TAG])
    def list(self, request, store_id: int, room_id: int):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(HousekeepingEventOutSerializer(page, many=True).data)

    @extend_schema(
        request=HousekeepingInSerializer,
        responses={200: RoomOutSerializer, **error_responses(409, examples=[
            error_example(409, "housekeeping_transition_not_allowed", "A room cannot go from Inspected to Clean.",
                          {"from": "inspected", "to": "clean", "allowed": ["dirty"]}),
        ])},
        tags=[TAG],
        description="dirty -> cleaning -> clean -> inspected; dirty -> clean; any status -> dirty.",
    )
    def create(self, request, store_id: int, room_id: int):
        room = self.get_room()
        data = HousekeepingInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.room_housekeeping_set(room=room, status=data.validated_data["status"], actor=request.user)
        return Response(RoomOutSerializer(selectors.room_list(store=self.store).get(pk=room.pk)).data)


# --- locks --------------------------------------------------------------------------


class RoomLockFilterSerializer(serializers.Serializer):
    room = serializers.IntegerField(required=False, source="room_id")
    lock_type = serializers.ChoiceField(choices=RoomLock.LockType.choices, required=False)
    active = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: not released and not over yet; false: the others."
    )
    start = serializers.DateField(required=False, help_text="Only locks with nights on or after this date.")
    end = serializers.DateField(required=False, help_text="Only locks with nights before this date.")


class RoomLockViewSet(StoreScopedViewSet):
    """Room locks (maintenance, out of order, temporary hold). Front desk allowed."""

    housekeeping_actions = frozenset({"list", "retrieve", "create", "release"})  # cleaning, maintenance
    queryset = RoomLock.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []

    def get_queryset(self):
        filters = _query(RoomLockFilterSerializer, self.request) if self.action == "list" else {}
        return self.scope_queryset(selectors.room_lock_list(store=self.store, filters=filters))

    @extend_schema(parameters=[RoomLockFilterSerializer], responses=RoomLockOutSerializer(many=True), tags=[TAG])
    def list(self, request, store_id: int):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RoomLockOutSerializer(page, many=True).data)

    @extend_schema(responses=RoomLockOutSerializer, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(RoomLockOutSerializer(self.get_object()).data)

    @extend_schema(
        request=RoomLockInSerializer,
        responses={201: RoomLockOutSerializer, **error_responses(400, 409, examples=[
            error_example(400, "invalid", "Some fields are not valid.",
                          {"fields": {"room": ["Invalid pk \"0\" - object does not exist."]}}),
            error_example(400, "room_lock_in_past", "A lock cannot start before today.",
                          {"fields": {"start_date": ["Today (2026-05-01) or later."]}}),
            error_example(400, "date_span_too_long", "At most 366 days at a time.",
                          {"fields": {"end_date": ["At most 366 days after the start."]}, "max_days": 366}),
            error_example(409, "room_lock_overlap", "The room is already locked on 2026-05-01.",
                          {"nights": ["2026-05-01"], "room_id": 12, "lock_ids": [4]}),
            error_example(409, "room_unavailable", "Guests are booked in this room on 2026-05-01; move them first.",
                          {"nights": ["2026-05-01"], "room_id": 12, "order_ids": [31]}),
            ROOM_TYPE_SOLD_OUT,
            error_example(409, "room_inactive", "This room is out of service (deactivated).", {"room_id": 12}),
            CONCURRENT_CHANGE,
        ])},
        tags=[TAG],
        description="Refused with room_lock_overlap over another lock, room_unavailable over a stay, "
        "room_type_sold_out when stays booked at type level need the room, room_inactive on a deactivated room.",
    )
    def create(self, request, store_id: int):
        data = RoomLockInSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        if ACCESS not in self.store_perms and data.validated_data["lock_type"] == RoomLock.LockType.HOLD:
            # a housekeeper (clean_store only) takes rooms out for maintenance or repair, never holds them for guests
            raise PermissionDenied(_("Housekeeping may lock a room for maintenance or repair only."))
        lock = services.room_lock_create(store=self.store, actor=request.user, **data.validated_data)
        return Response(RoomLockOutSerializer(self.get_queryset().get(pk=lock.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: RoomLockOutSerializer, **error_responses(409, examples=[
            error_example(409, "room_lock_released", "This lock was already released.",
                          {"released_at": "2026-05-01T02:07:35.802637+00:00"}),
        ])},
        tags=[TAG], description="Give the nights back from today on; refused (room_lock_released) if it was released already.",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, store_id: int, pk: int):
        services.room_lock_release(lock=self.get_object(), actor=request.user)
        return Response(RoomLockOutSerializer(self.get_object()).data)


# --- pricing rules ------------------------------------------------------------------


class PricingRuleFilterSerializer(serializers.Serializer):
    room_type = serializers.IntegerField(required=False, source="room_type_id")
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class PricingRuleViewSet(StoreScopedViewSet):
    """Pricing rules: for each night the highest priority matching rule wins (tie: the newest)."""

    queryset = PricingRule.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    manager_actions = frozenset({"create", "partial_update", "destroy"})

    def get_queryset(self):
        filters = _query(PricingRuleFilterSerializer, self.request) if self.action == "list" else {}
        return self.scope_queryset(selectors.pricing_rule_list(store=self.store, filters=filters))

    @extend_schema(parameters=[PricingRuleFilterSerializer], responses=PricingRuleOutSerializer(many=True), tags=[TAG])
    def list(self, request, store_id: int):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PricingRuleOutSerializer(page, many=True).data)

    @extend_schema(responses=PricingRuleOutSerializer, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(PricingRuleOutSerializer(self.get_object()).data)

    @extend_schema(request=PricingRuleInSerializer, responses={201: PricingRuleOutSerializer}, tags=[TAG], description="Manager only.")
    def create(self, request, store_id: int):
        data = PricingRuleInSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        rule = services.pricing_rule_create(store=self.store, actor=request.user, **data.validated_data)
        return Response(PricingRuleOutSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PricingRuleInSerializer(partial=True), responses=PricingRuleOutSerializer, tags=[TAG], description="Manager only.")
    def partial_update(self, request, store_id: int, pk: int):
        rule = self.get_object()
        data = PricingRuleInSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        rule = services.pricing_rule_update(rule=rule, actor=request.user, **data.validated_data)
        return Response(PricingRuleOutSerializer(rule).data)

    @extend_schema(responses={204: None}, tags=[TAG], description="Manager only.")
    def destroy(self, request, store_id: int, pk: int):
        services.pricing_rule_delete(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- restrictions -----------------------------------------------------------------------


class RestrictionViewSet(StoreScopedViewSet):
    """Stay restrictions per room type and night (closed, closed to arrival, minimum stay):
    what every booking obeys (docs/rooms.md, "Restrictions"). Reading: the store's staff;
    setting: managers."""

    filter_backends: list = []
    pagination_class = None
    manager_actions = frozenset({"create"})

    @extend_schema(
        parameters=[RestrictionQuerySerializer], responses=RestrictionOutSerializer(many=True), tags=[TAG],
        operation_id="restrictions_list",
        description="The nights of `[start, end)` (at most 366) that carry a restriction, by room type and night; "
        "a night left out has none.",
    )
    def list(self, request, store_id: int):
        q = _query(RestrictionQuerySerializer, request)
        rows = selectors.restriction_list(store=self.store, start=q["start"], end=q["end"], room_type_id=q.get("room_type_id"))
        return Response(RestrictionOutSerializer(rows, many=True).data)

    @extend_schema(
        request=RestrictionInSerializer,
        responses={200: RestrictionSetOutSerializer, **error_responses(400, examples=[
            error_example(400, "restriction_invalid", "The restriction is not valid.",
                          {"fields": {"end": ["At most 366 nights at a time."]}}),
        ])},
        tags=[TAG], operation_id="restrictions_set",
        description="Manager only. Sets closed / closed_to_arrival / min_stay on every night of `[start, end)` "
        "(of `weekdays` if given); a field left out is left as it is; `min_stay` null or 1 clears it.",
    )
    def create(self, request, store_id: int):
        data = RestrictionInSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        kwargs = {k: v[k] for k in ("closed", "closed_to_arrival", "min_stay") if k in v}
        nights = services.stay_restrictions_set(
            store=self.store, room_type=v["room_type"], start=v["start"], end=v["end"], actor=request.user,
            weekdays=v.get("weekdays"), **kwargs,
        )
        return Response(RestrictionSetOutSerializer({"nights": nights}).data)


# --- ARI for channels --------------------------------------------------------------------


class AriViewSet(StoreScopedViewSet):
    """Availability, rates and restrictions for a channel (docs/rooms.md, "ARI for
    channels"): read by the store's staff or an integration token of the store."""

    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        parameters=[AriQuerySerializer], responses=AriOutSerializer, tags=[TAG], operation_id="ari_read",
        description="Per active room type and night of `[start, end)` (at most 366): rooms free, the night's price "
        "(rules without a length-of-stay bound; a stay's price is its quote), closed, closed to arrival, minimum stay.",
    )
    def list(self, request, store_id: int):
        q = _query(AriQuerySerializer, request)
        type_ids = [q["room_type_id"]] if q.get("room_type_id") else None
        room_types = ari_read(store=self.store, start=q["start"], end=q["end"], room_type_ids=type_ids)
        payload = {"start": q["start"], "end": q["end"], "currency": self.store.currency, "room_types": room_types}
        return Response(AriOutSerializer(payload).data)

    @extend_schema(
        parameters=[AriChangesQuerySerializer],
        responses={200: AriChangesOutSerializer, **error_responses(400, examples=[
            error_example(400, "cursor_invalid", "The cursor is not valid.", {"fields": {"cursor": [
                "Not a cursor from this API: send back the next_cursor of the previous answer."]}}),
        ])},
        tags=[TAG], operation_id="ari_changes",
        description="What changed since `cursor`, oldest first: each change names a room type, its kind "
        "(availability, lock, capacity, price, restriction) and the nights it touched; read them again with `ari/`. "
        "Without a cursor: the newest changes and a cursor from there. A change committed late is never skipped.",
    )
    @action(detail=False, methods=["get"], url_path="changes")
    def changes(self, request, store_id: int):
        q = _query(AriChangesQuerySerializer, request)
        cursor = FeedCursor.decode(q["cursor"]) if q.get("cursor") else None
        return Response(AriChangesOutSerializer(ari_changes_poll(store=self.store, cursor=cursor, limit=q["limit"])).data)
