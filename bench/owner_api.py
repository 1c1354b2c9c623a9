"""16 owner-app clients replay an owner's day against the HTTP API (bearer tokens).

The tenant: ``BENCH_STORES`` stores (default 16, one per client) of 30 rooms each
(3 room types), each room with a guest due out today (checked in yesterday, the night
charged and paid) and the next guest arriving today in the same room, some stays booked
for the coming days and a maintenance lock; staff: the owner (tenant admin).

Each client logs in as the owner (``POST auth/login/``, PBKDF2: the logins run first,
all at once, and are reported apart as well), then repeats a round until it has done
``BENCH_ROUNDS`` rounds (default 30: one per room of its store) or ``BENCH_SECONDS``
(default 60) have passed:

    GET  m/overview/                          every store, today and the month
    GET  stores/{s}/m/room-status/?days=7     its store
    GET  m/reminders/?cursor=…                polling with the cursor of the last answer
    POST stores/{s}/m/orders/{a}/check-in/    the next arrival (its own: every action succeeds)
    POST stores/{s}/m/orders/{d}/check-out/   the next departure

Any answer other than 2xx is an error. Latency percentiles are over every request,
log-ins included.

Usage: python bench/owner_api.py   (env BENCH_CLIENTS=16, BENCH_STORES, BENCH_ROUNDS=30, BENCH_SECONDS=60,
                                     BENCH_WORKERS=4, BENCH_THREADS=4)
Last line: {"bench": "owner_api", "rps": ..., "p50_ms": ..., "p95_ms": ..., "errors": 0, ...}
"""
from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, percentiles, serve, setup_django  # noqa: E402
from booking_race import CpuMeter, Http, quiet_server_log  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 16))
STORES = int(os.environ.get("BENCH_STORES", CLIENTS))
ROOMS = 30
ROUNDS = min(int(os.environ.get("BENCH_ROUNDS", ROOMS)), ROOMS)
SECONDS = float(os.environ.get("BENCH_SECONDS", 60))
WORKERS = int(os.environ.get("BENCH_WORKERS", 4))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
PASSWORD = "bench-pass-1"
TYPES = (("大床房", "388.00", 12), ("双床房", "428.00", 12), ("家庭房", "688.00", 6))
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗"


