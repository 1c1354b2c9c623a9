"""REST endpoints of orders under ``stores/<int:store_id>/`` (thin: parse, call one
service or selector, render). Who may do what: anyone working in the store runs the
front desk (orders, transitions, availability, today, intake); channel writes and a
night's rate (``rates/``) are for managers (403 ``manager_only``). See docs/orders.md."""
from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import refuse_blank_query, valid
from apps.common.errors import DomainValidationError
from apps.common.schema import RETRY_AFTER_HEADER, ErrorSerializer
from apps.orders import selectors, services
from apps.orders.error_codes import OrderErrorCode
from apps.orders.idempotency import idempotency_note_order, idempotent, jsonable
from apps.orders.models import Channel, ChannelMapping, Order
from apps.orders.policy import cancellation_fee_quote, policy_lines
from apps.orders.serializers import (
    AvailabilityOutSerializer,
    AvailabilityQuerySerializer,
    CancellationFeeOutSerializer,
    ChannelMappingFilterSerializer,
    ChannelMappingInSerializer,
    ChannelMappingOutSerializer,
    CancellationFeeQuerySerializer,
    CancellationPolicyInSerializer,
    CancellationPolicyOutSerializer,
    ChannelInSerializer,
    ChannelOutSerializer,
    ExtendQuoteQuerySerializer,
    ExternalOrderInSerializer,
    IntakeOutSerializer,
    OrderAssignRoomInSerializer,
    OrderCreateInSerializer,
    OrderDetailSerializer,
    OrderExtraInSerializer,
    OrderFilterSerializer,
    OrderItemOutSerializer,
    ModifyQuoteQuerySerializer,
    OrderModifyInSerializer,
    OrderPersonInSerializer,
    OrderRateInSerializer,
    OrderRowSerializer,
    OrderUpdateInSerializer,
    RepriceQuoteOutSerializer,
)
from apps.rooms.selectors import room_type_lookup
from apps.tenancy.scope import StoreScopedMixin, StoreScopedViewSet

logger = logging.getLogger(__name__)
TAG = "orders"
ERRORS = {
    400: OpenApiResponse(description="Invalid input (`invalid`, `invalid_stay_dates`, `arrival_in_past`, `too_many_guests`, ...)."),
    404: OpenApiResponse(description="No such order in this store."),
    409: OpenApiResponse(description="Refused: `illegal_transition`, `room_unavailable`, `room_type_sold_out`, "
                         "`document_belongs_to_other_contact` (a booker's or guest's document is on file under another "
                         "name: `extra.contact_id`, `extra.masked_name`, `extra.person`; send `existing_contact_id` to use "
                         "that guest, or correct the typed data), ..."),
}


def _person(data):
    if not data:
        return None
    return services.PersonIn(
        full_name=data["full_name"], phone=data.get("phone") or None, id_type=data.get("id_type") or None,
        id_number=data.get("id_number") or None, is_primary=data.get("is_primary", False),
        existing_contact_id=data.get("existing_contact_id"),
    )


def _extra(data) -> services.ExtraIn:
    return services.ExtraIn(
        description=data["description"], unit_price=data["unit_price"], quantity=data["quantity"],
        service_date=data.get("service_date"),
    )


