"""Demo room types, rooms, pricing rules and a lock for a demo store (``manage.py seed_demo``)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from apps.rooms import services
from apps.rooms.models import RoomLock, RoomType
from apps.tenancy.business_day import store_local_date

# (name, default price, guests, amenities, description, rooms as (number, floor))
TYPES = [
    (
        "山景大床房", Decimal("468.00"), 2, ["1.8米大床", "观景阳台", "智能马桶", "免费WiFi"],
        "推窗见山，独立观景阳台，适合情侣出游。",
        [("101", "1"), ("102", "1"), ("201", "2"), ("202", "2"), ("301", "3")],
    ),
    (
        "庭院双床房", Decimal("398.00"), 2, ["1.2米双床", "庭院景观", "免费WiFi", "茶具"],
        "一楼临庭院，两张单人床，适合朋友结伴。",
        [("103", "1"), ("104", "1"), ("203", "2"), ("204", "2")],
    ),
    (
        "家庭套房", Decimal("688.00"), 4, ["1.8米大床", "1.2米儿童床", "独立客厅", "浴缸", "免费WiFi"],
        "一室一厅，可住两大两小，带浴缸。",
        [("302", "3"), ("303", "3")],
    ),
]


def seed(*, store) -> None:
    """Idempotent per store: does nothing if the store already has room types."""
    if RoomType.objects.filter(store=store).exists():
        return
    types = {}
    for order, (name, price, guests, amenities, description, rooms) in enumerate(TYPES):
        room_type = services.room_type_create(
            store=store, name=name, default_price=price, capacity=guests, amenities=amenities,
            description=description, sort_order=order,
        )
        types[name] = room_type
        for number, floor in rooms:
            services.room_create(store=store, room_type=room_type, number=number, floor=f"{floor}楼")
    for name in types:
        services.pricing_rule_create(
            store=store, room_type=types[name], name="周五周六 +20%", days_of_week=[4, 5],
            adjustment_type="percent", adjustment_value=Decimal("20"), priority=10,
        )
        services.pricing_rule_create(
            store=store, room_type=types[name], name="连住3晚及以上 9折", min_los=3,
            adjustment_type="percent", adjustment_value=Decimal("-10"), priority=20,
        )
    today = store_local_date(store=store)
    summer = today.year if today <= today.replace(month=8, day=31) else today.year + 1  # the coming summer
    services.pricing_rule_create(
        store=store, room_type=types["家庭套房"], name="暑期家庭价", date_range_start=date(summer, 7, 1),
        date_range_end=date(summer, 8, 31), adjustment_type="fixed", adjustment_value=Decimal("788.00"), priority=30,
    )
    room = types["庭院双床房"].rooms.order_by("number").last()
    services.room_lock_create(
        store=store, room=room, lock_type=RoomLock.LockType.MAINTENANCE, start_date=today + timedelta(days=3),
        end_date=today + timedelta(days=5), reason="更换空调外机",
    )