def _guest(rnd: random.Random):
    from apps.orders.services import PersonIn

    return [PersonIn(full_name=rnd.choice(SURNAMES) + rnd.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"))]


@contextmanager
def yesterday_at(store, today):
    """Work as on the day before ``today``: the store's business date moved back a day
    (as before last night's audit) or, without a business-day row in this version of
    the code, the clock."""
    try:
        from apps.reports.models import StoreBusinessDay
        from apps.reports.selectors import business_day_get
    except ImportError:
        noon = datetime.combine(today - timedelta(days=1), dtime(12, 0), tzinfo=ZoneInfo(store.time_zone))
        with mock.patch("django.utils.timezone.now", return_value=noon):
            yield
        return
    business_day_get(store=store)
    StoreBusinessDay.objects.filter(store_id=store.pk).update(business_date=today - timedelta(days=1))
    try:
        yield
    finally:
        StoreBusinessDay.objects.filter(store_id=store.pk).update(business_date=today)


def build_store(store, rnd: random.Random) -> dict:
    """Rooms, channels and today's departures and arrivals of one store (its actions)."""
    from django.db import transaction

    from apps.folios.services import folio_post_payment, folio_post_room_night, folio_primary_for_order, payment_methods_ensure
    from apps.orders.models import Channel
    from apps.orders.selectors import business_date
    from apps.orders.services import channel_defaults_ensure, order_check_in, order_create
    from apps.rooms.models import Room, RoomType
    from apps.rooms.services import room_lock_create

    with transaction.atomic():
        channel_defaults_ensure(store=store)
        channels = list(Channel.objects.filter(store=store))
        methods = [m for m in payment_methods_ensure(store=store) if m.method_type in ("cash", "wechat", "alipay")]
        rooms = []
        for sort, (name, price, count) in enumerate(TYPES):
            room_type = RoomType.objects.create(store=store, name=name, default_price=Decimal(price), capacity=2 + sort, sort_order=sort)
            for _ in range(count):
                n = len(rooms)
                rooms.append(Room.objects.create(store=store, room_type=room_type, number=f"{1 + n // 10}{n % 10 + 1:02d}",
                                                 floor=str(1 + n // 10)))
    today = business_date(store=store)
    # Yesterday: every room's guest checked in for one night (due out today), through the
    # real services; the night's room charge posted (as the night audit does) and paid.
    departures = []
    with yesterday_at(store, today), transaction.atomic():
        for room in rooms:
            order = order_create(store=store, actor=None, room_type=room.room_type, room=room, arrival=today - timedelta(days=1),
                                 departure=today, channel=rnd.choice(channels), guests=_guest(rnd), confirm=True)
            departures.append(order_check_in(order=order, actor=None))
    with transaction.atomic():
        for order in departures:
            charge = folio_post_room_night(order=order, night=today - timedelta(days=1))
            folio_post_payment(folio=folio_primary_for_order(order=order), actor=None, amount=charge.amount,
                               payment_method=rnd.choice(methods))
    arrivals = []
    with transaction.atomic():
        for i, room in enumerate(rooms):
            nights = 1 + i % 3
            arrivals.append(order_create(
                store=store, actor=None, room_type=room.room_type, room=room, arrival=today, departure=today + timedelta(days=nights),
                channel=rnd.choice(channels), guests=_guest(rnd), confirm=True,
            ).pk)
            if i % 3 == 0:  # and booked again after that stay
                order_create(store=store, actor=None, room_type=room.room_type, room=room, arrival=today + timedelta(days=4),
                             departure=today + timedelta(days=6), channel=rnd.choice(channels), guests=_guest(rnd), confirm=i % 2 == 0)
        room_lock_create(store=store, room=rooms[-1], lock_type="maintenance", start_date=today + timedelta(days=5),
                         end_date=today + timedelta(days=7), reason="更换空调")
    order = list(range(ROOMS))
    rnd.shuffle(order)
    return {"store_id": store.pk, "actions": [(arrivals[i], departures[i].pk) for i in order]}


def build(tenant, first_store) -> list[dict]:
    from django_tenants.utils import tenant_context

    from apps.tenancy.services import store_create

    rnd = random.Random(20260501)
    plans = []
    with tenant_context(tenant):
        stores = [first_store] + [store_create(name=f"分店{i + 1}", code=f"s{i + 1}") for i in range(STORES - 1)]
        for store in stores:
            plans.append(build_store(store, rnd))
    return plans


def main() -> None:
    setup_django()
    tenant, store, _admin = fresh_tenant(prefix="own", store_name="总店")
    started_build = time.perf_counter()
    try:
        plans = build(tenant, store)
        build_s = time.perf_counter() - started_build
        latencies: dict[str, list[float]] = defaultdict(list)
        outcomes: Counter = Counter()
        error_samples: list[str] = []
        lock = threading.Lock()
        prefix = f"/t/{tenant.slug}/api/v1"
        with quiet_server_log() as server_log, serve(workers=WORKERS, threads=THREADS) as base:
            warm = Http(base, {"Accept-Language": "zh-Hans"})
            for _ in range(4 * WORKERS * THREADS):  # every worker thread imports and connects first
                warm.request("GET", "/healthz")
            warm.close()
            barrier = threading.Barrier(CLIENTS + 1)
            logged_in = threading.Barrier(CLIENTS)
            deadline = [0.0]

            def client(i: int):
                plan = plans[i % len(plans)]
                s = plan["store_id"]
                http = Http(base, {"Accept-Language": "zh-Hans"})
                mine: dict[str, list[float]] = defaultdict(list)
                seen: Counter = Counter()

                def call(name: str, method: str, path: str, body: dict | None = None) -> dict:
                    t0 = time.perf_counter()
                    try:
                        status, data = http.request(method, prefix + path, body)
                    except Exception as exc:  # noqa: BLE001 - counted, the bench goes on
                        seen["transport_errors"] += 1
                        with lock:
                            error_samples.append(f"{name}: {exc!r}")
                        return {}
                    mine[name].append(time.perf_counter() - t0)
                    if 200 <= status < 300:
                        seen["ok"] += 1
                    else:
                        seen[f"{name}_{status}"] += 1
                        with lock:
                            if len(error_samples) < 10:
                                error_samples.append(f"{name} {status}: {str(data)[:200]}")
                    return data

                try:
                    barrier.wait()
                    tokens = call("login", "POST", "/auth/login/", {
                        "username": "admin", "password": PASSWORD, "device": {"device_type": "wechat_mp", "app_version": "1.0.0"}})
                    http.headers["Authorization"] = f"Bearer {tokens.get('access', '')}"
                    logged_in.wait()
                    cursor = None
                    for arrival, departure in plan["actions"][:ROUNDS]:
                        if time.perf_counter() > deadline[0]:
                            break
                        call("overview", "GET", "/m/overview/")
                        call("room_status", "GET", f"/stores/{s}/m/room-status/?days=7")
                        polled = call("reminders", "GET", "/m/reminders/" + (f"?cursor={cursor}" if cursor else ""))
                        cursor = polled.get("next_cursor", cursor)
                        call("check_in", "POST", f"/stores/{s}/m/orders/{arrival}/check-in/", {})
                        call("check_out", "POST", f"/stores/{s}/m/orders/{departure}/check-out/")
                finally:
                    http.close()
                with lock:
                    outcomes.update(seen)
                    for name, values in mine.items():
                        latencies[name].extend(values)

            meter = CpuMeter(base)
            meter.start()
            threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
            for t in threads:
                t.start()
            deadline[0] = time.perf_counter() + SECONDS
            started = time.perf_counter()
            barrier.wait()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
            requests = sum(len(v) for v in latencies.values())
            meter.stop(requests)
    finally:
        drop_tenant(tenant)
    every = [x for values in latencies.values() for x in values]
    p = percentiles(every)
    per_endpoint = {name: percentiles(values)["p95_ms"] for name, values in sorted(latencies.items())}
    errors = sum(v for k, v in outcomes.items() if k != "ok")
    print(
        f"{CLIENTS} clients, {STORES} stores x {ROOMS} rooms, {ROUNDS} rounds, gunicorn {WORKERS}x{THREADS}: "
        f"{requests} requests in {elapsed:.1f} s ({requests / elapsed:.1f}/s), setup {build_s:.1f} s; outcomes {dict(outcomes)}; "
        f"p50 {p['p50_ms']} ms p95 {p['p95_ms']} ms p99 {p['p99_ms']} ms; p95 per endpoint {per_endpoint}; "
        f"log-in p50 {percentiles(latencies['login'])['p50_ms']} ms; server log: {server_log.summary()}; "
        f"load average {os.getloadavg()[0]:.1f}; {meter.summary()}"
    )
    for line in error_samples[:10]:
        print(f"error: {line}")
    rounds_p = percentiles([x for k, values in latencies.items() if k != "login" for x in values])
    emit({
        "bench": "owner_api",
        "rps": round(requests / elapsed, 1),
        "p50_ms": p["p50_ms"],
        "p95_ms": p["p95_ms"],
        "errors": errors,
        "requests": requests,
        "clients": CLIENTS,
        "p95_ms_without_login": rounds_p["p95_ms"],
        "login_p50_ms": percentiles(latencies["login"])["p50_ms"],
        "p95_ms_by_endpoint": per_endpoint,
    })


if __name__ == "__main__":
    main()
