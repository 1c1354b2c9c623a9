"""16 clients book random stays over 300 rooms for 60 s through the HTTP API, then SQL
checks that no room night is held twice and no room type is oversold.

Each request is ``POST /stores/{id}/orders/`` with ``confirm: true``: a random room, a
random arrival in the next 120 days, 1-4 nights, a guest with a phone (a contact found
or created). A 409 (``room_unavailable`` / ``room_type_sold_out``) is a normal refusal.

The checks read the orders only (not the inventory tables that enforced the rules):
- overlapping_nights: room nights covered by two holding orders of the same room;
- oversold_type_nights: (type, night)s where holding orders outnumber the type's active
  rooms minus its locked ones.

Usage: python bench/booking_soak.py   (env BENCH_SECONDS=60, BENCH_CLIENTS=16, BENCH_WORKERS, BENCH_THREADS: default gunicorn.conf.py)
Last line: {"bench": "booking_soak", "bookings_per_s": ..., "p95_ms": ..., "overlapping_nights": 0, "oversold_type_nights": 0}
"""
from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, percentiles, serve, server_config, setup_django  # noqa: E402
from booking_race import CpuMeter, Http, quiet_server_log, run_clients  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", 60))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 16))
# the web server as production runs it (gunicorn.conf.py) unless BENCH_WORKERS / BENCH_THREADS say otherwise
WORKERS, THREADS = server_config()
ROOMS, TYPES, HORIZON_DAYS = 300, 10, 120

OVERLAPPING_SQL = """
SELECT coalesce(sum(LEAST(a.departure, b.departure) - GREATEST(a.arrival, b.arrival)), 0)
FROM orders_order a
JOIN orders_order b ON b.room_id = a.room_id AND b.id > a.id
     AND b.arrival < a.departure AND a.arrival < b.departure
WHERE a.status = ANY(%(holding)s) AND b.status = ANY(%(holding)s)
"""

OVERSOLD_SQL = """
WITH held AS (
    SELECT o.room_type_id, n::date AS night, count(*) AS stays
    FROM orders_order o, generate_series(o.arrival, o.departure - 1, interval '1 day') AS n
    WHERE o.status = ANY(%(holding)s)
    GROUP BY 1, 2
), capacity AS (
    SELECT room_type_id, count(*) AS rooms FROM rooms_room WHERE is_active GROUP BY 1
), locked AS (
    SELECT r.room_type_id, n::date AS night, count(*) AS rooms
    FROM rooms_roomlock l JOIN rooms_room r ON r.id = l.room_id,
         generate_series(l.start_date, l.end_date - 1, interval '1 day') AS n
    WHERE l.released_at IS NULL
    GROUP BY 1, 2
)
SELECT count(*)
FROM held h
LEFT JOIN capacity c ON c.room_type_id = h.room_type_id
LEFT JOIN locked l ON l.room_type_id = h.room_type_id AND l.night = h.night
WHERE h.stays > coalesce(c.rooms, 0) - coalesce(l.rooms, 0)
"""


