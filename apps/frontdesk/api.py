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
from apps.frontdesk.selectors import room_grid
from apps.frontdesk.serializers import (
    GridOutSerializer,
    GridQuerySerializer,
    OrderCheckOutInSerializer,
    TodayOutSerializer,
    TodayQuerySerializer,
    grid_json,
)
from apps.frontdesk.services import (
    stay_cancel,
    stay_check_out,
    stay_extend,
    stay_no_show,
)
from apps.orders.models import Order
from apps.orders.selectors import order_detail_get, order_for_update, today_lists
from apps.orders.serializers import (
    OrderCancelInSerializer,
    OrderDetailSerializer,
    OrderExtendInSerializer,
)
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


class OrderCheckOutApi(StoreScopedMixin, APIView):
    """Check a guest out (the bill settled, or a manager's override)."""

    queryset = Order.objects.all()  # documents the order id as the orders API does

    @extend_schema(request=OrderCheckOutInSerializer, responses={200: OrderDetailSerializer, **ORDER_ERRORS}, tags=["orders"],
                   description="checked_in / extended -> checked_out. Before the booked departure: the departure becomes "
                   "today, unused nights return to sale and their lines are dropped. The room becomes dirty. The folios "
                   "must be settled (409 `folio_balance_not_zero` / `folio_deposit_held`) unless a manager gives "
                   "`override_reason` (403 `manager_only` for anyone else); they are closed.")
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
    def post(self, request, store_id: int, pk: int):
        data = valid(OrderCancelInSerializer, request.data)
        stay_cancel(order=order_for_update(store=self.store, order_id=pk), actor=request.user, reason=data["reason"])
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=pk)).data)


class OrderNoShowApi(StoreScopedMixin, APIView):
    """Mark a no-show, charging the no-show fee of the order's terms."""

    queryset = Order.objects.all()

    @extend_schema(request=None, responses={200: OrderDetailSerializer, **ORDER_ERRORS}, tags=["orders"],
                   description="confirmed -> no_show, from the arrival date on; held nights are released. " + FEE_NOTE)
    def post(self, request, store_id: int, pk: int):
        stay_no_show(order=order_for_update(store=self.store, order_id=pk), actor=request.user)
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=pk)).data)


class OrderExtendApi(StoreScopedMixin, APIView):
    """Extend a stay, re-pricing it whole and adjusting the nights already charged on the folio."""

    queryset = Order.objects.all()

    @extend_schema(request=OrderExtendInSerializer, responses={200: OrderDetailSerializer, **ORDER_ERRORS}, tags=["orders"],
                   description="checked_in -> extended (or an extended stay again): holds the extra nights in the same room "
                   "or refuses. The whole new stay is re-priced (docs/orders.md, \"Re-pricing\"; `GET extend-quote/` shows "
                   "it beforehand): nights priced by the rules get the rate of the new length; the difference of the "
                   "nights already charged is posted as one adjustment on the primary folio (a discount or a manual "
                   "charge) in the same transaction and recorded on the event as `adjustment`.")
    def post(self, request, store_id: int, pk: int):
        data = valid(OrderExtendInSerializer, request.data)
        stay_extend(order=order_for_update(store=self.store, order_id=pk), actor=request.user, departure=data["departure"])
        return Response(OrderDetailSerializer(order_detail_get(store=self.store, order_id=pk)).data)
