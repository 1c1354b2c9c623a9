"""Availability search through the HTTP API over a store with 300 rooms and two years
of orders (a year back, a year ahead).

The data is written straight into the tables (COPY and INSERT ... SELECT), exactly as
the services would leave it: orders, one room-night line per night, and the inventory
rows (room nights and per-type counters) of every holding order. Then ``SEARCHES``
requests ``GET /stores/{id}/availability/?arrival=&departure=&adults=`` for 1-14
nights starting in the next 300 days, one after another, and times them.

Usage: python bench/availability.py   (env BENCH_SEARCHES=400)
Last line: {"bench": "availability", "p50_ms": ..., "p95_ms": ...}
"""
from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, percentiles, serve, setup_django  # noqa: E402
from booking_race import CpuMeter, Http, quiet_server_log  # noqa: E402

SEARCHES = int(os.environ.get("BENCH_SEARCHES", 400))
ROOMS, TYPES = 300, 10

ORDER_COLUMNS = (
    "id", "store_id", "code", "status", "source", "channel_id", "primary_contact_name", "primary_contact_phone_masked",
    "room_type_id", "room_id", "arrival", "departure", "adults", "children", "currency", "total_amount",
    "paid_amount", "due_amount", "notes", "is_conflict", "conflict_reason", "cancellation_reason", "moved_in_house",
    "confirmed_at", "checked_in_at", "checked_out_at", "created_at", "updated_at", "version",
)


