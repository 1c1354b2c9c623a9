"""16 owner-app clients replay an owner's day against the HTTP API (bearer tokens).

The tenant: ``BENCH_STORES`` stores (default 16, one per client) of 30 rooms each
(3 room types), each room with a guest due out today (checked in yesterday, the night
charged and paid) and the next guest arriving today in the same room, some stays booked
for the coming days and a maintenance lock; staff: the owner (tenant admin).

Each client logs in as the owner (``POST auth/login/``: the logins run first, all at
once, and are reported apart as well), then repeats a round until it has done
``BENCH_ROUNDS`` rounds (default 30: one per room of its store) or ``BENCH_SECONDS``
(default 60) have passed:

    GET  m/overview/                          every store, today and the month
    GET  stores/{s}/m/room-status/?days=7     its store
    GET  m/reminders/?cursor=…                polling with the cursor of the last answer
    POST stores/{s}/m/orders/{a}/check-in/    the next arrival (its own: every action succeeds)
    POST stores/{s}/m/orders/{d}/check-out/   the next departure

Any answer other than 2xx is an error. Latency percentiles are over every request,
log-ins included.

Two replays, reported apart:

- **saturated** (the figures at the top of the JSON line): the clients fire their
  requests back to back, no pause. A load test: with 16 requests always in flight on two
  cores, Little's law makes each wait for the others (latency ~ 16 x CPU per request / 2).
- **paced** (``"paced"`` in the JSON line; ``BENCH_THINK_S=0`` skips it): the same day on
  a second tenant built the same way, ``BENCH_PACED_ROUNDS`` rounds (default 10), each
  client pausing before every request for an exponential random time of mean
  ``BENCH_THINK_S`` seconds (default 1: an owner reading a screen before the next tap).
  What an owner waits for when 16 owners use the app at the same time.

**Open loop** (``BENCH_MODE=open``): requests are sent on a fixed schedule whatever
the latency, ``BENCH_RPS`` per second (default 100) for ``BENCH_SECONDS``: a Poisson
process (the arrival times of ``rps x seconds`` requests drawn uniformly over the
window, sorted), each request the next step of the day of owner ``i % clients`` (each
owner's store gets enough rooms for every round). A pool of sender threads sends each
request at its time; its latency is measured from that *intended* time, so a slow
answer delays and counts against the requests queued behind it (no coordinated
omission). The run is rejected (``"rejected": true``, exit status 1) if fewer than 99 %
of the scheduled requests were sent within the window (``achieved_rps``). Then the same
schedule of ``GET healthz`` for ``BENCH_HEALTHZ_SECONDS`` (default 15): the CPU per
request of both, from the same server, and their ratio (``cpu_ratio_to_healthz``).
Target: p95 < 50 ms at 100 requests/s offered, 0 errors.

Usage: python bench/owner_api.py   (env BENCH_CLIENTS=16, BENCH_STORES, BENCH_ROUNDS=30, BENCH_SECONDS=60,
                                     BENCH_WORKERS, BENCH_THREADS (default gunicorn.conf.py), BENCH_THINK_S=1, BENCH_PACED_ROUNDS=10;
                                     BENCH_MODE=open, BENCH_RPS=100, BENCH_SENDERS=48, BENCH_HEALTHZ_SECONDS=15)
Last line: {"bench": "owner_api", "rps": ..., "p50_ms": ..., "p95_ms": ..., "errors": 0, ..., "paced": {...}}
       or, open: {"bench": "owner_api", "mode": "open", "offered_rps": 100, "achieved_rps": ..., "p95_ms": ...,
                  "errors": 0, "cpu_ratio_to_healthz": ..., ...}
"""
from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, percentiles, serve, server_config, setup_django  # noqa: E402
from booking_race import CpuMeter, Http, quiet_server_log, run_clients  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 16))
STORES = int(os.environ.get("BENCH_STORES", CLIENTS))
ROOMS = 30
ROUNDS = min(int(os.environ.get("BENCH_ROUNDS", ROOMS)), ROOMS)
SECONDS = float(os.environ.get("BENCH_SECONDS", 60))
# the web server as production runs it (gunicorn.conf.py) unless BENCH_WORKERS / BENCH_THREADS say otherwise
WORKERS, THREADS = server_config()
# The paced replay (reported apart, next to the saturated one): mean pause before each
# request in seconds (0: skip it) and its rounds.
THINK_S = float(os.environ.get("BENCH_THINK_S", 1.0))
PACED_ROUNDS = min(int(os.environ.get("BENCH_PACED_ROUNDS", 10)), ROOMS)
PASSWORD = "bench-pass-1"
# Room types: name, price, share of the store's rooms (30 rooms: 12, 12, 6).
TYPES = (("大床房", "388.00", 0.4), ("双床房", "428.00", 0.4), ("家庭房", "688.00", 0.2))
MODE = os.environ.get("BENCH_MODE", "closed")
OPEN_RPS = float(os.environ.get("BENCH_RPS", 100))
SENDERS = int(os.environ.get("BENCH_SENDERS", 48))
HEALTHZ_SECONDS = float(os.environ.get("BENCH_HEALTHZ_SECONDS", 15))
STEPS = ("overview", "room_status", "reminders", "check_in", "check_out")
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗"


