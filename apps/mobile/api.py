"""REST endpoints of the owner's mini-program (tag ``mobile``), thin: parse, call one
selector or service of another app, render through this app's serializers (the one
description of each response). See docs/mobile_api.md.

- store-scoped, under ``stores/<store_id>/m/`` (``StoreScopedMixin``: another store's
  id, or an order or room of another store, answers 404): room status, today, check-in,
  check-out, housekeeping. Everyone working in the store (front desk included).
- over the user's stores, under ``m/`` with ``?store=<id>|all``: reminders (every store
  the user works in) and the overview (stores the user manages; 403 ``manager_only``
  for the front desk).
"""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.api import valid
from apps.common.schema import error_example, error_responses
from apps.frontdesk.services import stay_check_out
from apps.mobile import selectors
from apps.mobile.serializers import (
    MobileCheckInInSerializer,
    MobileCheckOutInSerializer,
    MobileHousekeepingInSerializer,
    MobileOrderSerializer,
    MobileOverviewOutSerializer,
    MobileOverviewQuerySerializer,
    MobileRemindersOutSerializer,
    MobileRemindersQuerySerializer,
    MobileRoomSerializer,
    MobileRoomStatusOutSerializer,
    MobileRoomStatusQuerySerializer,
    MobileTodayOutSerializer,
    MobileTodayQuerySerializer,
)
from apps.orders.feed import FeedCursor
from apps.orders.idempotency import idempotent
from apps.orders.selectors import order_for_update, stay_target
from apps.orders.services import order_check_in
from apps.reports.overview import overview_figures
from apps.rooms.selectors import room_list
from apps.rooms.services import housekeeping_allowed_from, room_housekeeping_set
from apps.tenancy.business_day import business_date
from apps.tenancy.roles import ACCESS, MANAGE
from apps.tenancy.scope import ManagerOnly, StoreScopedMixin, store_resolve
from apps.tenancy.selectors import store_list_with_perms

TAG = "mobile"


NOT_FOUND = error_example(404, "not_found", "Not found.")
MANAGER_ONLY = error_example(403, "manager_only", "Only a store manager can do this.")
INVALID_DATE = error_example(400, "invalid", "Some fields are not valid.",
                             {"fields": {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}})
ILLEGAL = error_example(
    409, "illegal_transition", "An order cannot go from Checked out to Checked in.",
    {"from": "checked_out", "to": "checked_in", "allowed": []},
)

# --- examples ---------------------------------------------------------------------------

ROOM_STATUS_EXAMPLE = {
    "start": "2026-05-01", "end": "2026-05-04", "dates": ["2026-05-01", "2026-05-02", "2026-05-03"],
    "room_types": [{"id": 1, "name": "山景大床房", "free": [0, 1, 1]}],
    "rooms": [
        {"id": 11, "number": "101", "floor": "1", "room_type_id": 1, "housekeeping": "clean", "states": "OOV",
         "stays": [{"order_id": 42, "status": "checked_in", "guest_name": "王小明", "arrival": "2026-04-30", "departure": "2026-05-03"}],
         "locks": []},
        {"id": 12, "number": "102", "floor": "1", "room_type_id": 1, "housekeeping": "dirty", "states": "RXV",
         "stays": [{"order_id": 43, "status": "confirmed", "guest_name": "李华", "arrival": "2026-05-01", "departure": "2026-05-02"}],
         "locks": [{"lock_id": 5, "lock_type": "maintenance", "start": "2026-05-02", "end": "2026-05-03"}]},
    ],
    "first_night": {"V": 0, "R": 1, "O": 1, "X": 0},
    "housekeeping": {"clean": 1, "dirty": 1},
}
TODAY_ROW = {
    "id": 43, "code": "260425-43", "status": "confirmed", "guest_name": "李华", "room_id": 12, "room_number": "102",
    "room_type_name": "山景大床房", "arrival": "2026-05-01", "departure": "2026-05-02", "adults": 2, "children": 0,
    "estimated_arrival_time": "18:00", "channel": "携程", "due_amount": "468.00",
}
IN_HOUSE_ROW = {
    "id": 42, "code": "260420-42", "status": "checked_in", "guest_name": "王小明", "room_id": 11, "room_number": "101",
    "room_type_name": "山景大床房", "arrival": "2026-04-30", "departure": "2026-05-01", "adults": 1, "children": 0,
    "estimated_arrival_time": None, "channel": "直订", "due_amount": "0.00",
}
TODAY_EXAMPLE = {
    "date": "2026-05-01", "counts": {"arrivals": 1, "in_house": 1, "departures": 1},
    "arrivals": [{**TODAY_ROW, "overdue": False}], "in_house": [IN_HOUSE_ROW], "departures": [{**IN_HOUSE_ROW, "overdue": False}],
}
ORDER_EXAMPLE = {
    "id": 43, "code": "260425-43", "status": "checked_in", "guest_name": "李华", "room_id": 12, "room_number": "102",
    "room_type_id": 1, "room_type_name": "山景大床房", "arrival": "2026-05-01", "departure": "2026-05-02", "nights": 1,
    "currency": "CNY", "total_amount": "468.00", "paid_amount": "0.00", "due_amount": "468.00", "version": 4,
    "checked_in_at": "2026-05-01T15:02:11+08:00", "checked_out_at": None,
}
ROOM_EXAMPLE = {
    "id": 12, "number": "102", "room_type_id": 1, "housekeeping": "clean", "housekeeping_at": "2026-05-01T11:20:00+08:00",
    "allowed_next": ["dirty", "inspected"],
}
REMINDERS_EXAMPLE = {
    "events": [{
        "id": 1207, "kind": "created", "kind_label": "新建", "at": "2026-05-01T09:15:02+08:00", "store_id": 1,
        "store_name": "西湖店", "from_status": None, "to_status": "pending_confirmation", "actor_name": "",
        "summary": "新建：陈晨，05-03 至 05-05",
        "order": {"id": 51, "code": "260501-51", "status": "pending_confirmation", "guest_name": "陈晨", "arrival": "2026-05-03",
                  "departure": "2026-05-05", "room_number": None, "room_type_name": "山景大床房", "channel": "商城"},
    }],
    "next_cursor": "v1.1207.1207.0",
    "has_more": False,
}