class OrderViewSet(StoreScopedViewSet):
    """Orders of the store: list, create (reservation or walk-in), detail, edit, and one
    action per lifecycle transition or stay change."""

    queryset = Order.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    manager_actions = frozenset({"rates"})

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        order = selectors.order_detail_get(store=self.store, order_id=pk)
        return Response(OrderDetailSerializer(order).data, status=code)

    def _order(self, pk: int) -> Order:
        return selectors.order_for_update(store=self.store, order_id=pk)

    @extend_schema(
        parameters=[OrderFilterSerializer, RETRY_AFTER_HEADER],
        responses={200: OrderRowSerializer(many=True), 429: OpenApiResponse(
            ErrorSerializer,
            description="`throttled`: `q` was a whole phone or document number and the caller's lookups by number "
            "are used up (docs/contacts.md); `Retry-After`.",
        )},
        tags=[TAG],
    )
    def list(self, request, store_id: int):
        query = OrderFilterSerializer(data=request.query_params)
        refuse_blank_query(query, request.query_params)
        query.is_valid(raise_exception=True)
        filters = services.order_search_filters(actor=request.user, store=self.store, filters=query.to_filters())
        page = self.paginate_queryset(selectors.order_list(store=self.store, filters=filters))
        return self.get_paginated_response(OrderRowSerializer(page, many=True).data)

    @extend_schema(
        request=OrderCreateInSerializer, responses={201: OrderDetailSerializer, **ERRORS}, tags=[TAG],
        description="A reservation (pending, or confirmed at once with `confirm`) or a walk-in (`walk_in`: "
        "created, confirmed and checked in tonight). Booker and guests become contacts, existing ones reused.",
    )
    @idempotent
    def create(self, request, store_id: int):
        data = valid(OrderCreateInSerializer, request.data)
        room_type, room = selectors.stay_target(store=self.store, room_type_id=data.get("room_type"), room_id=data.get("room"))
        channel = None
        if data["channel"] is not None:
            channel = selectors.channel_lookup(store=self.store, ref=data["channel"])
            if channel is None:
                raise DomainValidationError(OrderErrorCode.CHANNEL_UNKNOWN, _("Unknown channel."), extra={"fields": {"channel": [_("Unknown channel.")]}})
        party = services.PartyIn(
            adults=data["adults"], children=data["children"], booker=_person(data["booker"]),
            guests=tuple(_person(g) for g in data["guests"]), estimated_arrival_time=data["estimated_arrival_time"],
        )
        common = {"store": self.store, "actor": request.user, "party": party, "channel": channel, "notes": data["notes"],
                  "extras": [_extra(e) for e in data["extras"]]}
        if data["walk_in"]:
            order = services.order_walk_in(room=room, departure=data["departure"], **common)
        else:
            stay = services.StayIn(room_type=room_type, room=room, arrival=data["arrival"], departure=data["departure"])
            order = services.order_create(stay=stay, confirm=data["confirm"], **common)
        idempotency_note_order(request, order)
        if selectors.order_has_rows(order):  # as written: no need to read it back
            return Response(OrderDetailSerializer(order).data, status=status.HTTP_201_CREATED)
        return self._detail(order.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: OrderDetailSerializer, 404: ERRORS[404]}, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return self._detail(pk)

    @extend_schema(request=OrderUpdateInSerializer, responses={200: OrderDetailSerializer, **ERRORS}, tags=[TAG],
                   description="Edit notes, guest counts, estimated arrival time. Status, dates and rooms change through the actions.")
    def partial_update(self, request, store_id: int, pk: int):
        data = valid(OrderUpdateInSerializer, request.data)
        services.order_update(order=self._order(pk), actor=request.user, **data)
        return self._detail(pk)

    @extend_schema(request=None, responses={200: OrderDetailSerializer, **ERRORS}, tags=[TAG],
                   description="pending_confirmation -> confirmed: holds the nights (409 `room_unavailable` / `room_type_sold_out` if gone; the order stays pending).")
    @action(detail=True, methods=["post"])
    @idempotent
    def confirm(self, request, store_id: int, pk: int):
        services.order_confirm(order=self._order(pk), actor=request.user)
        return self._detail(pk)

    # check-in/ is the front desk's (apps.frontdesk.api): it takes a payment and a deposit
    # to the folio in the same transaction.
    # cancel/ and no-show/ are the front desk's (apps.frontdesk.api): they charge the fee
    # to the folio in the same transaction.

    @extend_schema(
        operation_id="order_cancellation_fee_get", parameters=[CancellationFeeQuerySerializer],
        responses={200: CancellationFeeOutSerializer, 404: ERRORS[404]}, tags=[TAG],
        description="The fee a cancellation (`kind=cancel`, the default) or a no-show (`kind=no_show`) of this order "
        "would charge now, under the terms the order was booked with (`policy`; a channel's order: the channel's fee), "
        "and the rule that gives it (`free_window`, `free`, `not_confirmed`, `first_night`, `percent`, `all_nights`, "
        "`channel`). Nothing is written.",
        examples=[OpenApiExample("Late cancellation", response_only=True, value={
            "order_id": 42, "kind": "cancel", "amount": "300.00", "currency": "CNY", "rule": "first_night",
            "free_until": "2026-12-01T14:00:00+08:00", "at": "2026-12-01T18:30:00+08:00",
            "policy": {"source": "store", "free_cancel_hours": 24, "check_in_time": "14:00", "time_zone": "Asia/Shanghai",
                       "cancel_fee": "first_night", "cancel_fee_percent": "100.00", "no_show_fee": "first_night",
                       "fixed_fee": None},
            "policy_text": ["Free cancellation until 24 hours before check-in (14:00) on the arrival day; after that: "
                            "the first night.", "No-show: the first night."],
        })],
    )
    @action(detail=True, methods=["get"], url_path="cancellation-fee")
    def cancellation_fee(self, request, store_id: int, pk: int):
        q = valid(CancellationFeeQuerySerializer, request.query_params)
        order = selectors.order_get(store=self.store, order_id=pk)
        now = timezone.now()
        quote = cancellation_fee_quote(order, at=now, kind=q["kind"])
        return Response(CancellationFeeOutSerializer({
            "order_id": order.pk, "kind": quote.kind, "amount": quote.amount, "currency": quote.currency,
            "rule": quote.rule, "free_until": quote.free_until, "at": now, "policy": quote.policy,
            "policy_text": policy_lines(quote.policy),
        }).data)

    # extend/ is the front desk's (apps.frontdesk.api): the adjustment of the nights already
    # charged is posted to the folio in the same transaction.

    @extend_schema(
        operation_id="order_extend_quote", parameters=[ExtendQuoteQuerySerializer],
        responses={200: RepriceQuoteOutSerializer, **ERRORS}, tags=[TAG],
        description="What `POST extend/` with this departure would do now (docs/orders.md, \"Re-pricing\"): every night "
        "of the new stay with its rate before and after (the pricing rules applied to the whole new stay; a channel's "
        "or a manager's rate kept), the `adjustment` posted on the folio for the nights already charged, the new "
        "`total` and `due`. The extension's refusals answer the same; rooms are not checked. Nothing is written.",
        examples=[OpenApiExample("4 nights with a 4+ nights rule, 2 already charged", response_only=True, value={
            "order_id": 42, "currency": "CNY", "arrival": "2026-12-01", "departure": "2026-12-05", "room_type_id": 3,
            "nights": [
                {"date": "2026-12-01", "room_type_id": 3, "rate_before": "300.00", "rate": "270.00",
                 "rate_source": "rules", "posted": True},
                {"date": "2026-12-02", "room_type_id": 3, "rate_before": "300.00", "rate": "270.00",
                 "rate_source": "rules", "posted": True},
                {"date": "2026-12-03", "room_type_id": 3, "rate_before": "300.00", "rate": "270.00",
                 "rate_source": "rules", "posted": False},
                {"date": "2026-12-04", "room_type_id": 3, "rate_before": None, "rate": "270.00",
                 "rate_source": "rules", "posted": False},
            ],
            "removed": [], "adjustment": "-60.00", "total_before": "900.00", "total": "1080.00", "paid": "0.00",
            "due": "1080.00",
        })],
    )
    @action(detail=True, methods=["get"], url_path="extend-quote")
    def extend_quote(self, request, store_id: int, pk: int):
        q = valid(ExtendQuoteQuerySerializer, request.query_params)
        order = selectors.order_get(store=self.store, order_id=pk)
        return Response(RepriceQuoteOutSerializer(services.order_extend_quote(order=order, departure=q["departure"])).data)

    @extend_schema(
        operation_id="order_modify_quote", parameters=[ModifyQuoteQuerySerializer],
        responses={200: RepriceQuoteOutSerializer, **ERRORS}, tags=[TAG],
        description="What `POST modify/` with these values would do to the order's rates now, as `extend-quote/`: new "
        "dates re-price the whole stay, a new room type the nights moved to it (for the whole stay's length). "
        "Nothing is written.",
    )
    @action(detail=True, methods=["get"], url_path="modify-quote")
    def modify_quote(self, request, store_id: int, pk: int):
        q = valid(ModifyQuoteQuerySerializer, request.query_params)
        order = selectors.order_get(store=self.store, order_id=pk)
        kwargs = {"arrival": q.get("arrival"), "departure": q.get("departure")}
        if q.get("room") is not None or q.get("room_type") is not None:
            room_type, room = selectors.stay_target(store=self.store, room_type_id=q.get("room_type"), room_id=q.get("room"))
            kwargs["room_type"] = room_type
            if q.get("room") is not None:
                kwargs["room"] = room
        return Response(RepriceQuoteOutSerializer(services.order_modify_quote(order=order, **kwargs)).data)

    @extend_schema(
        operation_id="order_rates_set", request=OrderRateInSerializer,
        responses={200: OrderDetailSerializer, 403: OpenApiResponse(description="`manager_only`."), **ERRORS}, tags=[TAG],
        description="Manager only (议价). Set the rate of `nights` (omitted: every night not yet charged) with a `reason`; "
        "those nights keep it through later re-pricing. Recorded as a `rate_overridden` event (who, each night's old "
        "and new rate, the reason). 409 `night_posted` for a night already charged on the folio (correct it there), "
        "400 `night_not_in_stay`, `rate_reason_required`, `rate_invalid`; 409 `order_not_active`.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def rates(self, request, store_id: int, pk: int):
        data = valid(OrderRateInSerializer, request.data)
        services.order_rate_override(order=self._order(pk), actor=request.user, rate=data["rate"], reason=data["reason"],
                                     nights=data.get("nights"))
        return self._detail(pk)

    @extend_schema(request=OrderModifyInSerializer, responses={200: OrderDetailSerializer, **ERRORS}, tags=[TAG],
                   description="Change dates, room type or room (the grid's drag-and-drop). In the house: the room only. "
                   "A move onto a taken room answers 409 `room_unavailable` and changes nothing.")
    @action(detail=True, methods=["post"])
    @idempotent
    def modify(self, request, store_id: int, pk: int):
        data = valid(OrderModifyInSerializer, request.data)
        kwargs = {"arrival": data.get("arrival"), "departure": data.get("departure")}
        if "room" in data or "room_type" in data:
            room_type, room = (None, None)
            if data.get("room") is not None or data.get("room_type") is not None:
                room_type, room = selectors.stay_target(store=self.store, room_type_id=data.get("room_type"), room_id=data.get("room"))
            if "room" in data:
                kwargs["room"] = room
            if "room_type" in data:
                kwargs["room_type"] = room_type
        services.order_modify(order=self._order(pk), actor=request.user, **kwargs)
        return self._detail(pk)

    @extend_schema(request=OrderAssignRoomInSerializer, responses={200: OrderDetailSerializer, **ERRORS}, tags=[TAG],
                   description="Put the order in a room (of another type: the type changes too); null: back to type level.")
    @action(detail=True, methods=["post"], url_path="assign-room")
    @idempotent
    def assign_room(self, request, store_id: int, pk: int):
        data = valid(OrderAssignRoomInSerializer, request.data)
        room = None
        if data["room"] is not None:
            _type, room = selectors.stay_target(store=self.store, room_id=data["room"])
        services.order_assign_room(order=self._order(pk), actor=request.user, room=room)
        return self._detail(pk)

    @extend_schema(request=OrderExtraInSerializer, responses={201: OrderItemOutSerializer, **ERRORS}, tags=[TAG],
                   description="Add an extra (breakfast, late check-out, ...) to an open order.")
    @action(detail=True, methods=["post"])
    @idempotent
    def extras(self, request, store_id: int, pk: int):
        data = valid(OrderExtraInSerializer, request.data)
        item = services.order_extra_add(order=self._order(pk), actor=request.user, extra=_extra(data))
        return Response(OrderItemOutSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OrderDetailSerializer, **ERRORS}, tags=[TAG],
                   parameters=[OpenApiParameter("item_id", OpenApiTypes.INT, OpenApiParameter.PATH)])
    @action(detail=True, methods=["delete"], url_path="extras/<int:item_id>")
    def remove_extra(self, request, store_id: int, pk: int, item_id: int):
        services.order_extra_remove(order=self._order(pk), actor=request.user, item_id=item_id)
        return self._detail(pk)

    @extend_schema(
        request=OrderPersonInSerializer, responses={201: OrderDetailSerializer, **ERRORS}, tags=[TAG],
        description="Register one more staying guest on an open order (a companion at the desk). The person becomes a "
        "contact as at booking (same document or phone: the existing profile). 409 `guest_already_on_order`, "
        "`order_not_active` (checked out, cancelled, no-show). The first guest is primary; `is_primary` makes this one "
        "primary. An order without guests registers its booker first.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def guests(self, request, store_id: int, pk: int):
        data = valid(OrderPersonInSerializer, request.data)
        services.order_guest_add(order=self._order(pk), actor=request.user, person=_person(data))
        return self._detail(pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={200: OrderDetailSerializer, **ERRORS}, tags=[TAG],
        parameters=[OpenApiParameter("contact_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        description="Take a guest off an open order (404 if not on it). The next guest becomes primary; the last guest "
        "goes only if the order has another booker (409 `order_guest_required`).",
    )
    @action(detail=True, methods=["delete"], url_path="guests/<int:contact_id>")
    def remove_guest(self, request, store_id: int, pk: int, contact_id: int):
        services.order_guest_remove(order=self._order(pk), actor=request.user, contact_id=contact_id)
        return self._detail(pk)


class ChannelViewSet(StoreScopedViewSet):
    """Sales channels of the store (direct, walk-in, phone, OTAs, the mall). Writes: managers."""

    queryset = Channel.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    pagination_class = None
    manager_actions = frozenset({"create", "partial_update"})

    @extend_schema(responses=ChannelOutSerializer(many=True), tags=[TAG])
    def list(self, request, store_id: int):
        return Response(ChannelOutSerializer(selectors.channel_list(store=self.store), many=True).data)

    @extend_schema(responses=ChannelOutSerializer, tags=[TAG])
    def retrieve(self, request, store_id: int, pk: int):
        return Response(ChannelOutSerializer(self.get_object()).data)

    @extend_schema(request=ChannelInSerializer, responses={201: ChannelOutSerializer}, tags=[TAG], description="Manager only.")
    def create(self, request, store_id: int):
        data = valid(ChannelInSerializer, request.data)
        channel = services.channel_create(store=self.store, **data)
        return Response(ChannelOutSerializer(channel).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChannelInSerializer(partial=True), responses=ChannelOutSerializer, tags=[TAG],
                   description="Manager only. Switch a channel off with `is_active: false` (orders keep it).")
    def partial_update(self, request, store_id: int, pk: int):
        channel = self.get_object()
        data = valid(ChannelInSerializer, request.data, partial=True)
        channel = services.channel_update(channel=channel, **data)
        return Response(ChannelOutSerializer(channel).data)


class ChannelMappingViewSet(StoreScopedViewSet):
    """A channel's room-type and rate codes mapped to the store's room types (docs/orders.md,
    "Channel mappings"). Read: the store's staff; writes: managers."""

    queryset = ChannelMapping.objects.all()
    lookup_value_converter = "int"
    filter_backends: list = []
    pagination_class = None
    manager_actions = frozenset({"create", "partial_update", "destroy"})

    def get_queryset(self):
        filters = valid(ChannelMappingFilterSerializer, self.request.query_params) if self.action == "list" else {}
        return self.scope_queryset(selectors.channel_mapping_list(store=self.store, channel_id=filters.get("channel_id")))

    @extend_schema(parameters=[ChannelMappingFilterSerializer], responses=ChannelMappingOutSerializer(many=True), tags=[TAG],
                   operation_id="channel_mappings_list")
    def list(self, request, store_id: int):
        return Response(ChannelMappingOutSerializer(self.get_queryset(), many=True).data)

    @extend_schema(responses=ChannelMappingOutSerializer, tags=[TAG], operation_id="channel_mappings_retrieve")
    def retrieve(self, request, store_id: int, pk: int):
        return Response(ChannelMappingOutSerializer(self.get_object()).data)

    @extend_schema(request=ChannelMappingInSerializer, responses={201: ChannelMappingOutSerializer}, tags=[TAG],
                   operation_id="channel_mappings_create",
                   description="Manager only. `channel_mapping_taken` (400) when the channel maps these codes already.")
    def create(self, request, store_id: int):
        data = ChannelMappingInSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        mapping = services.channel_mapping_create(store=self.store, **data.validated_data)
        return Response(ChannelMappingOutSerializer(mapping).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChannelMappingInSerializer(partial=True), responses=ChannelMappingOutSerializer, tags=[TAG],
                   operation_id="channel_mappings_update", description="Manager only.")
    def partial_update(self, request, store_id: int, pk: int):
        mapping = self.get_object()
        data = ChannelMappingInSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("channel", None)  # a mapping stays with its channel
        return Response(ChannelMappingOutSerializer(services.channel_mapping_update(mapping=mapping, **values)).data)

    @extend_schema(responses={204: None}, tags=[TAG], operation_id="channel_mappings_delete", description="Manager only.")
    def destroy(self, request, store_id: int, pk: int):
        services.channel_mapping_delete(mapping=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CancellationPolicyApi(StoreScopedMixin, APIView):
    """The store's cancellation and no-show terms and how long an unconfirmed order waits.
    Everyone working in the store reads them; managers change them (orders booked before
    keep the terms they were booked with)."""

    manager_actions = frozenset({"patch"})

    @extend_schema(operation_id="cancellation_policy_get", responses={200: CancellationPolicyOutSerializer}, tags=[TAG])
    def get(self, request, store_id: int):
        return Response(CancellationPolicyOutSerializer(selectors.cancellation_policy_get(store=self.store)).data)

    @extend_schema(
        operation_id="cancellation_policy_set", request=CancellationPolicyInSerializer,
        responses={200: CancellationPolicyOutSerializer, 400: OpenApiResponse(description="`policy_value_invalid`, `invalid`.")},
        tags=[TAG], description="Manager only. Change some or all terms; the others stay. `pending_expiry_minutes: 0`: "
        "unconfirmed orders are never cancelled automatically.",
    )
    def patch(self, request, store_id: int):
        data = valid(CancellationPolicyInSerializer, request.data)
        policy = services.cancellation_policy_update(store=self.store, actor=request.user, **data)
        return Response(CancellationPolicyOutSerializer(policy).data)


class AvailabilityApi(StoreScopedMixin, APIView):
    """What the store can sell for a stay: per room type, rooms free, nightly prices, total."""

    @extend_schema(parameters=[AvailabilityQuerySerializer], responses={200: AvailabilityOutSerializer, 400: ERRORS[400]}, tags=[TAG])
    def get(self, request, store_id: int):
        q = valid(AvailabilityQuerySerializer, request.query_params)
        rows = selectors.availability_search(
            store=self.store, arrival=q["arrival"], departure=q["departure"], adults=q["adults"], children=q["children"]
        )
        # Rendered by hand (same shape as AvailabilityOutSerializer, which documents it):
        # a search is up to 30 nights x every room type, and DRF's per-field rendering of
        # those nested rows cost more than the queries behind them (bench/availability.py).
        return Response({
            "arrival": q["arrival"].isoformat(), "departure": q["departure"].isoformat(),
            "nights": (q["departure"] - q["arrival"]).days, "currency": self.store.currency,
            "room_types": [
                {
                    "room_type_id": r["room_type_id"], "name": r["name"], "capacity": r["capacity"], "free": r["free"],
                    "nights": [{"date": n["date"].isoformat(), "free": n["free"], "price": str(n["price"])} for n in r["nights"]],
                    "total": str(r["total"]), "bookable": r["bookable"], "violations": r["violations"],
                }
                for r in rows
            ],
        })


INTAKE_RESPONSES = {
    201: OpenApiResponse(IntakeOutSerializer, description="Created and confirmed (`outcome: confirmed`)."),
    202: OpenApiResponse(IntakeOutSerializer, description="Kept pending and flagged for the front desk: the inventory is gone, or the stay breaks a restriction (`outcome: conflict`, `is_conflict: true`, `conflict_reason` the code)."),
    200: OpenApiResponse(IntakeOutSerializer, description="This channel's `external_ref` was already received: the existing order (`outcome: duplicate`)."),
    # 400 (`idempotency_key_required`, ...), 409 and 422 of the key: documented by the schema
    # from @idempotent (apps.common.schema.AutoSchema)
    400: OpenApiResponse(description="Invalid input (`invalid`, `channel_unknown`, `room_type_unknown`, ...)."),
}


class ExternalOrderApi(StoreScopedMixin, APIView):
    """Orders pushed by external systems (the mall, a channel manager)."""

    @extend_schema(request=ExternalOrderInSerializer, responses=INTAKE_RESPONSES, tags=[TAG])
    @idempotent(required=True)
    def post(self, request, store_id: int):
        code, body, order = self._intake(request)
        idempotency_note_order(request, order)
        return Response(body, status=code)

    def _intake(self, request):
        data = valid(ExternalOrderInSerializer, request.data)
        channel = selectors.channel_lookup(store=self.store, ref=data["channel"])
        if channel is None:
            raise DomainValidationError(OrderErrorCode.CHANNEL_UNKNOWN, _("Unknown channel."), extra={"fields": {"channel": [_("Unknown channel.")]}})
        # the channel's own code first (its mapping: docs/orders.md, "Channel mappings"), then our id or name
        room_type = selectors.channel_mapping_resolve(
            channel=channel, room_code=data["room_type"], rate_code=data.get("rate_code") or "",
        ) or room_type_lookup(store=self.store, ref=data["room_type"])
        if room_type is None:
            raise DomainValidationError(OrderErrorCode.ROOM_TYPE_UNKNOWN, _("Unknown room type."), extra={"fields": {"room_type": [_("Unknown room type.")]}})
        guests = [_person(g) for g in data["guests"]] or [_person({**data["guest"], "is_primary": True})]
        result = services.order_intake_external(
            store=self.store, actor=request.user, channel=channel, external_ref=data["external_ref"],
            stay=services.StayIn(room_type=room_type, arrival=data["arrival"], departure=data["departure"]),
            amount=data["amount"], notes=data["notes"], cancellation_fee=data["cancellation_fee"],
            party=services.PartyIn(adults=data["adults"], children=data["children"], booker=_person(data["guest"]),
                                   guests=tuple(guests), estimated_arrival_time=data["estimated_arrival_time"]),
        )
        code = {"confirmed": status.HTTP_201_CREATED, "conflict": status.HTTP_202_ACCEPTED, "duplicate": status.HTTP_200_OK}[result.outcome]
        order = selectors.order_detail_get(store=self.store, order_id=result.order.pk)
        order.outcome = result.outcome
        body = jsonable(IntakeOutSerializer(order).data)
        logger.info("order.intake", extra={"order_id": order.pk, "store_id": self.store.pk, "outcome": result.outcome})
        return code, body, order
