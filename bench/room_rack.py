"""Room status grid (房态图): 300 rooms x 90 days at ~70 % occupancy, timed in-process.

Builds a fresh tenant with 10 room types and 300 rooms (through the rooms services),
then ~70 % of the room nights of [today - 4, today + 90) held by stays of 1-5 nights
(real orders rows when the orders app is installed, checked out / in house / confirmed
by date; else synthetic order ids) and a few maintenance locks, written in bulk the
way ``apps.rooms.inventory`` would have (room nights + type counters). Then calls
``apps.rooms.selectors.room_grid(start=today, days=90)`` 50 times.

Prints ``{"bench": "room_rack", "rooms": 300, "days": 90, "p50_ms", "p95_ms", "queries", ...}``
(``queries``: SQL statements of one grid call; ``json_p95_ms``: the grid plus its JSON
rendering as the API does it, DRF's JSONRenderer).
"""
from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import drop_tenant, emit, fresh_tenant, percentiles, setup_django  # noqa: E402

ROOMS, DAYS, TYPES, RUNS, WARMUP = 300, 90, 10, 50, 3
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "晓东", "雨桐"]


def _orders_api():
    try:
        from apps.orders.models import Order
        from apps.orders.services import channel_defaults_ensure
    except ImportError:
        return None
    return Order, channel_defaults_ensure


def build(store, today):
    from django.db import connection

    from apps.rooms import services
    from apps.rooms.models import Room, RoomLock, RoomNight, RoomTypeNight

    rng = random.Random(20261122)
    types = [
        services.room_type_create(store=store, name=f"房型{i + 1:02d}", default_price=Decimal(280 + 40 * i), sort_order=i)
        for i in range(TYPES)
    ]
    for i in range(ROOMS):
        services.room_create(store=store, room_type=types[i % TYPES], number=f"{1 + i // 30}{i % 30 + 1:02d}", floor=str(1 + i // 30))
    rooms = list(Room.objects.filter(store=store).values_list("id", "room_type_id"))

    first, last = today - timedelta(days=4), today + timedelta(days=DAYS)
    stays, locks = [], []  # (room_id, type_id, arrival, departure)
    for room_id, type_id in rooms:
        day = first + timedelta(days=rng.randint(0, 2))
        while day < last:
            length = rng.randint(1, 5)
            end = min(day + timedelta(days=length), last)
            (locks if rng.random() < 0.01 else stays).append((room_id, type_id, day, end))
            day = end + timedelta(days=rng.choice([0, 1, 1, 1, 2, 2, 3]))

    orders = _orders_api()
    if orders:
        Order, channel_defaults_ensure = orders
        channels = channel_defaults_ensure(store=store)

        def status(arrival, departure):
            if departure <= today:
                return "checked_out"
            return "checked_in" if arrival <= today else "confirmed"

        rows = [
            Order(
                store=store, code=f"B{n:07d}", status=status(a, d), channel=rng.choice(channels), room_type_id=t, room_id=r,
                arrival=a, departure=d, primary_contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            )
            for n, (r, t, a, d) in enumerate(stays)
        ]
        order_ids = [o.pk for o in Order.objects.bulk_create(rows, batch_size=2000)]
        source = "orders"
    else:
        order_ids = list(range(1, len(stays) + 1))
        source = "synthetic"

    lock_rows = RoomLock.objects.bulk_create([
        RoomLock(store=store, room_id=r, lock_type="maintenance", start_date=a, end_date=d, reason="检修")
        for r, _t, a, d in locks
    ])
    nights, held, locked = [], Counter(), Counter()
    for order_id, (r, t, a, d) in zip(order_ids, stays, strict=True):
        for i in range((d - a).days):
            n = a + timedelta(days=i)
            nights.append(RoomNight(store=store, room_id=r, night=n, kind="stay", order_id=order_id))
            held[(t, n)] += 1
    for lock, (r, t, a, d) in zip(lock_rows, locks, strict=True):
        for i in range((d - a).days):
            n = a + timedelta(days=i)
            nights.append(RoomNight(store=store, room_id=r, night=n, kind="lock", lock_id=lock.pk))
            locked[(t, n)] += 1
    RoomNight.objects.bulk_create(nights, batch_size=5000)
    per_type = Counter(t for _r, t in rooms)
    RoomTypeNight.objects.bulk_create(
        [
            RoomTypeNight(store=store, room_type_id=t, night=first + timedelta(days=i), capacity=per_type[t],
                          locked=locked[(t, first + timedelta(days=i))], held=held[(t, first + timedelta(days=i))])
            for t in per_type
            for i in range((last - first).days)
        ],
        batch_size=5000,
    )
    tables = ["rooms_room", "rooms_roomnight", "rooms_roomtypenight", "rooms_roomlock"] + (["orders_order"] if orders else [])
    with connection.cursor() as cursor:  # as autovacuum would have done after a bulk load
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
    window = sum(1 for x in nights if today <= x.night < today + timedelta(days=DAYS))
    return {"stays": len(stays), "locks": len(locks), "occupancy": round(window / (ROOMS * DAYS), 3), "stays_source": source}


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context
    from rest_framework.renderers import JSONRenderer

    from apps.frontdesk.selectors import room_grid
    from apps.tenancy.business_day import store_local_date
    from apps.frontdesk.serializers import grid_json

    tenant, store, _admin = fresh_tenant(prefix="rack")
    try:
        with tenant_context(tenant):
            today = store_local_date(store=store)
            info = build(store, today)
            for _ in range(WARMUP):
                room_grid(store=store, start=today, days=DAYS)
            with CaptureQueriesContext(connection) as queries:
                grid = room_grid(store=store, start=today, days=DAYS)
            assert len(grid["rooms"]) == ROOMS
            blocks = sum(len(r["blocks"]) for r in grid["rooms"])
            labelled = sum(1 for r in grid["rooms"] for b in r["blocks"] if b["kind"] == "stay" and b["status"])
            samples = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                room_grid(store=store, start=today, days=DAYS)
                samples.append(time.perf_counter() - t0)
            renderer = JSONRenderer()
            json_samples = []
            for _ in range(RUNS // 2):
                t0 = time.perf_counter()
                renderer.render(grid_json(room_grid(store=store, start=today, days=DAYS)))
                json_samples.append(time.perf_counter() - t0)
    finally:
        connection.set_schema_to_public()
        drop_tenant(tenant)
    p = percentiles(samples)
    emit({
        "bench": "room_rack", "rooms": ROOMS, "days": DAYS, "p50_ms": p["p50_ms"], "p95_ms": p["p95_ms"],
        "queries": len(queries), "runs": RUNS, "blocks": blocks, "labelled_stays": labelled,
        "json_p95_ms": percentiles(json_samples)["p95_ms"], **info,
    })


if __name__ == "__main__":
    main()