def _guest(rnd: random.Random):
    from apps.orders.services import PersonIn

    return (PersonIn(full_name=rnd.choice(SURNAMES) + rnd.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚")),)


@contextmanager
def yesterday_at(store, today):
    """Work as on the day before ``today``: the store's business date moved back a day
    (as before last night's audit)."""
    from apps.tenancy.business_day import business_day_get
    from apps.tenancy.models import StoreBusinessDay

    business_day_get(store=store)
    StoreBusinessDay.objects.filter(store_id=store.pk).update(business_date=today - timedelta(days=1))
    try:
        yield
    finally:
        StoreBusinessDay.objects.filter(store_id=store.pk).update(business_date=today)


def build_store(store, rnd: random.Random, rooms_count: int = ROOMS) -> dict:
    """Rooms, channels and today's departures and arrivals of one store (its actions)."""
    from django.db import transaction

    from apps.folios.services import folio_post_payment, folio_post_room_night, folio_primary_for_order, payment_methods_ensure
    from apps.orders.models import Channel
    from apps.orders.services import PartyIn, StayIn, channel_defaults_ensure, order_check_in, order_create
    from apps.tenancy.business_day import business_date
    from apps.rooms.models import Room, RoomType
    from apps.rooms.services import room_lock_create

    with transaction.atomic():
        channel_defaults_ensure(store=store)
        channels = list(Channel.objects.filter(store=store))
        methods = [m for m in payment_methods_ensure(store=store) if m.method_type in ("cash", "wechat", "alipay")]
        rooms = []
        counts = [round(share * rooms_count) for _name, _price, share in TYPES]
        counts[-1] = rooms_count - sum(counts[:-1])
        for sort, ((name, price, _share), count) in enumerate(zip(TYPES, counts)):
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
            order = order_create(store=store, actor=None, channel=rnd.choice(channels), confirm=True,
                                 stay=StayIn(room_type=room.room_type, room=room, arrival=today - timedelta(days=1), departure=today),
                                 party=PartyIn(guests=_guest(rnd)))
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
                store=store, actor=None, channel=rnd.choice(channels), confirm=True, party=PartyIn(guests=_guest(rnd)),
                stay=StayIn(room_type=room.room_type, room=room, arrival=today, departure=today + timedelta(days=nights)),
            ).pk)
            if i % 3 == 0:  # and booked again after that stay
                order_create(store=store, actor=None, channel=rnd.choice(channels), confirm=i % 2 == 0,
                             party=PartyIn(guests=_guest(rnd)),
                             stay=StayIn(room_type=room.room_type, room=room, arrival=today + timedelta(days=4),
                                         departure=today + timedelta(days=6)))
        room_lock_create(store=store, room=rooms[-1], lock_type="maintenance", start_date=today + timedelta(days=5),
                         end_date=today + timedelta(days=7), reason="更换空调")
    order = list(range(rooms_count))
    rnd.shuffle(order)
    return {"store_id": store.pk, "actions": [(arrivals[i], departures[i].pk) for i in order]}


