"""Night audit through Celery: 100 tenants x 30 rooms at ~70 % occupancy plus one store
of 300 rooms, audited by a real worker (prefork, 2 processes) on Redis.

Each store gets: business date D (its local yesterday), ~70 % of its rooms in the house
on night D (stays of 1-4 nights around D, each night's rate on its line), one confirmed
guest due on D who never came (a no-show), one guest due out on D still in the house;
the inventory rows (room nights, per-type counters) exactly as the services leave them.
Then every store's audit is queued at once and timed until the last record is ``done``
(``total_s``); ``per_store_ms_p95`` is the p95 of the records' own durations. Then every
audit of D is queued again: ``rerun_new_postings`` counts the room charges that second
round added (0 expected).

One folio is poisoned: the first store's first guest in the house has a primary folio whose
charges are at ``MAX_FOLIO_TOTAL`` already (manual charges through the folio services), so
night D cannot post to it; the audit leaves it out, lists it (``not_posted``: 1) and closes
that store's day like every other.

Usage: python bench/night_audit.py   (env BENCH_TENANTS=100, BENCH_ROOMS=30, BENCH_BIG_ROOMS=300)
Last line: {"bench": "night_audit", "stores": ..., "total_s": ..., "per_store_ms_p95": ..., "rerun_new_postings": 0,
"not_posted": 1, "stores_closed": 101}
"""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import tempfile
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, bench_env, drop_tenant, emit, fresh_tenant, percentiles, setup_django  # noqa: E402

TENANTS = int(os.environ.get("BENCH_TENANTS", 100))
ROOMS = int(os.environ.get("BENCH_ROOMS", 30))
BIG_ROOMS = int(os.environ.get("BENCH_BIG_ROOMS", 300))
OCCUPANCY = 0.7
BROKER_DB = int(os.environ.get("BENCH_BROKER_DB", 6))