def build(store):
    from apps.orders.services import channel_defaults_ensure
    from apps.rooms.models import Room, RoomType
    from apps.tenancy.auth_services import integration_token_create
    from apps.tenancy.models import StaffProfile
    from apps.tenancy.services import staff_create

    clerk = staff_create(username="clerk", password="bench-pass-1", role=StaffProfile.Role.FRONT_DESK, stores=[store])
    channel_defaults_ensure(store=store)
    types = [
        RoomType.objects.create(store=store, name=f"房型{i + 1}", default_price=Decimal(200 + 40 * i), capacity=2 + i % 3, sort_order=i)
        for i in range(TYPES)
    ]
    rooms = Room.objects.bulk_create(
        [Room(store=store, room_type=types[i % TYPES], number=f"{1 + i // 30}{i % 30:02d}", floor=str(1 + i // 30)) for i in range(ROOMS)]
    )
    return integration_token_create(user=clerk)[1], [r.pk for r in rooms]


def main() -> None:
    # The server keeps its database connections for the whole run: with the default 60 s
    # they are replaced during a 60 s run, and the CPU meter (which reads the backends
    # alive at the end) lost most of the database's CPU (it printed ~0.6 ms per booking).
    os.environ.setdefault("DB_CONN_MAX_AGE", str(int(SECONDS) + 600))
    setup_django()
    from django.db import connection
    from django_tenants.utils import tenant_context

    from apps.orders.models import Order
    from apps.tenancy.business_day import business_date

    tenant, store, _admin = fresh_tenant(prefix="soak")
    try:
        with tenant_context(tenant):
            token, room_ids = build(store)
            today = business_date(store=store)
        outcomes: Counter = Counter()
        latencies: list[float] = []
        lock = threading.Lock()
        with quiet_server_log() as server_log, serve(workers=WORKERS, threads=THREADS) as base:
            url = f"{base}/t/{tenant.slug}/api/v1/stores/{store.pk}/orders/"
            headers = {"Authorization": f"Token {token}", "Accept-Language": "en"}
            warm = Http(base, headers)
            for _ in range(4 * WORKERS * THREADS):  # every worker thread imports and connects first
                warm.request("GET", f"/t/{tenant.slug}/api/v1/stores/{store.pk}/channels/")
            warm.close()
            barrier = threading.Barrier(CLIENTS + 1)
            deadline = [0.0]

            path = url.split(base, 1)[1]

            def client(seed: int):
                rnd = random.Random(seed)
                seen, mine = Counter(), []
                http = Http(base, headers)
                try:
                    barrier.wait()
                    while time.perf_counter() < deadline[0]:
                        arrival = today + timedelta(days=rnd.randrange(1, HORIZON_DAYS))
                        body = {
                            "room": rnd.choice(room_ids), "arrival": arrival.isoformat(),
                            "departure": (arrival + timedelta(days=rnd.randint(1, 4))).isoformat(), "confirm": True,
                            "adults": 1, "guests": [{"full_name": f"客人{rnd.randrange(5000)}", "phone": f"139{rnd.randrange(10**8):08d}"}],
                        }
                        started = time.perf_counter()
                        try:
                            status, _data = http.request("POST", path, body)
                        except Exception:  # noqa: BLE001 - counted, the bench goes on
                            seen["transport_errors"] += 1
                            continue
                        mine.append(time.perf_counter() - started)
                        if status == 201:
                            seen["booked"] += 1
                        elif status == 409:
                            seen["refused"] += 1
                        elif status >= 500:
                            seen["server_errors"] += 1
                        else:
                            seen[f"http_{status}"] += 1
                finally:
                    http.close()
                with lock:
                    outcomes.update(seen)
                    latencies.extend(mine)

            meter = CpuMeter(base)
            meter.start()
            elapsed = run_clients(client, CLIENTS, seconds=SECONDS, deadline=deadline, barrier=barrier)
            meter.stop(sum(outcomes.values()))
        holding = list(Order.HOLDING)
        with tenant_context(tenant), connection.cursor() as cursor:
            cursor.execute(OVERLAPPING_SQL, {"holding": holding})
            overlapping = cursor.fetchone()[0]
            cursor.execute(OVERSOLD_SQL, {"holding": holding})
            oversold = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM orders_order WHERE status = 'confirmed'")
            confirmed = cursor.fetchone()[0]
    finally:
        drop_tenant(tenant)
    p = percentiles(latencies)
    print(
        f"{SECONDS:.0f} s, {CLIENTS} clients, gunicorn {WORKERS}x{THREADS}: {sum(outcomes.values())} requests "
        f"({sum(outcomes.values()) / elapsed:.1f}/s), outcomes {dict(outcomes)}, confirmed orders in the database "
        f"{confirmed}, latency p50 {p['p50_ms']} ms p95 {p['p95_ms']} ms p99 {p['p99_ms']} ms; server log: {server_log.summary()}; "
        f"load average {os.getloadavg()[0]:.1f}; {meter.summary()}"
    )
    emit({
        "bench": "booking_soak",
        "bookings_per_s": round(outcomes["booked"] / elapsed, 1),
        "p95_ms": p["p95_ms"],
        "overlapping_nights": int(overlapping),
        "oversold_type_nights": int(oversold),
    })


if __name__ == "__main__":
    main()