def build(tenant, first_store, rooms_count: int = ROOMS) -> list[dict]:
    from django_tenants.utils import tenant_context

    from apps.tenancy.services import store_create

    rnd = random.Random(20260501)
    plans = []
    with tenant_context(tenant):
        stores = [first_store] + [store_create(name=f"分店{i + 1}", code=f"s{i + 1}") for i in range(STORES - 1)]
        for store in stores:
            plans.append(build_store(store, rnd, rooms_count))
    return plans


def warm_day(base: str, tenant, plans: list[dict]) -> None:
    """Every worker has served the owner's reads of every store once before the clock
    starts (not counted), as in a server that has been running: what a process keeps
    (its database connection, its caches) is made before, not during, the measured run."""
    prefix = f"/t/{tenant.slug}/api/v1"
    http = Http(base, {"Accept-Language": "zh-Hans"})
    status, body = http.request("POST", prefix + "/auth/login/", {
        "username": "admin", "password": PASSWORD, "device": {"device_type": "wechat_mp", "app_version": "1.0.0"}})
    if status != 200:
        raise SystemExit(f"log-in failed: {status} {body}")
    http.headers["Authorization"] = f"Bearer {body['access']}"
    for _ in range(2 * WORKERS * THREADS):
        for path in ["/m/overview/", "/m/reminders/"] + [f"/stores/{p['store_id']}/m/room-status/?days=7" for p in plans]:
            http.request("GET", prefix + path, parse=False)
            http.close()  # the sync workers close each connection: the next one may go to another worker
    http.close()


def replay(base: str, tenant, plans: list[dict], *, rounds: int, seconds: float, think_s: float = 0.0, seed: int = 0) -> dict:
    """Every client logs in, then replays ``rounds`` rounds of its owner's day. With
    ``think_s`` each client pauses before every request (its log-in included) for a
    random time, exponential with that mean: an owner reading the screen before the next
    tap. Without it they fire back to back (saturation). Returns the figures."""
    latencies: dict[str, list[float]] = defaultdict(list)
    outcomes: Counter = Counter()
    error_samples: list[str] = []
    lock = threading.Lock()
    prefix = f"/t/{tenant.slug}/api/v1"
    barrier = threading.Barrier(CLIENTS + 1)
    logged_in = threading.Barrier(CLIENTS)
    deadline = [0.0]
    thought = [0.0]

    def client(i: int):
        plan = plans[i % len(plans)]
        s = plan["store_id"]
        http = Http(base, {"Accept-Language": "zh-Hans"})
        mine: dict[str, list[float]] = defaultdict(list)
        seen: Counter = Counter()
        rnd = random.Random(seed * 1000 + i)
        paused = 0.0

        def call(name: str, method: str, path: str, body: dict | None = None, parse: bool = False) -> dict:
            nonlocal paused
            if think_s:
                pause = rnd.expovariate(1 / think_s)
                paused += pause
                time.sleep(pause)
            t0 = time.perf_counter()
            try:
                status, data = http.request(method, prefix + path, body, parse=parse)
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
                "username": "admin", "password": PASSWORD, "device": {"device_type": "wechat_mp", "app_version": "1.0.0"}}, parse=True)
            http.headers["Authorization"] = f"Bearer {tokens.get('access', '')}"
            logged_in.wait()
            cursor = None
            for arrival, departure in plan["actions"][:rounds]:
                if time.perf_counter() > deadline[0]:
                    break
                call("overview", "GET", "/m/overview/")
                call("room_status", "GET", f"/stores/{s}/m/room-status/?days=7")
                polled = call("reminders", "GET", "/m/reminders/" + (f"?cursor={cursor}" if cursor else ""), parse=True)
                cursor = polled.get("next_cursor", cursor)
                call("check_in", "POST", f"/stores/{s}/m/orders/{arrival}/check-in/", {})
                call("check_out", "POST", f"/stores/{s}/m/orders/{departure}/check-out/")
        finally:
            http.close()
        with lock:
            outcomes.update(seen)
            thought[0] += paused
            for name, values in mine.items():
                latencies[name].extend(values)

    meter = CpuMeter(base)
    meter.start()
    elapsed = run_clients(client, CLIENTS, seconds=seconds, deadline=deadline, barrier=barrier)
    requests = sum(len(v) for v in latencies.values())
    meter.stop(requests)
    every = [x for values in latencies.values() for x in values]
    return {
        "latencies": latencies, "outcomes": outcomes, "error_samples": error_samples, "elapsed": elapsed,
        "requests": requests, "every": percentiles(every), "meter": meter, "load": os.getloadavg()[0],
        "think_per_request_s": thought[0] / requests if requests else 0.0,
        "errors": sum(v for k, v in outcomes.items() if k != "ok"),
    }


