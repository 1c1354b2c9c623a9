"""The hand-written renderers give exactly what the documented serializers give."""
from datetime import time, timedelta

from django.utils import timezone

from apps.mobile import render, selectors
from apps.mobile.serializers import (
    MobileOrderSerializer,
    MobileOverviewOutSerializer,
    MobileRemindersOutSerializer,
    MobileRoomSerializer,
    MobileRoomStatusOutSerializer,
    MobileTodayOutSerializer,
)
from apps.orders.models import Order
from apps.orders.tests.factories import make_order
from apps.reports.overview import overview_figures
from apps.rooms.models import Room
from apps.rooms.services import room_housekeeping_set, room_lock_create

S = Order.Status


def _world(store, rt, today):
    r1, r2, r3 = rt.rooms_list
    make_order(store, room_type=rt, room=r1, status=S.CHECKED_IN, nights=2)
    make_order(store, room_type=rt, arrival=today, nights=1, estimated_arrival_time=time(18, 30))
    out = make_order(store, room_type=rt, room=r2, status=S.CHECKED_IN, nights=3)
    from apps.orders.services import order_check_out

    out = order_check_out(order=out, actor=None)
    room_lock_create(store=store, room=r3, lock_type="hold", start_date=today + timedelta(days=1), end_date=today + timedelta(days=2))
    return out


def test_renderers_match_the_serializers(store, store2, rt, today, world):
    out = _world(store, rt, today)
    status = selectors.room_status_compact(store=store, start=today - timedelta(days=1), days=5)
    assert render.room_status(status) == MobileRoomStatusOutSerializer(status).data
    for day in (today, today + timedelta(days=1)):
        lists = selectors.today_compact(store=store, day=day, limit=10)
        assert render.today(lists) == MobileTodayOutSerializer(lists).data
    arriving = render.today(selectors.today_compact(store=store, day=today, limit=10))["arrivals"]
    assert [o["estimated_arrival_time"] for o in arriving] == ["18:30"]  # store-local HH:MM, as everywhere in the API
    for order in Order.objects.filter(store=store).select_related("room", "room_type"):
        assert render.order(order) == MobileOrderSerializer(order).data
    # check-in and check-out answer with the service's order: it renders as the row read back does
    assert render.order(out) == render.order(Order.objects.select_related("room", "room_type").get(pk=out.pk))
    assert render.order(out)["checked_out_at"] is not None
    room = room_housekeeping_set(room=Room.objects.get(pk=rt.rooms_list[1].pk), status="clean", actor=None)
    payload = {"id": room.pk, "number": room.number, "room_type_id": room.room_type_id, "housekeeping": room.housekeeping,
               "housekeeping_at": room.housekeeping_at, "allowed_next": ["dirty", "inspected"]}
    assert render.room(room, ["dirty", "inspected"]) == MobileRoomSerializer(payload).data
    polled = selectors.reminders_poll(stores=[store, store2], cursor=None, limit=50)
    assert polled["events"]
    assert render.reminders(polled) == MobileRemindersOutSerializer(polled).data
    for day in (None, today + timedelta(days=1)):
        figures = overview_figures(stores=[store, store2], day=day)
        assert render.overview(figures) == MobileOverviewOutSerializer(figures).data


def test_datetimes_render_like_drf(settings):
    from rest_framework.fields import DateTimeField

    moment = timezone.now().replace(microsecond=123456)
    assert render.dt(moment) == DateTimeField().to_representation(moment)
    assert render.dt(None) is None