def build_store(store, rnd: random.Random, rooms_n: int, poison: bool = False) -> dict:
    """Rooms, orders around business date D and their inventory, in the current tenant;
    ``poison``: the first stay's folio at its limit (``poison_folio``)."""
    from django.db import connection
    from django.utils import timezone

    from apps.orders.models import Order, OrderItem
    from apps.orders.services import channel_defaults_ensure
    from apps.tenancy.models import StoreBusinessDay
    from apps.tenancy.business_day import store_local_date
    from apps.rooms.models import Room, RoomType

    day = store_local_date(store=store) - timedelta(days=1)
    StoreBusinessDay.objects.update_or_create(store=store, defaults={"business_date": day, "opened_at": timezone.now()})
    channel = channel_defaults_ensure(store=store)[0]
    types = [
        RoomType.objects.create(store=store, name=f"房型{i + 1}", default_price=Decimal(260 + 60 * i), capacity=2)
        for i in range(3)
    ]
    rooms = Room.objects.bulk_create(
        [Room(store=store, room_type=types[i % 3], number=f"{1 + i // 50}{i % 50:02d}") for i in range(rooms_n)]
    )
    now = timezone.now()
    in_house_n = round(rooms_n * OCCUPANCY)
    orders, lines = [], []

    def add(room, room_type, arrival, departure, status):
        order = Order(
            store=store, code=f"N{len(orders) + 1:05d}", status=status, channel=channel, primary_contact_name=f"客人{len(orders) + 1}",
            room_type=room_type, room=room, arrival=arrival, departure=departure, adults=2, currency="CNY",
            confirmed_at=now, checked_in_at=now if status == Order.Status.CHECKED_IN else None,
        )
        prices = [room_type.default_price + rnd.choice([0, 0, 20, -20]) for _ in range((departure - arrival).days)]
        order.total_amount = order.due_amount = sum(prices, Decimal("0"))
        orders.append(order)
        lines.append((order, room_type, room, arrival, prices))

    for room in rooms[:in_house_n]:
        arrival = day - timedelta(days=rnd.randrange(0, 3))
        add(room, room.room_type, arrival, day + timedelta(days=rnd.randrange(1, 3)), Order.Status.CHECKED_IN)
    # due out on D, still in the house (listed, not charged)
    add(rooms[in_house_n], rooms[in_house_n].room_type, day - timedelta(days=2), day, Order.Status.CHECKED_IN)
    # due on D, never came (a no-show), booked at type level
    add(None, types[0], day, day + timedelta(days=2), Order.Status.CONFIRMED)
    Order.objects.bulk_create(orders)
    OrderItem.objects.bulk_create([
        OrderItem(order=order, store=store, kind=OrderItem.Kind.ROOM_NIGHT, service_date=arrival + timedelta(days=i),
                  description=f"{room_type.name} {(arrival + timedelta(days=i)).isoformat()}", quantity=1, unit_price=price,
                  total_price=price, room_type=room_type, room=room)
        for order, room_type, room, arrival, prices in lines for i, price in enumerate(prices)
    ])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO rooms_roomnight (store_id, room_id, night, kind, order_id)
            SELECT i.store_id, i.room_id, i.service_date, 'stay', i.order_id FROM orders_orderitem i
             WHERE i.store_id = %(s)s AND i.kind = 'room_night' AND i.room_id IS NOT NULL
            """,
            {"s": store.pk},
        )
        cursor.execute(
            """
            INSERT INTO rooms_roomtypenight (store_id, room_type_id, night, capacity, locked, held)
            SELECT i.store_id, i.room_type_id, i.service_date,
                   (SELECT count(*) FROM rooms_room r WHERE r.room_type_id = i.room_type_id AND r.is_active), 0, count(*)
              FROM orders_orderitem i WHERE i.store_id = %(s)s AND i.kind = 'room_night'
             GROUP BY i.store_id, i.room_type_id, i.service_date
            """,
            {"s": store.pk},
        )
    if poison:
        poison_folio(orders[0])
    return {"day": day, "in_house": in_house_n, "poisoned": int(poison)}


def poison_folio(order) -> None:
    """Charges up to ``MAX_FOLIO_TOTAL`` on the order's primary folio, through the services:
    ten postings of ``MAX_POSTING`` and the cents left (999,999,999.99)."""
    from apps.common.money import MAX_FOLIO_TOTAL, MAX_POSTING
    from apps.folios import services

    folio = services.folio_primary_for_order(order=order)
    for amount in [MAX_POSTING] * 10 + [MAX_FOLIO_TOTAL - 10 * MAX_POSTING]:
        services.folio_post_charge(folio=folio, actor=None, description="bench: at the limit", unit_price=amount)


def provision(n_small: int) -> list[tuple]:
    """(tenant, store, rooms) for the small stores and the big one, provisioned two at a time."""
    from django.db import connections
    from django_tenants.utils import tenant_context

    def one(i: int):
        try:
            rooms_n = BIG_ROOMS if i == n_small else ROOMS
            tenant, store, _admin = fresh_tenant(prefix="na")
            with tenant_context(tenant):
                built = build_store(store, random.Random(i), rooms_n, poison=i == 0)
            return tenant, store, rooms_n, built
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, range(n_small + 1)))


def _sum_over_schemas(sql: str, schemas: list[str]) -> int:
    from django.db import connection

    union = " UNION ALL ".join(sql.format(schema=s) for s in schemas)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(n), 0) FROM ({union}) AS t(n)")
        return int(cursor.fetchone()[0])


def room_charges(schemas: list[str]) -> int:
    return _sum_over_schemas(
        "SELECT count(*) FROM \"{schema}\".folios_foliotransaction WHERE charge_type = 'room_night' AND transaction_type = 'charge'",
        schemas,
    )


def not_posted(schemas: list[str]) -> int:
    return _sum_over_schemas(
        "SELECT coalesce((counts->>'not_posted')::int, 0) FROM \"{schema}\".reports_nightaudit WHERE status = 'done'", schemas,
    )


def business_dates_rolled(stores: list[tuple]) -> int:
    from django.db import connection

    union = " UNION ALL ".join(
        f'SELECT count(*) FROM "{t.schema_name}".reports_storebusinessday WHERE store_id = {int(s.pk)} '
        f"AND business_date = '{b['day'] + timedelta(days=1)}'"
        for t, s, _n, b in stores
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(n), 0) FROM ({union}) AS t(n)")
        return int(cursor.fetchone()[0])


def audits_done(schemas: list[str]) -> int:
    return _sum_over_schemas("SELECT count(*) FROM \"{schema}\".reports_nightaudit WHERE status = 'done'", schemas)


def last_finished(schemas: list[str]) -> float:
    from django.db import connection

    union = " UNION ALL ".join(f'SELECT max(finished_at) FROM "{s}".reports_nightaudit' for s in schemas)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(t) FROM ({union}) AS u(t)")
        return cursor.fetchone()[0].timestamp()


def audit_durations_ms(schemas: list[str]) -> list[int]:
    from django.db import connection

    union = " UNION ALL ".join(f'SELECT duration_ms FROM "{s}".reports_nightaudit WHERE status = \'done\'' for s in schemas)
    with connection.cursor() as cursor:
        cursor.execute(union)
        return [row[0] for row in cursor.fetchall()]


def start_worker(queue: str, broker: str) -> subprocess.Popen:
    env = {**bench_env(), "CELERY_BROKER_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "0", "CELERY_TASK_DEFAULT_QUEUE": queue,
           "DJANGO_SETTINGS_MODULE": "config.settings.bench", "LOG_LEVEL": "WARNING"}
    log = open(Path(tempfile.gettempdir()) / f"bench-night-audit-{queue}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=2", "-Q", queue,
         "-n", f"{queue}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return proc


class CpuMeter:
    """CPU seconds of the worker's processes and of their PostgreSQL backends between
    ``start()`` and ``stop()``: what the audits cost whatever else the shared machine is
    doing. Needs psutil (optional); without it, nothing is reported."""

    def __init__(self, worker_pid: int):
        self.worker_pid, self.before, self.result = worker_pid, {}, None

    def _processes(self):
        import psutil
        from django.db import connection

        main = psutil.Process(self.worker_pid)
        workers = [main, *main.children(recursive=True)]
        ports = set()
        for proc in workers:
            try:
                ports.update(c.laddr.port for c in proc.net_connections(kind="tcp") if c.raddr and c.raddr.port == 5432)
            except psutil.Error:
                continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid, client_port FROM pg_stat_activity WHERE datname = current_database()")
            backends = [psutil.Process(pid) for pid, port in cursor.fetchall() if port in ports]
        return workers, backends

    @staticmethod
    def _cpu(proc) -> float:
        try:
            t = proc.cpu_times()
            return t.user + t.system
        except Exception:  # noqa: BLE001 - gone
            return 0.0

    def start(self) -> None:
        try:
            workers, backends = self._processes()
        except ImportError:
            return
        self.before = {p.pid: self._cpu(p) for p in workers + backends}
        self.result = {}

    def stop(self) -> None:
        if self.result is None:
            return
        workers, backends = self._processes()
        self.result = {
            "worker": sum(self._cpu(p) - self.before.get(p.pid, 0.0) for p in workers),
            "db": sum(self._cpu(p) - self.before.get(p.pid, 0.0) for p in backends),
        }

    def summary(self) -> str:
        if not self.result:
            return "cpu: not measured (psutil missing)"
        total = self.result["worker"] + self.result["db"]
        return (f"cpu: worker {self.result['worker']:.2f} s + its PostgreSQL backends {self.result['db']:.2f} s = {total:.2f} s "
                f"(~{total / 2:.1f} s of wall clock on two idle cores)")


def wait_ready(queue: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Ping the worker until it answers (it has imported Django and opened its pool)."""
    from config.celery import app

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("worker exited")
        if app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=0.5):
            return
    raise RuntimeError("worker did not start")