def _collections(net: str) -> dict:
    return {
        "total": {"payments": net, "refunds": "0.00", "deposits": "0.00", "deposit_returns": "0.00", "net": net},
        "by_method": [{"method_id": 2, "name": "微信支付", "method_type": "wechat", "payments": net, "refunds": "0.00",
                       "deposits": "0.00", "deposit_returns": "0.00", "net": net}],
    }


def _period(start: str, available: int, sold: int, revenue: str, adr: str, revpar: str, occ: str, net: str, arr: int, dep: int) -> dict:
    return {
        "start": start, "end": "2026-05-10", "rooms_available": available, "rooms_sold": sold, "room_revenue": revenue,
        "occupancy": occ, "adr": adr, "revpar": revpar, "arrivals": arr, "arrivals_checked_in": arr - 1,
        "departures": dep, "departures_checked_out": dep, "audited_nights": 0 if start == "2026-05-10" else 9,
        "collections": _collections(net),
    }


OVERVIEW_STORE = {
    "store_id": 1, "store_name": "西湖店", "currency": "CNY", "date": "2026-05-10",
    "today": _period("2026-05-10", 11, 8, "3744.00", "468.00", "340.36", "0.7273", "1404.00", 3, 2),
    "month_to_date": _period("2026-05-01", 108, 79, "37125.00", "469.94", "343.75", "0.7315", "30210.00", 31, 29),
}
OVERVIEW_EXAMPLE = {
    "total": {"date": "2026-05-10", "currency": "CNY", "store_count": 1,
              "today": {**OVERVIEW_STORE["today"], "collections": {**_collections("1404.00"), "by_method": [
                  {**_collections("1404.00")["by_method"][0], "method_id": None, "name": "WeChat Pay"}]}},
              "month_to_date": {**OVERVIEW_STORE["month_to_date"], "collections": {**_collections("30210.00"), "by_method": [
                  {**_collections("30210.00")["by_method"][0], "method_id": None, "name": "WeChat Pay"}]}}},
    "stores": [OVERVIEW_STORE],
}


# --- store-scoped ------------------------------------------------------------------------


class RoomStatusApi(StoreScopedMixin, APIView):
    """房态: the store's rooms for up to 31 nights, one state letter per night."""

    @extend_schema(
        operation_id="mobile_room_status_get",
        parameters=[MobileRoomStatusQuerySerializer],
        responses={200: MobileRoomStatusOutSerializer, **error_responses(400, 404, examples=[
            error_example(400, "invalid", "Some fields are not valid.", {"fields": {"days": ["Ensure this value is less than or equal to 31."]}}),
            NOT_FOUND,
        ])},
        examples=[OpenApiExample("Room status", response_only=True, status_codes=["200"], value=ROOM_STATUS_EXAMPLE)],
        tags=[TAG],
    )
    def get(self, request, store_id: int):
        q = valid(MobileRoomStatusQuerySerializer, request.query_params)
        start = q.get("start") or business_date(store=self.store)
        data = selectors.room_status_compact(store=self.store, start=start, days=q["days"])
        return Response(MobileRoomStatusOutSerializer(data).data)


