"""REST endpoints of the front desk under ``stores/<int:store_id>/`` (thin: parse, call one
selector or service, render): the room status grid, today's lists, the check-out, the
cancellation and the no-show (they charge the fee to the folio), the extension (it posts the
adjustment of the nights already charged). Anyone working in the store. The grid keeps the ``rooms`` tag and today, the check-out, the cancellation, the
no-show and the extension the ``orders`` one: where API users have always found them."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import valid
from apps.folios.selectors import payment_method_lookup
from apps.folios.services import folio_post_channel_receivable
from apps.frontdesk.selectors import room_grid
from apps.frontdesk.serializers import (
    BookingMoneyInSerializer,
    ChannelPrepaidInSerializer,
    GridOutSerializer,
    GridQuerySerializer,
    OrderCheckOutInSerializer,
    StayCheckInInSerializer,
    TodayOutSerializer,
    TodayQuerySerializer,
    grid_json,
)
from apps.frontdesk.services import (
    MoneyIn,
    stay_book,
    stay_cancel,
    stay_check_in,
    stay_check_out,
    stay_extend,
    stay_no_show,
)
from apps.orders.api import INTAKE_RESPONSES, OrderViewSet
from apps.orders.api import ExternalOrderApi as OrdersExternalOrderApi
from apps.orders.idempotency import idempotent, jsonable
from apps.orders.models import Order
from apps.orders.selectors import order_detail_get, order_for_update, stay_target, today_lists
from apps.orders.serializers import ExternalOrderInSerializer as OrdersExternalOrderInSerializer
from apps.orders.serializers import (
    IntakeOutSerializer,
    OrderCancelInSerializer,
    OrderDetailSerializer,
    OrderExtendInSerializer,
)
from apps.orders.serializers import OrderCreateInSerializer as OrdersCreateInSerializer
from apps.tenancy.business_day import business_date, store_local_date
from apps.tenancy.scope import StoreScopedMixin

ORDER_ERRORS = {
    400: OpenApiResponse(description="Invalid input (`invalid`, `invalid_stay_dates`, `arrival_in_past`, `too_many_guests`, ...)."),
    404: OpenApiResponse(description="No such order in this store."),
    409: OpenApiResponse(description="Refused: `illegal_transition`, `room_unavailable`, `room_type_sold_out`, ..."),
}


class RoomGridApi(StoreScopedMixin, APIView):
    """The room status grid (房态图): every active room with its blocks and occupancy per night,
    and per room type the rooms left to sell. A constant number of SQL queries."""

    @extend_schema(
        parameters=[GridQuerySerializer], responses=GridOutSerializer, tags=["rooms"],
        description="At most 90 days (date_span_too_long otherwise).",
    )
    def get(self, request, store_id: int):
        q = valid(GridQuerySerializer, request.query_params)
        start = q.get("start") or store_local_date(store=self.store)
        return Response(grid_json(room_grid(store=self.store, start=start, days=q["days"])))


class TodayApi(StoreScopedMixin, APIView):
    """The front desk's day: arrivals, in-house guests, departures, with counts."""

    @extend_schema(parameters=[TodayQuerySerializer], responses={200: TodayOutSerializer}, tags=["orders"])
    def get(self, request, store_id: int):
        q = valid(TodayQuerySerializer, request.query_params)
        day = q.get("date") or business_date(store=self.store)
        return Response(TodayOutSerializer(today_lists(store=self.store, day=day)).data)


def desk_money(store, data: dict | None) -> MoneyIn | None:
    """A ``DeskMoneyInSerializer``'s data as the services take it. A method not of the store
    is looked up as None, which the posting refuses (400 ``payment_method_unknown``) and with
    it the whole action."""
    if data is None:
        return None
    method = payment_method_lookup(store=store, method_id=data["payment_method"])
    return MoneyIn(amount=data["amount"], payment_method=method, reference=data["reference"])


class OrderCreateInSerializer(OrdersCreateInSerializer, BookingMoneyInSerializer):
    """A booking and the money handed over with it (the schema's ``OrderCreateIn``)."""


class DeskOrderViewSet(OrderViewSet):
    """The orders collection, whose create is the desk's: a booking takes a prepayment and a
    deposit in the same transaction (``stay_book``)."""

    @extend_schema(
        request=OrderCreateInSerializer, responses={201: OrderDetailSerializer, **ORDER_ERRORS}, tags=["orders"],
        description="A reservation (pending, or confirmed at once with `confirm`) or a walk-in (`walk_in`: "
        "created, confirmed and checked in tonight). Booker and guests become contacts, existing ones reused. "
        "`payment` (a prepayment) and `deposit` (押金, held apart) are posted to the order's folio in the same "
        "transaction; a prepayment meeting the store's rule confirms a pending order.",
    )
    @idempotent
    def create(self, request, store_id: int):
        money = valid(BookingMoneyInSerializer, request.data)
        payment, deposit = desk_money(self.store, money["payment"]), desk_money(self.store, money["deposit"])
        created: dict = {}

        def book():
            created["response"] = super(DeskOrderViewSet, self).create(request, store_id)
            return order_for_update(store=self.store, order_id=created["response"].data["id"])

        order = stay_book(book, actor=request.user, payment=payment, deposit=deposit)
        if payment is None and deposit is None:
            return created["response"]
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=order.pk)).data, status=201)


