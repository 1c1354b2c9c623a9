"""Demo channels and orders around today for a demo store (``manage.py seed_demo``).

Runs after ``apps.rooms.demo`` (and contacts); without rooms it only creates the
channels. Idempotent per store: does nothing more once the store has orders. The two
stays that started yesterday are entered as already in the house (as when moving from
another system): their check-in is recorded as imported.
"""
from __future__ import annotations

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from apps.orders import services
from apps.orders.models import Channel, Order, OrderEvent
from apps.orders.services import PartyIn, PersonIn, StayIn
from apps.rooms import selectors as room_selectors
from apps.tenancy.business_day import business_date


def _channel(store, code: str) -> Channel:
    return Channel.objects.get(store=store, code=code)


def _already_in_house(order: Order) -> Order:
    """A stay under way before it was entered: in the house since its arrival."""
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CHECKED_IN, checked_in_at=now, version=order.version + 1)
    OrderEvent.objects.create(
        order=order, store_id=order.store_id, kind=OrderEvent.Kind.CHECKED_IN, from_status=order.status,
        to_status=Order.Status.CHECKED_IN, data={"room_id": order.room_id, "imported": True},
    )
    order.refresh_from_db()
    return order


@transaction.atomic
def seed(*, store) -> None:
    services.channel_defaults_ensure(store=store)
    if Order.objects.filter(store=store).exists():
        return
    types = {t.name: t for t in room_selectors.room_type_list(store=store, filters={"is_active": True})}
    if not types:
        return
    rooms = {r.number: r for r in room_selectors.room_list(store=store, filters={"is_active": True})}
    today = business_date(store=store)
    day = lambda n: today + timedelta(days=n)  # noqa: E731
    type_a, type_b = list(types.values())[0], list(types.values())[-1]
    room_list = sorted(rooms.values(), key=lambda r: (r.room_type_id != type_a.pk, r.number))

    def book(room, arrival, nights, guest, phone, *, channel="direct", confirm=True, typed=None, notes="", **party):
        return services.order_create(
            store=store, actor=None, channel=_channel(store, channel), confirm=confirm, allow_past_arrival=arrival < today,
            stay=StayIn(room_type=typed or room.room_type, room=None if typed else room, arrival=arrival,
                        departure=arrival + timedelta(days=nights)),
            party=PartyIn(guests=(PersonIn(full_name=guest, phone=phone),), **party), notes=notes,
        )

    r = iter(room_list)
    # Due out today, and staying on: in the house since yesterday.
    _already_in_house(book(next(r), day(-1), 1, "张伟", "13800138001", channel="ctrip"))
    _already_in_house(book(next(r), day(-1), 3, "李娜", "13800138002", adults=2))
    # Arriving today: one in a room, one booked by type only (a room is given at check-in).
    book(next(r), today, 2, "王芳", "13800138003", estimated_arrival_time=time(15, 0), notes="需要婴儿床")
    book(None, today, 1, "刘洋", "13800138004", channel="meituan", typed=type_b)
    # A walk-in, in the house now.
    services.order_walk_in(
        store=store, actor=None, room=next(r), departure=day(1), party=PartyIn(guests=(PersonIn(full_name="陈静", phone="13800138005"),)),
    )
    # Coming up, waiting for confirmation, and called off.
    book(next(r), day(3), 2, "杨帆", "13800138006", channel="fliggy", adults=2)
    book(next(r), day(7), 3, "赵磊", "13800138007", channel="mall")
    book(None, day(14), 2, "黄敏", "13800138008", channel="phone", confirm=False, typed=type_a)
    cancelled = book(None, day(5), 1, "周杰", "13800138009", typed=type_a)
    services.order_cancel(order=cancelled, actor=None, reason="客人行程变更")