def build(store, today):
    """Rooms, prices, orders over two years and their inventory. Returns (token, stats)."""
    from django.db import connection
    from django.utils import timezone

    from apps.orders.models import Order
    from apps.orders.services import channel_defaults_ensure
    from apps.rooms.models import Room, RoomType
    from apps.tenancy.auth_services import integration_token_create
    from apps.tenancy.models import StaffProfile
    from apps.tenancy.services import staff_create

    clerk = staff_create(username="clerk", password="bench-pass-1", role=StaffProfile.Role.FRONT_DESK, stores=[store])
    channels = channel_defaults_ensure(store=store)
    types = [
        RoomType.objects.create(store=store, name=f"房型{i + 1}", default_price=Decimal(200 + 40 * i), capacity=2 + i % 3, sort_order=i)
        for i in range(TYPES)
    ]
    rooms = Room.objects.bulk_create(
        [Room(store=store, room_type=types[i % TYPES], number=f"{1 + i // 30}{i % 30:02d}") for i in range(ROOMS)]
    )
    prices = {t.pk: t.default_price for t in types}
    rnd = random.Random(5)
    now = timezone.now()
    start, end = today - timedelta(days=365), today + timedelta(days=365)
    rows = []
    for room in rooms:
        day = start + timedelta(days=rnd.randrange(3))
        while day < end:
            nights = rnd.choice([1, 1, 2, 2, 2, 3, 3, 4, 5, 7])
            arrival, departure = day, day + timedelta(days=nights)
            if departure <= today:
                status, checked_in, checked_out = Order.Status.CHECKED_OUT, now, now
            elif arrival <= today:
                status, checked_in, checked_out = Order.Status.CHECKED_IN, now, None
            else:
                status, checked_in, checked_out = Order.Status.CONFIRMED, None, None
            total = prices[room.room_type_id] * nights
            oid = len(rows) + 1
            rows.append((
                oid, store.pk, f"B{oid:06d}", status, "manual", rnd.choice(channels).pk, f"客人{oid}", "", room.room_type_id,
                room.pk, arrival, departure, 2, 0, "CNY", total, Decimal("0.00"), total, "", False, "", "", False,
                now, checked_in, checked_out, now, now, 1,
            ))
            day = departure + timedelta(days=rnd.choice([0, 0, 1, 1, 2, 3, 5]))
    schema = connection.schema_name
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        with raw.copy(f'COPY "{schema}".orders_order ({", ".join(ORDER_COLUMNS)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("SELECT setval(pg_get_serial_sequence('orders_order', 'id'), %s)", [len(rows)])
        cursor.execute(
            """
            INSERT INTO orders_orderitem (order_id, store_id, kind, service_date, description, quantity, unit_price,
                                          total_price, room_type_id, room_id, created_at)
            SELECT o.id, o.store_id, 'room_night', n::date, t.name || ' ' || n::date, 1, t.default_price, t.default_price,
                   o.room_type_id, o.room_id, now()
            FROM orders_order o JOIN rooms_roomtype t ON t.id = o.room_type_id,
                 generate_series(o.arrival, o.departure - 1, interval '1 day') AS n
            """
        )
        cursor.execute(
            """
            INSERT INTO rooms_roomnight (store_id, room_id, night, kind, order_id)
            SELECT o.store_id, o.room_id, n::date, 'stay', o.id
            FROM orders_order o, generate_series(o.arrival, o.departure - 1, interval '1 day') AS n
            """
        )
        cursor.execute(
            """
            INSERT INTO rooms_roomtypenight (store_id, room_type_id, night, capacity, locked, held)
            SELECT o.store_id, o.room_type_id, n::date,
                   (SELECT count(*) FROM rooms_room r WHERE r.room_type_id = o.room_type_id AND r.is_active), 0, count(*)
            FROM orders_order o, generate_series(o.arrival, o.departure - 1, interval '1 day') AS n
            GROUP BY o.store_id, o.room_type_id, n::date
            """
        )
        cursor.execute("ANALYZE orders_order; ANALYZE orders_orderitem; ANALYZE rooms_roomnight; ANALYZE rooms_roomtypenight")
        cursor.execute("SELECT count(*) FROM rooms_roomnight")
        room_nights = cursor.fetchone()[0]
    return integration_token_create(user=clerk)[1], {"orders": len(rows), "room_nights": room_nights}


def main() -> None:
    setup_django()
    from django_tenants.utils import tenant_context

    from apps.tenancy.business_day import business_date

    tenant, store, _admin = fresh_tenant(prefix="avail")
    try:
        with tenant_context(tenant):
            today = business_date(store=store)
            built = time.perf_counter()
            token, stats = build(store, today)
            built = time.perf_counter() - built
        rnd = random.Random(7)
        samples, statuses, free_seen = [], {}, 0
        with quiet_server_log() as server_log, serve(workers=2, threads=1) as base:
            path = f"/t/{tenant.slug}/api/v1/stores/{store.pk}/availability/"
            meter = CpuMeter(base)
            http = Http(base, {"Authorization": f"Token {token}", "Accept-Language": "en"})
            for i in range(SEARCHES + 20):
                if i == 20:
                    meter.start()
                arrival = today + timedelta(days=rnd.randrange(0, 300))
                departure = arrival + timedelta(days=rnd.randint(1, 14))
                query = f"?arrival={arrival.isoformat()}&departure={departure.isoformat()}&adults={rnd.randint(1, 2)}"
                started = time.perf_counter()
                status, data = http.request("GET", path + query)
                elapsed = time.perf_counter() - started
                statuses[status] = statuses.get(status, 0) + 1
                if i >= 20:  # the first requests warm both workers
                    samples.append(elapsed)
                    if status == 200:
                        free_seen += sum(r["free"] for r in data["room_types"])
            http.close()
            meter.stop(len(samples))
    finally:
        drop_tenant(tenant)
    p = percentiles(samples)
    print(
        f"data: {stats['orders']} orders, {stats['room_nights']} room nights over two years, built in {built:.1f} s; "
        f"{len(samples)} searches, statuses {statuses}, mean free rooms per search {free_seen / max(1, len(samples)):.1f}; "
        f"p99 {p['p99_ms']} ms; server log: {server_log.summary()}; load average {os.getloadavg()[0]:.1f}; {meter.summary()}"
    )
    emit({"bench": "availability", "p50_ms": p["p50_ms"], "p95_ms": p["p95_ms"]})


if __name__ == "__main__":
    main()