class TodayApi(StoreScopedMixin, APIView):
    """日程: today's arrivals, guests in the house and departures, counted and listed."""

    @extend_schema(
        operation_id="mobile_today_get",
        parameters=[MobileTodayQuerySerializer],
        responses={200: MobileTodayOutSerializer, **error_responses(400, 404, examples=[INVALID_DATE, NOT_FOUND])},
        examples=[OpenApiExample("Today", response_only=True, status_codes=["200"], value=TODAY_EXAMPLE)],
        tags=[TAG],
    )
    def get(self, request, store_id: int):
        q = valid(MobileTodayQuerySerializer, request.query_params)
        day = q.get("date") or business_date(store=self.store)
        return Response(MobileTodayOutSerializer(selectors.today_compact(store=self.store, day=day, limit=q["limit"])).data)


class CheckInApi(StoreScopedMixin, APIView):
    """入住: check a confirmed order in (from its arrival date), in its room or in ``room``."""

    @extend_schema(
        operation_id="mobile_order_check_in",
        request=MobileCheckInInSerializer,
        responses={200: MobileOrderSerializer, **error_responses(400, 404, 409, examples=[
            error_example(400, "invalid", "Some fields are not valid.", {"fields": {"room": ["This room does not exist."]}}),
            NOT_FOUND,
            error_example(409, "too_early_to_check_in", "This stay starts on 2026-05-03.",
                          {"arrival": "2026-05-03", "business_date": "2026-05-01"}),
            error_example(409, "room_required", "Assign a room before checking in."),
            error_example(409, "room_unavailable", "The room is taken on some of these nights.", {"nights": ["2026-05-01"]}),
            ILLEGAL,
        ])},
        examples=[
            OpenApiExample("In the assigned room", request_only=True, value={}),
            OpenApiExample("In another room", request_only=True, value={"room": 12}),
            OpenApiExample("Checked in", response_only=True, status_codes=["200"], value=ORDER_EXAMPLE),
        ],
        tags=[TAG],
    )
    @idempotent
    def post(self, request, store_id: int, order_id: int):
        data = valid(MobileCheckInInSerializer, request.data)
        order = order_for_update(store=self.store, order_id=order_id)
        room = None
        if data["room"] is not None:
            _type, room = stay_target(store=self.store, room_id=data["room"])
        # The service's order, freshly locked and saved, with its room and room type: the card.
        order = order_check_in(order=order, actor=request.user, room=room)
        return Response(MobileOrderSerializer(order).data)


class CheckOutApi(StoreScopedMixin, APIView):
    """退房: check a guest out (early: the unused nights go back to sale); the room becomes dirty.
    The bill must be settled, or a manager gives ``override_reason``."""

    @extend_schema(
        operation_id="mobile_order_check_out",
        request=MobileCheckOutInSerializer,
        responses={200: MobileOrderSerializer, **error_responses(400, 403, 404, 409, examples=[
            error_example(400, "invalid", "Some fields are not valid.", {"fields": {"override_reason": ["Not a valid string."]}}),
            MANAGER_ONLY,
            NOT_FOUND,
            error_example(409, "illegal_transition", "An order cannot go from Confirmed to Checked out.",
                          {"from": "confirmed", "to": "checked_out", "allowed": ["cancelled", "checked_in", "no_show"]}),
            error_example(409, "folio_balance_not_zero",
                          "The folio balance is 468.00: settle it before check-out, or a manager overrides with a reason.",
                          {"balance": "468.00", "deposit_held": "0.00", "folios": [{"id": 7, "balance": "468.00", "deposit_held": "0.00"}]}),
            error_example(409, "folio_deposit_held",
                          "A deposit of 200.00 is still held: return it before check-out, or a manager overrides with a reason.",
                          {"balance": "0.00", "deposit_held": "200.00", "folios": [{"id": 7, "balance": "0.00", "deposit_held": "200.00"}]}),
        ])},
        examples=[
            OpenApiExample("Settled", request_only=True, value={}),
            OpenApiExample("Manager override", request_only=True, value={"override_reason": "公司月结，账单另寄"}),
            OpenApiExample("Checked out", response_only=True, status_codes=["200"], value={
                **ORDER_EXAMPLE, "status": "checked_out", "checked_out_at": "2026-05-02T11:40:00+08:00", "version": 5}),
        ],
        tags=[TAG],
    )
    @idempotent
    def post(self, request, store_id: int, order_id: int):
        data = valid(MobileCheckOutInSerializer, request.data)
        order = order_for_update(store=self.store, order_id=order_id)
        order = stay_check_out(order=order, actor=request.user, override_reason=data["override_reason"].strip() or None)
        return Response(MobileOrderSerializer(order).data)