def warm_up(base: str, tenants: list) -> None:
    """Every worker thread imports the tenant URLconf (the API's views), looks the tenants
    up and connects before the clock starts, as in a server that has been running: as many
    concurrent keep-alive connections as worker threads (one connection stays with one
    worker), each through the tenants' own paths."""

    def one():
        http = Http(base, {"Accept-Language": "zh-Hans"})
        for _ in range(4):
            for t in tenants:
                http.request("GET", f"/t/{t.slug}/healthz")
        http.close()

    threads = [threading.Thread(target=one) for _ in range(WORKERS * THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def describe(label: str, run: dict) -> str:
    p, latencies = run["every"], run["latencies"]
    per_endpoint = {name: percentiles(values)["p95_ms"] for name, values in sorted(latencies.items())}
    return (
        f"{label}: {run['requests']} requests in {run['elapsed']:.1f} s ({run['requests'] / run['elapsed']:.1f}/s); "
        f"outcomes {dict(run['outcomes'])}; p50 {p['p50_ms']} ms p95 {p['p95_ms']} ms p99 {p['p99_ms']} ms; "
        f"p95 per endpoint {per_endpoint}; log-in p50 {percentiles(latencies['login'])['p50_ms']} ms; "
        f"load average {run['load']:.1f}; {run['meter'].summary()}"
    )


def _schedule(rate: float, seconds: float, seed: int) -> list[float]:
    """Send times (seconds from the start) of ``rate x seconds`` requests: a Poisson
    process over the window, conditioned on its count (uniform times, sorted)."""
    rnd = random.Random(seed)
    return sorted(rnd.uniform(0, seconds) for _ in range(round(rate * seconds)))


def open_loop(base: str, times: list[float], request, *, window: float, senders: int = SENDERS) -> dict:
    """Send ``request(i, http)`` at ``times[i]`` (seconds from now) whatever the latency:
    a dispatcher puts each request on a queue at its time, ``senders`` threads (each its
    own connection) send them. Latency is from the intended time. Returns the figures:
    latencies by name, errors, requests sent within the ``window`` (seconds)."""
    import queue

    jobs: queue.Queue = queue.Queue()
    latencies: dict[str, list[float]] = defaultdict(list)
    outcomes: Counter = Counter()
    error_samples: list[str] = []
    sent_in_window = [0]
    lock = threading.Lock()
    start = [0.0]

    def sender():
        http = Http(base, {"Accept-Language": "zh-Hans"})
        try:
            while True:
                job = jobs.get()
                if job is None:
                    return
                i, intended = job
                sent_at = time.perf_counter()
                try:
                    name, status, detail = request(i, http)
                except Exception as exc:  # noqa: BLE001 - counted, the bench goes on
                    name, status, detail = "transport", 0, repr(exc)
                done = time.perf_counter()
                with lock:
                    latencies[name].append(done - intended)
                    if sent_at - start[0] <= window + 0.001:
                        sent_in_window[0] += 1
                    if 200 <= status < 300:
                        outcomes["ok"] += 1
                    else:
                        outcomes[f"{name}_{status}"] += 1
                        if len(error_samples) < 10:
                            error_samples.append(f"{name} {status}: {str(detail)[:200]}")
        finally:
            http.close()

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for t in threads:
        t.start()
    start[0] = time.perf_counter()
    for i, at in enumerate(times):
        intended = start[0] + at
        delay = intended - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        jobs.put((i, intended))
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start[0]
    return {"latencies": latencies, "outcomes": outcomes, "error_samples": error_samples, "window": window,
            "sent_in_window": sent_in_window[0], "elapsed": elapsed, "requests": len(times)}


def run_open(base: str, tenant, plans: list[dict], tokens: list[str]) -> dict:
    """The owner's day on an open-loop schedule, then ``GET healthz`` on the same
    schedule's rate: figures of both, CPU per request of both from the same server."""
    prefix = f"/t/{tenant.slug}/api/v1"
    times = _schedule(OPEN_RPS, SECONDS, seed=7)
    # Request i is step ``k`` of owner ``i % clients``: the k-th of that owner's day.
    steps = []
    counters = [0] * CLIENTS
    for i in range(len(times)):
        owner = i % CLIENTS
        steps.append((owner, counters[owner]))
        counters[owner] += 1
    cursors: list[str | None] = [None] * CLIENTS

    def owner_request(i: int, http: Http):
        owner, k = steps[i]
        plan = plans[owner % len(plans)]
        s = plan["store_id"]
        arrival, departure = plan["actions"][k // len(STEPS)]
        name = STEPS[k % len(STEPS)]
        http.headers["Authorization"] = f"Bearer {tokens[owner]}"
        if name == "overview":
            status, data = http.request("GET", prefix + "/m/overview/", parse=False)
        elif name == "room_status":
            status, data = http.request("GET", prefix + f"/stores/{s}/m/room-status/?days=7", parse=False)
        elif name == "reminders":
            cursor = cursors[owner]
            status, data = http.request("GET", prefix + "/m/reminders/" + (f"?cursor={cursor}" if cursor else ""))
            if 200 <= status < 300:
                cursors[owner] = data.get("next_cursor", cursor)
        elif name == "check_in":
            status, data = http.request("POST", prefix + f"/stores/{s}/m/orders/{arrival}/check-in/", {}, parse=False)
        else:
            status, data = http.request("POST", prefix + f"/stores/{s}/m/orders/{departure}/check-out/", {}, parse=False)
        return name, status, data

    def healthz_request(i: int, http: Http):
        http.headers.pop("Authorization", None)
        status, data = http.request("GET", f"/t/{tenant.slug}/healthz", parse=False)
        return "healthz", status, data

    warm_day(base, tenant, plans)  # before the meter starts: not counted
    meter = CpuMeter(base)
    meter.start()
    day = open_loop(base, times, owner_request, window=SECONDS)
    meter.stop(day["requests"])
    health_times = _schedule(OPEN_RPS, HEALTHZ_SECONDS, seed=8)
    health_meter = CpuMeter(base)
    health_meter.start()
    health = open_loop(base, health_times, healthz_request, window=HEALTHZ_SECONDS)
    health_meter.stop(health["requests"])
    return {"day": day, "meter": meter, "health": health, "health_meter": health_meter, "load": os.getloadavg()[0]}


def main_open() -> None:
    """The open-loop replay (module docstring): one JSON line, exit status 1 if rejected."""
    import math

    setup_django()
    rooms = max(ROOMS, math.ceil(OPEN_RPS * SECONDS / len(STEPS) / CLIENTS))
    tenant = None
    started_build = time.perf_counter()
    try:
        tenant, store, _admin = fresh_tenant(prefix="own", store_name="总店")
        plans = build(tenant, store, rooms)
        build_s = time.perf_counter() - started_build
        with quiet_server_log() as server_log, serve(workers=WORKERS, threads=THREADS) as base:
            warm_up(base, [tenant])
            tokens = []
            login = Http(base, {"Accept-Language": "zh-Hans"})
            for _ in range(CLIENTS):
                status, body = login.request("POST", f"/t/{tenant.slug}/api/v1/auth/login/", {
                    "username": "admin", "password": PASSWORD, "device": {"device_type": "wechat_mp", "app_version": "1.0.0"}})
                if status != 200:
                    raise SystemExit(f"log-in failed: {status} {body}")
                tokens.append(body["access"])
            login.close()
            run = run_open(base, tenant, plans, tokens)
    finally:
        if tenant is not None:
            drop_tenant(tenant)
    day, health = run["day"], run["health"]
    every = [x for values in day["latencies"].values() for x in values]
    p = percentiles(every)
    errors = sum(v for k, v in day["outcomes"].items() if k != "ok")
    health_errors = sum(v for k, v in health["outcomes"].items() if k != "ok")
    achieved = day["sent_in_window"] / day["window"] if day["window"] else 0.0
    rejected = day["sent_in_window"] < 0.99 * day["requests"]
    cpu, health_cpu = run["meter"].result or {}, run["health_meter"].result or {}
    server_cpu = (cpu.get("app", 0) + cpu.get("db", 0)) or None
    health_server_cpu = (health_cpu.get("app", 0) + health_cpu.get("db", 0)) or None
    print(
        f"open loop: {CLIENTS} owners, {STORES} stores x {rooms} rooms, gunicorn {WORKERS}x{THREADS}, {SENDERS} senders, "
        f"setup {build_s:.1f} s; offered {OPEN_RPS:g}/s for {SECONDS:g} s ({day['requests']} requests), sent in the window "
        f"{day['sent_in_window']} ({achieved:.1f}/s), all answered after {day['elapsed']:.1f} s; outcomes {dict(day['outcomes'])}; "
        f"latency from the intended send time p50 {p['p50_ms']} ms p95 {p['p95_ms']} ms p99 {p['p99_ms']} ms; "
        f"load average {run['load']:.1f}; owner day {run['meter'].summary()}; healthz {run['health_meter'].summary()}; "
        f"server log: {server_log.summary()}"
    )
    for line in (day["error_samples"] + health["error_samples"])[:10]:
        print(f"error: {line}")
    if rejected:
        print(f"REJECTED: sent {day['sent_in_window']} of {day['requests']} scheduled requests within the window (< 99 %)")
    emit({
        "bench": "owner_api",
        "mode": "open",
        "offered_rps": OPEN_RPS,
        "achieved_rps": round(achieved, 1),
        "p50_ms": p["p50_ms"],
        "p95_ms": p["p95_ms"],
        "p99_ms": p["p99_ms"],
        "errors": errors + health_errors,
        "requests": day["requests"],
        "seconds": SECONDS,
        "p95_ms_by_endpoint": {name: percentiles(v)["p95_ms"] for name, v in sorted(day["latencies"].items())},
        "cpu_ms_per_request": cpu,
        "healthz_cpu_ms_per_request": health_cpu,
        "cpu_ratio_to_healthz": round(server_cpu / health_server_cpu, 2) if server_cpu and health_server_cpu else None,
        "healthz_p95_ms": percentiles([x for v in health["latencies"].values() for x in v])["p95_ms"],
        "load_average": round(run["load"], 1),
        "rejected": rejected,
    })
    if rejected:
        raise SystemExit(1)


def main() -> None:
    # The server keeps its database connections for the whole run (as booking_soak.py):
    # replaced during the run, their backends' CPU would be lost to the meter, which
    # reads the backends alive at its end.
    os.environ.setdefault("DB_CONN_MAX_AGE", str(int(SECONDS + HEALTHZ_SECONDS) + 600))
    if MODE == "open":
        main_open()
        return
    setup_django()
    tenants = []
    started_build = time.perf_counter()
    try:
        tenant, store, _admin = fresh_tenant(prefix="own", store_name="总店")
        tenants.append(tenant)
        plans = build(tenant, store)
        paced_plans = None
        if THINK_S:  # the paced replay gets a world of its own, built the same way
            paced_tenant, paced_store, _admin = fresh_tenant(prefix="own", store_name="总店")
            tenants.append(paced_tenant)
            paced_plans = build(paced_tenant, paced_store)
        build_s = time.perf_counter() - started_build
        with quiet_server_log() as server_log, serve(workers=WORKERS, threads=THREADS) as base:
            warm_up(base, tenants)
            warm_day(base, tenant, plans)
            saturated = replay(base, tenant, plans, rounds=ROUNDS, seconds=SECONDS)
            paced = None
            if THINK_S:  # no deadline that would cut it short: ~6 pauses a round
                paced = replay(base, paced_tenant, paced_plans, rounds=PACED_ROUNDS, think_s=THINK_S, seed=1,
                               seconds=SECONDS + 20 * THINK_S * (PACED_ROUNDS + 1))
    finally:
        for t in tenants:
            drop_tenant(t)
    print(
        f"{CLIENTS} clients, {STORES} stores x {ROOMS} rooms, gunicorn {WORKERS}x{THREADS}, setup {build_s:.1f} s; "
        f"server log: {server_log.summary()}"
    )
    print(describe(f"saturated (no pause between requests, {ROUNDS} rounds)", saturated))
    if paced:
        print(describe(f"paced (think time {THINK_S:g} s mean, exponential, before each request; {PACED_ROUNDS} rounds)", paced))
    for line in (saturated["error_samples"] + (paced["error_samples"] if paced else []))[:10]:
        print(f"error: {line}")
    latencies = saturated["latencies"]
    rounds_p = percentiles([x for k, values in latencies.items() if k != "login" for x in values])
    result = {
        "bench": "owner_api",
        "rps": round(saturated["requests"] / saturated["elapsed"], 1),
        "p50_ms": saturated["every"]["p50_ms"],
        "p95_ms": saturated["every"]["p95_ms"],
        "errors": saturated["errors"] + (paced["errors"] if paced else 0),
        "requests": saturated["requests"],
        "clients": CLIENTS,
        "p95_ms_without_login": rounds_p["p95_ms"],
        "login_p50_ms": percentiles(latencies["login"])["p50_ms"],
        "p95_ms_by_endpoint": {name: percentiles(values)["p95_ms"] for name, values in sorted(latencies.items())},
        "load_average": round(saturated["load"], 1),
        "cpu_ms_per_request": saturated["meter"].result,
    }
    if paced:
        result["paced"] = {
            "think_s_mean": THINK_S,
            "rps": round(paced["requests"] / paced["elapsed"], 1),
            "p50_ms": paced["every"]["p50_ms"],
            "p95_ms": paced["every"]["p95_ms"],
            "errors": paced["errors"],
            "requests": paced["requests"],
            "p95_ms_by_endpoint": {name: percentiles(v)["p95_ms"] for name, v in sorted(paced["latencies"].items())},
            "load_average": round(paced["load"], 1),
        }
    emit(result)


if __name__ == "__main__":
    main()
