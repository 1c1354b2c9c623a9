"""The room status grid page (房态图) for 300 rooms x 31 days, server time, in-process.

Builds a fresh tenant with 10 room types and 300 rooms (through the rooms services),
about 70 % of the room nights of [today - 4, today + 45) held by stays of 1-5 nights
(real ``orders_order`` rows: checked out / in house / confirmed by date, guest names,
channels) and ~1 % maintenance locks, written in bulk exactly as ``apps.rooms.inventory``
would have written them (a room night per held night, type counters with held/locked),
a quarter of the rooms dirty. Then logs a front-desk clerk in with Django's test client
and requests ``/t/<tenant>/s/<store>/grid/?days=31`` RUNS times, timing each request
in-process (URL resolution, middleware, session, store scope, ``room_grid``, template
rendering: everything but the socket) and counting its SQL statements.

Prints ``{"bench": "rack_page", "rooms": 300, "days": 31, "p50_ms", "p95_ms", "p99_ms",
"queries", "bytes", "blocks", "occupancy", ...}``. Target: p95 < 150 ms, queries constant
(``queries_7_days`` is the same page for 7 days). ``cpu_p95_ms`` is this process's CPU time
per request (the server's Python work, without PostgreSQL), which shows how much of the
wall time is the machine being busy with something else.
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

ROOMS, DAYS, TYPES, RUNS, WARMUP = 300, 31, 10, 60, 5
PASSWORD = "bench-pass-1"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "晓东", "雨桐"]


def build(store, today) -> dict:
    from django.db import connection

    from apps.orders.models import Order
    from apps.orders.services import channel_defaults_ensure
    from apps.rooms import services
    from apps.rooms.models import Room, RoomLock, RoomNight, RoomTypeNight

    rng = random.Random(20261122)
    types = [
        services.room_type_create(store=store, name=f"房型{i + 1:02d}", default_price=Decimal(280 + 40 * i), sort_order=i)
        for i in range(TYPES)
    ]
    for i in range(ROOMS):
        services.room_create(store=store, room_type=types[i % TYPES], number=f"{1 + i // 30}{i % 30 + 1:02d}", floor=f"{1 + i // 30}楼")
    rooms = list(Room.objects.filter(store=store).order_by("id").values_list("id", "room_type_id"))
    Room.objects.filter(pk__in=[r for r, _t in rooms[::4]]).update(housekeeping="dirty")

    first, last = today - timedelta(days=4), today + timedelta(days=DAYS + 14)
    stays, locks = [], []  # (room_id, type_id, arrival, departure)
    for room_id, type_id in rooms:
        day = first + timedelta(days=rng.randint(0, 2))
        while day < last:
            end = min(day + timedelta(days=rng.randint(1, 5)), last)
            (locks if rng.random() < 0.01 else stays).append((room_id, type_id, day, end))
            day = end + timedelta(days=rng.choice([0, 1, 1, 1, 2, 2, 3]))

    channels = channel_defaults_ensure(store=store)

    def status(arrival, departure):
        if departure <= today:
            return "checked_out"
        return "checked_in" if arrival <= today else "confirmed"

    orders = Order.objects.bulk_create(
        [
            Order(store=store, code=f"B{n:07d}", status=status(a, d), channel=rng.choice(channels), room_type_id=t, room_id=r,
                  arrival=a, departure=d, primary_contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN))
            for n, (r, t, a, d) in enumerate(stays)
        ],
        batch_size=2000,
    )
    lock_rows = RoomLock.objects.bulk_create([
        RoomLock(store=store, room_id=r, lock_type="maintenance", start_date=a, end_date=d, reason="检修") for r, _t, a, d in locks
    ])
    nights, held, locked = [], Counter(), Counter()
    for order, (r, t, a, d) in zip(orders, stays, strict=True):
        for i in range((d - a).days):
            n = a + timedelta(days=i)
            nights.append(RoomNight(store=store, room_id=r, night=n, kind="stay", order_id=order.pk))
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
    with connection.cursor() as cursor:  # as autovacuum would have done after a bulk load
        for table in ("rooms_room", "rooms_roomnight", "rooms_roomtypenight", "rooms_roomlock", "orders_order"):
            cursor.execute(f"ANALYZE {table}")
    window = sum(1 for x in nights if today <= x.night < today + timedelta(days=DAYS))
    return {"stays": len(stays), "locks": len(locks), "occupancy": round(window / (ROOMS * DAYS), 3)}


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from apps.tenancy.business_day import store_local_date
    from apps.tenancy.models import StaffProfile
    from apps.tenancy.services import staff_create

    tenant, store, _admin = fresh_tenant(prefix="rackp")
    try:
        with tenant_context(tenant):
            today = store_local_date(store=store)
            info = build(store, today)
            staff_create(username="clerk", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[store])
        connection.set_schema_to_public()

        client = Client(HTTP_HOST="127.0.0.1")
        response = client.post(f"/t/{tenant.slug}/login/", {"username": "clerk", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        url = f"/t/{tenant.slug}/s/{store.pk}/grid/?days={DAYS}"
        for _ in range(WARMUP):
            assert client.get(url).status_code == 200
        # counted at once: every request resets the connection's query log
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url)
        queries = len(captured)
        html = page.content.decode()
        assert html.count('class="rk-row" data-room=') == ROOMS, "every room on the page"
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/t/{tenant.slug}/s/{store.pk}/grid/?days=7")
        queries_7 = len(captured)
        samples, cpu = [], []
        for _ in range(RUNS):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url)
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            assert response.status_code == 200
    finally:
        connection.set_schema_to_public()
        drop_tenant(tenant)
    p = percentiles(samples)
    emit({
        "bench": "rack_page", "rooms": ROOMS, "days": DAYS, "p50_ms": p["p50_ms"], "p95_ms": p["p95_ms"], "p99_ms": p["p99_ms"],
        "queries": queries, "queries_7_days": queries_7, "runs": RUNS, "bytes": len(page.content),
        "cpu_p95_ms": percentiles(cpu)["p95_ms"],
        "blocks": html.count('class="blk '), **info,
    })


if __name__ == "__main__":
    main()