class OrderCheckInApi(StoreScopedMixin, APIView):
    """Check a guest in, taking a payment and a deposit in the same action."""

    queryset = Order.objects.all()  # documents the order id as the orders API does

    @extend_schema(request=StayCheckInInSerializer, responses={200: OrderDetailSerializer, **ORDER_ERRORS}, tags=["orders"],
                   description="confirmed -> checked_in, from the arrival date (`too_early_to_check_in`), in the assigned room "
                   "or `room` (`room_required`). `payment` and `deposit` (押金, held apart) are posted to the order's primary "
                   "folio in the same transaction: a refused posting refuses the check-in.")
    @idempotent
    def post(self, request, store_id: int, pk: int):
        data = valid(StayCheckInInSerializer, request.data)
        room = None
        if data["room"] is not None:
            _type, room = stay_target(store=self.store, room_id=data["room"])
        stay_check_in(order=order_for_update(store=self.store, order_id=pk), actor=request.user, room=room,
                      payment=desk_money(self.store, data["payment"]), deposit=desk_money(self.store, data["deposit"]))
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=pk)).data)


class OrderCheckOutApi(StoreScopedMixin, APIView):
    """Check a guest out (the bill settled, or a manager's override)."""

    queryset = Order.objects.all()  # documents the order id as the orders API does

    @extend_schema(request=OrderCheckOutInSerializer, responses={200: OrderDetailSerializer, **ORDER_ERRORS}, tags=["orders"],
                   description="checked_in / extended -> checked_out. Before the booked departure: the departure becomes "
                   "today, unused nights return to sale and their lines are dropped. The room becomes dirty. The folios "
                   "must be settled (409 `folio_balance_not_zero` / `folio_deposit_held`) unless a manager gives "
                   "`override_reason` (403 `manager_only` for anyone else); they are closed.")
    @idempotent
    def post(self, request, store_id: int, pk: int):
        data = valid(OrderCheckOutInSerializer, request.data)
        stay_check_out(order=order_for_update(store=self.store, order_id=pk), actor=request.user,
                       override_reason=data["override_reason"] or None)
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=pk)).data)


FEE_NOTE = ("The fee of the order's terms now (`GET orders/{id}/cancellation-fee/` shows it beforehand) is charged to its "
            "primary folio in the same transaction (nothing if 0) and recorded on the event as `fee`.")


class OrderCancelApi(StoreScopedMixin, APIView):
    """Cancel an order, charging the cancellation fee of its terms."""

    queryset = Order.objects.all()  # documents the order id as the orders API does

    @extend_schema(request=OrderCancelInSerializer, responses={200: OrderDetailSerializer, **ORDER_ERRORS},
                   tags=["orders"], description="pending_confirmation / confirmed -> cancelled, with a reason; held nights are released. "
                   + FEE_NOTE)
    @idempotent
    def post(self, request, store_id: int, pk: int):
        data = valid(OrderCancelInSerializer, request.data)
        stay_cancel(order=order_for_update(store=self.store, order_id=pk), actor=request.user, reason=data["reason"])
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=pk)).data)


class OrderNoShowApi(StoreScopedMixin, APIView):
    """Mark a no-show, charging the no-show fee of the order's terms."""

    queryset = Order.objects.all()

    @extend_schema(request=None, responses={200: OrderDetailSerializer, **ORDER_ERRORS}, tags=["orders"],
                   description="confirmed -> no_show, from the arrival date on; held nights are released. " + FEE_NOTE)
    @idempotent
    def post(self, request, store_id: int, pk: int):
        stay_no_show(order=order_for_update(store=self.store, order_id=pk), actor=request.user)
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=pk)).data)


class ExternalOrderInSerializer(OrdersExternalOrderInSerializer, ChannelPrepaidInSerializer):
    """An order pushed by a channel, with what the channel collected (the schema's ``ExternalOrderIn``)."""


class ExternalOrderApi(OrdersExternalOrderApi):
    """Orders pushed by external systems; one the channel collected for is settled by a
    receivable from the channel in the same transaction (``folio_post_channel_receivable``)."""

    @extend_schema(request=ExternalOrderInSerializer, responses=INTAKE_RESPONSES, tags=["orders"])
    @idempotent(required=True)
    def post(self, request, store_id: int):
        return super().post(request, store_id)

    def _intake(self, request):
        code, body, order = super()._intake(request)
        prepaid = valid(ChannelPrepaidInSerializer, request.data)
        if prepaid["prepaid_amount"] and order.outcome != "duplicate":
            folio_post_channel_receivable(
                order=order, amount=prepaid["prepaid_amount"], commission=prepaid["commission"],
                channel_name=order.channel.name, reference=order.external_ref or "", actor=request.user,
            )
            outcome = order.outcome
            order = order_detail_get(store=self.store, order_id=order.pk)
            order.outcome = outcome
            body = jsonable(IntakeOutSerializer(order).data)
        return code, body, order


class OrderExtendApi(StoreScopedMixin, APIView):
    """Extend a stay, re-pricing it whole and adjusting the nights already charged on the folio."""

    queryset = Order.objects.all()

    @extend_schema(request=OrderExtendInSerializer, responses={200: OrderDetailSerializer, **ORDER_ERRORS}, tags=["orders"],
                   description="checked_in -> extended (or an extended stay again): holds the extra nights in the same room "
                   "or refuses. The whole new stay is re-priced (docs/orders.md, \"Re-pricing\"; `GET extend-quote/` shows "
                   "it beforehand): nights priced by the rules get the rate of the new length; the difference of the "
                   "nights already charged is posted as one adjustment on the primary folio (a discount or a manual "
                   "charge) in the same transaction and recorded on the event as `adjustment`.")
    @idempotent
    def post(self, request, store_id: int, pk: int):
        data = valid(OrderExtendInSerializer, request.data)
        stay_extend(order=order_for_update(store=self.store, order_id=pk), actor=request.user, departure=data["departure"])
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=pk)).data)