def main() -> None:
    setup_django()
    from django.conf import settings

    # Throwaway admins: do not spend half a second hashing each password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()
    from config.celery import app

    from apps.night_audit.tasks import night_audit

    redis_base = (bench_env().get("REDIS_URL") or "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    broker, queue = f"{redis_base}/{BROKER_DB}", f"bench-na-{uuid.uuid4().hex[:8]}"
    app.conf.update(broker_url=broker, task_always_eager=False, task_default_queue=queue)

    started = time.perf_counter()
    stores = provision(TENANTS)
    built_s = time.perf_counter() - started
    schemas = [t.schema_name for t, _s, _n, _b in stores]
    poisoned = sum(b["poisoned"] for _t, _s, _n, b in stores)
    expected = sum(b["in_house"] for _t, _s, _n, b in stores) - poisoned
    proc = start_worker(queue, broker)
    try:
        wait_ready(queue, proc)

        def queue_all():
            for tenant, store, _n, built in stores:
                night_audit.apply_async(
                    kwargs={"schema_name": tenant.schema_name, "store_id": store.pk, "business_date": built["day"].isoformat(),
                            "trigger": "beat"},
                    queue=queue,
                )

        meter = CpuMeter(proc.pid)
        meter.start()
        t0, t0_wall = time.perf_counter(), time.time()
        queue_all()
        # Poll gently (the poll competes for the same two cores); the time is the last
        # record's own finish time, not the moment the poll noticed it.
        while audits_done(schemas) < len(stores):
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("audits did not finish in 300 s")
            time.sleep(0.5)
        total_s = last_finished(schemas) - t0_wall
        meter.stop()
        load = os.getloadavg()[0]
        posted = room_charges(schemas)
        skipped = not_posted(schemas)
        closed = business_dates_rolled(stores)
        durations = audit_durations_ms(schemas)
        big_ms = audit_durations_ms([max(stores, key=lambda s: s[2])[0].schema_name])[0]

        # Rerun every audit of D: closed days, nothing more may be posted.
        r = redis.Redis.from_url(broker)
        inspector = app.control.inspect(destination=[f"{queue}@{socket.gethostname()}"], timeout=1)
        t1 = time.perf_counter()
        queue_all()
        while time.perf_counter() - t1 < 120:
            if r.llen(queue) == 0 and not any((inspector.active() or {}).values()) and not any((inspector.reserved() or {}).values()):
                break
            time.sleep(0.1)
        rerun_s = time.perf_counter() - t1
        rerun_new = room_charges(schemas) - posted
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        for tenant, _s, _n, _b in stores:
            drop_tenant(tenant)
        r = redis.Redis.from_url(broker)
        for key in r.scan_iter(f"*{queue}*"):  # the queue's bindings: leave the broker database as found
            r.delete(key)
    p = percentiles([d / 1000 for d in durations])
    print(
        f"data: {len(stores)} stores ({TENANTS} x {ROOMS} rooms + 1 x {BIG_ROOMS}), {expected + poisoned} stays in the house on night D, "
        f"built in {built_s:.1f} s; posted {posted} room charges (expected {expected}), not posted {skipped} "
        f"(poisoned {poisoned}), {closed} of {len(stores)} business dates rolled; per-store audit p50 {p['p50_ms']} ms, "
        f"max {max(durations)} ms; the {BIG_ROOMS}-room store {big_ms} ms; rerun of every closed day {rerun_s:.2f} s; "
        f"load average {load:.1f}; {meter.summary()}"
    )
    if posted != expected or skipped != poisoned or closed != len(stores):
        raise SystemExit(f"posted {posted} room charges, expected {expected}; not posted {skipped} of {poisoned} poisoned; "
                         f"{closed} of {len(stores)} days closed")
    emit({
        "bench": "night_audit", "stores": len(stores), "total_s": round(total_s, 3), "per_store_ms_p95": p["p95_ms"],
        "rerun_new_postings": rerun_new, "not_posted": skipped, "stores_closed": closed,
    })


if __name__ == "__main__":
    main()