class HousekeepingApi(StoreScopedMixin, APIView):
    """房间清洁状态: dirty -> cleaning -> clean -> inspected, dirty -> clean, any -> dirty."""

    @extend_schema(
        operation_id="mobile_room_housekeeping_set",
        request=MobileHousekeepingInSerializer,
        responses={200: MobileRoomSerializer, **error_responses(400, 404, 409, examples=[
            error_example(400, "invalid", "Some fields are not valid.", {"fields": {"status": ["\"shiny\" is not a valid choice."]}}),
            NOT_FOUND,
            error_example(409, "housekeeping_transition_not_allowed", "A room cannot go from Inspected to Clean.",
                          {"from": "inspected", "to": "clean", "allowed": ["dirty"]}),
        ])},
        examples=[
            OpenApiExample("Cleaned", request_only=True, value={"status": "clean"}),
            OpenApiExample("Room", response_only=True, status_codes=["200"], value=ROOM_EXAMPLE),
        ],
        tags=[TAG],
    )
    def post(self, request, store_id: int, room_id: int):
        data = valid(MobileHousekeepingInSerializer, request.data)
        room = room_list(store=self.store).filter(pk=room_id).first()
        if room is None:
            raise Http404
        room = room_housekeeping_set(room=room, status=data["status"], actor=request.user)
        room.allowed_next = housekeeping_allowed_from(room.housekeeping)
        return Response(MobileRoomSerializer(room).data)


# --- over the user's stores ----------------------------------------------------------------------


def _stores(request, store, perm: str) -> list:
    if store == "all":
        return [s for s in store_list_with_perms(user=request.user) if perm in s.perms]
    found, _perms = store_resolve(user=request.user, store_id=store, need=perm)
    return [found]


class RemindersApi(APIView):
    """订单提醒: new and changed orders since the last poll, for every store the user works in (or one)."""

    @extend_schema(
        operation_id="mobile_reminders_list",
        parameters=[MobileRemindersQuerySerializer],
        responses={200: MobileRemindersOutSerializer, **error_responses(400, 404, examples=[
            error_example(400, "cursor_invalid", "The cursor is not valid.", {"fields": {"cursor": [
                "Not a cursor from this API: send back the next_cursor of the previous answer."]}}),
            error_example(400, "invalid", "Some fields are not valid.", {"fields": {"store": ["Give a store id or \"all\"."]}}),
            NOT_FOUND,
        ])},
        examples=[OpenApiExample("New order", response_only=True, status_codes=["200"], value=REMINDERS_EXAMPLE)],
        tags=[TAG],
    )
    def get(self, request):
        q = valid(MobileRemindersQuerySerializer, request.query_params)
        cursor = FeedCursor.decode(q["cursor"]) if q.get("cursor") else None
        stores = _stores(request, q["store"], ACCESS)
        data = selectors.reminders_poll(
            stores=stores, cursor=cursor, limit=q["limit"], kinds=q.get("kinds") or selectors.REMINDER_KINDS,
        )
        return Response(MobileRemindersOutSerializer(data).data)


class OverviewApi(APIView):
    """数据概览: today's and this month's room revenue, collections, occupancy, ADR, RevPAR,
    arrivals and departures, per store and in total (stores the user manages)."""

    @extend_schema(
        operation_id="mobile_overview_get",
        parameters=[MobileOverviewQuerySerializer],
        responses={200: MobileOverviewOutSerializer, **error_responses(400, 403, 404, examples=[
            INVALID_DATE, MANAGER_ONLY, NOT_FOUND,
        ])},
        examples=[OpenApiExample("Overview", response_only=True, status_codes=["200"], value=OVERVIEW_EXAMPLE)],
        tags=[TAG],
    )
    def get(self, request):
        q = valid(MobileOverviewQuerySerializer, request.query_params)
        stores = _stores(request, q["store"], MANAGE)
        if not stores:
            raise ManagerOnly()
        return Response(MobileOverviewOutSerializer(overview_figures(stores=stores, day=q.get("date"))).data)
