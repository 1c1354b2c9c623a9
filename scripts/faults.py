"""Fault runs against a production-like stack of its own: nothing lost, nothing doubled,
only 503s during a fault, recovery without restarting anything.

    .venv/bin/python scripts/faults.py [--only redis_stopped,redis_frozen,postgres_restarted,worker_killed_mid_audit]
                                       [--fault-seconds 20] [--clients 6]

Not part of ``make test``. Starts, in a temporary directory, its own Redis
(``redis-server`` on a spare port) and PostgreSQL (``initdb`` + ``pg_ctl`` from
``PG_BIN``, default /usr/lib/postgresql/15/bin, on a spare port; as the ``postgres``
user when run as root), migrates it and provisions a tenant, then gunicorn (the
production ``gunicorn.conf.py`` worker model, 4 sync workers) and one Celery worker
(prefork, one process) against them. Never touches another PostgreSQL or Redis.

During every scenario, clients book through the API, each booking with a unique marker
in its notes and an ``Idempotency-Key``, retrying on 503 (after ``Retry-After``), on a
timeout or a dropped connection, as a careful client does; a prober reads the store list
(a request that needs no Redis) and another logs in (the log-in throttle's counters are
in Redis). Scenarios:

- ``redis_stopped``: redis-server stopped (SIGTERM) for the fault's duration, then
  started again on its port (empty);
- ``redis_frozen``: redis-server frozen (SIGSTOP), then resumed (SIGCONT);
- ``postgres_restarted``: ``pg_ctl stop -m fast`` under load, down for a few seconds, started again;
- ``worker_killed_mid_audit``: a store's night audit started on the worker and held on an
  order a clerk keeps locked; the worker process is killed (SIGKILL) while PostgreSQL
  runs the audit's statement; the clerk lets go; the redelivered audit must close the
  day exactly once.

For each: requests and statuses during the fault, server errors (any 5xx but 503),
bookings confirmed to clients, lost (confirmed, not in the database), doubled (one
marker, two orders), latency of the store list during the fault, time to recovery, and
that the same Celery worker (same pid, not restarted) works afterwards (the order
outbox drains). One JSON line last.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "faults-pass-1"
SCENARIOS = ("redis_stopped", "redis_frozen", "postgres_restarted", "worker_killed_mid_audit")
ROOMS = 80
AUDIT_QUEUE = "faults-audit"
_SLOTS, _SLOTS_LOCK = [0], threading.Lock()
SCHEMA = ["public"]  # the tenant's schema, once provisioned


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def pct(samples: list[float]) -> dict:
    if not samples:
        return {"n": 0}
    s = sorted(samples)
    pick = lambda q: round(s[min(len(s) - 1, int(q * len(s)))] * 1000, 1)  # noqa: E731
    return {"n": len(s), "p50_ms": pick(0.5), "p95_ms": pick(0.95), "max_ms": round(s[-1] * 1000, 1)}


# --- the stack ------------------------------------------------------------------------------


class Stack:
    """Redis, PostgreSQL, gunicorn and a Celery worker of their own, in a temporary directory."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.redis_port, self.pg_port, self.web_port = free_port(), free_port(), free_port()
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.pgdata = workdir / "pgdata"
        self.as_postgres = os.geteuid() == 0

    # PostgreSQL ------------------------------------------------------------------------
    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check)

    def pg_init(self) -> None:
        self.pgdata.mkdir()
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.pgdata, "postgres")
        self._pg("initdb", "-D", str(self.pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.pg_start()

    def pg_start(self) -> None:
        opts = (f"-p {self.pg_port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._pg("pg_ctl", "-D", str(self.pgdata), "-o", opts, "-l", str(self.dir / "postgres.log"), "-w", "start")

    def pg_stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop", check=False)

    # Redis -----------------------------------------------------------------------------
    def redis_start(self) -> None:
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=open(self.dir / "redis.log", "a"), stderr=subprocess.STDOUT,
        )
        wait_port(self.redis_port)

    def redis_stop(self) -> None:
        self.redis.terminate()
        self.redis.wait(10)

    # the app -----------------------------------------------------------------------------
    def env(self) -> dict:
        env = dict(os.environ)
        redis = f"redis://127.0.0.1:{self.redis_port}/0"
        env.update({
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/pms_faults",
            "REDIS_URL": redis, "CELERY_BROKER_URL": redis, "CELERY_TASK_ALWAYS_EAGER": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings.bench", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
            # the audit waits up to 30 s for an order a clerk holds (the scenario kills it meanwhile)
            "PMS_AUDIT_LOCK_TIMEOUT_MS": "30000", "PMS_AUDIT_BUSY_RETRY_SECONDS": "2",
        })
        env.pop("PMS_NO_REDIS", None)
        return env

    def web_start(self, workers: int) -> None:
        self.web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{self.web_port}",
             "--workers", str(workers), "--log-level", "warning"],
            cwd=ROOT, env=self.env(), stdout=open(self.dir / "gunicorn.log", "a"), stderr=subprocess.STDOUT,
        )
        wait_port(self.web_port)

    def _worker(self, queue: str, log: str) -> subprocess.Popen:
        env = {**self.env(), "LOG_LEVEL": "INFO"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "INFO", "-c", "1", "-Q", queue,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h"],
            cwd=ROOT, env=env, stdout=open(self.dir / log, "a"), stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline and " ready." not in self.worker_log(log):
            time.sleep(0.2)
        return proc

    def worker_start(self) -> None:
        # the app's worker (the order outbox, notifications), and one for the audits of the
        # scenario, so that the audit does not queue behind the bookings' notifications
        self.worker = self._worker("celery", "worker.log")
        self.audit_worker = self._worker(AUDIT_QUEUE, "audit-worker.log")

    def worker_log(self, log: str = "worker.log") -> str:
        path = self.dir / log
        return path.read_text(errors="replace") if path.exists() else ""

    def worker_child(self, proc: subprocess.Popen) -> int | None:
        out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        return int(out[0]) if out else None

    def stop(self) -> None:
        for proc in (self.web, self.worker, getattr(self, "audit_worker", None)):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if self.redis is not None and self.redis.poll() is None:
            os.kill(self.redis.pid, signal.SIGCONT)
            self.redis.terminate()
        self.pg_stop()


# --- setting up the tenant (in this process, through the services) ------------------------


def setup(stack: Stack) -> dict:
    os.environ.update(stack.env())
    import django

    django.setup()
    import config.celery  # noqa: F401 - the app the tasks are sent with (this process's broker)
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import tenant_context

    from apps.orders.models import Order
    from apps.orders.services import channel_defaults_ensure
    from apps.orders.tests.factories import make_order, room_type_with_rooms
    from apps.rooms.models import Room, RoomType
    from apps.tenancy.auth_services import integration_token_create
    from apps.tenancy.business_day import business_date, store_local_date
    from apps.tenancy.models import StaffProfile
    from apps.tenancy.public.services import tenant_provision
    from apps.tenancy.services import staff_create, store_create
    from tests.fixtures import set_business_date

    stack._pg("createdb", "-h", "127.0.0.1", "-p", str(stack.pg_port), "-U", "postgres", "pms_faults")
    call_command("setup_db", verbosity=0)
    tenant, store, _admin = tenant_provision(slug="faults", name="Faults", store_name="故障演练店",
                                             admin_username="admin", admin_password=PASSWORD)
    SCHEMA[0] = tenant.schema_name
    with tenant_context(tenant):
        audit_store = store_create(name="夜审店", code="audit")
        clerk = staff_create(username="clerk", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[store, audit_store])
        channel_defaults_ensure(store=store)
        room_type = RoomType.objects.create(store=store, name="大床房", default_price=300, capacity=2, sort_order=1)
        rooms = Room.objects.bulk_create([Room(store=store, room_type=room_type, number=f"{1 + i // 40}{i % 40:02d}",
                                               floor=str(1 + i // 40)) for i in range(ROOMS)])
        # the audit's store: stays in the house on business day D (yesterday)
        day = store_local_date(store=audit_store) - timedelta(days=1)
        set_business_date(audit_store, day)
        channel_defaults_ensure(store=audit_store)
        audit_type, audit_rooms = room_type_with_rooms(audit_store, 12)
        stays = [make_order(audit_store, room_type=audit_type, room=room, arrival=day, nights=2,
                            status=Order.Status.CHECKED_IN, allow_past_arrival=True) for room in audit_rooms]
        return {
            "slug": tenant.slug, "schema": tenant.schema_name, "store_id": store.pk, "room_ids": [r.pk for r in rooms],
            "token": integration_token_create(user=clerk)[1], "today": business_date(store=store),
            "audit_store_id": audit_store.pk, "audit_day": day, "stays": sorted(o.pk for o in stays),
        }


# --- clients ---------------------------------------------------------------------------------


class Load:
    """Booking clients and the two probers; every outcome is recorded with its time."""

    def __init__(self, base: str, world: dict, clients: int):
        self.base, self.world, self.clients = base, world, clients
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.slot = 0
        self.events: list[tuple[float, str, int | str, float]] = []  # (start, kind, status, seconds)
        self.bookings: dict[str, dict] = {}  # marker -> {"confirmed": bool, "tries": n, "gave_up": bool}
        self.threads: list[threading.Thread] = []
        self.prefix = f"/t/{world['slug']}/api/v1"

    def _request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None, timeout: float = 10):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Content-Type": "application/json", "Accept": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def _record(self, started: float, kind: str, status, took: float) -> None:
        with self.lock:
            self.events.append((started, kind, status, took))

    def _next_slot(self) -> int:
        with _SLOTS_LOCK:  # one (room, night) per booking over the whole run: no refusal for a taken room
            _SLOTS[0] += 1
            return _SLOTS[0]

    def book_one(self) -> None:
        marker = f"fault-{uuid.uuid4().hex}"
        key = str(uuid.uuid4())
        slot = self._next_slot()
        rooms = self.world["room_ids"]
        arrival = self.world["today"] + timedelta(days=1 + slot // len(rooms))
        body = {"room": rooms[slot % len(rooms)], "arrival": arrival.isoformat(),
                "departure": (arrival + timedelta(days=1)).isoformat(), "confirm": True, "adults": 1,
                "notes": marker, "guests": [{"full_name": f"演练客人{slot}"}]}
        state = {"confirmed": False, "tries": 0, "gave_up": False, "statuses": []}
        with self.lock:
            self.bookings[marker] = state
        headers = {"Authorization": f"Token {self.world['token']}", "Idempotency-Key": key}
        deadline = time.time() + 90
        while True:
            state["tries"] += 1
            started = time.time()
            try:
                status, response_headers, body_bytes = self._request(
                    "POST", f"{self.prefix}/stores/{self.world['store_id']}/orders/", body, headers)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                status, response_headers, body_bytes = f"transport:{type(exc).__name__}", {}, b""
            self._record(started, "booking", status, time.time() - started)
            state["statuses"].append(status)
            if status in (200, 201):
                state["confirmed"] = True
                return
            in_flight = status == 409 and b"idempotency_key_in_flight" in body_bytes  # the first request with this key still runs
            if isinstance(status, int) and status < 500 and not in_flight:
                state["gave_up"] = True  # a refusal: not retried
                state["refused"] = body_bytes[:200].decode(errors="replace")
                return
            if time.time() > deadline:
                state["gave_up"] = True
                return
            if in_flight:
                time.sleep(0.5)
            else:
                wait = float(response_headers.get("Retry-After", 1) or 1)
                time.sleep(min(wait, 5) * random.uniform(0.5, 1.0))

    def _booker(self) -> None:
        while not self.stop.is_set():
            self.book_one()

    def _probe(self, kind: str, every: float) -> None:
        token = {"Authorization": f"Token {self.world['token']}"}
        while not self.stop.is_set():
            started = time.time()
            try:
                if kind == "no_redis":
                    status, _h, _b = self._request("GET", f"{self.prefix}/stores/", headers=token, timeout=60)
                else:
                    status, _h, _b = self._request("POST", f"{self.prefix}/auth/token/",
                                                   {"username": "clerk", "password": PASSWORD}, timeout=60)
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                status = f"transport:{type(exc).__name__}"
            self._record(started, kind, status, time.time() - started)
            time.sleep(every)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._booker, daemon=True) for _ in range(self.clients)]
        self.threads += [threading.Thread(target=self._probe, args=("no_redis", 0.2), daemon=True),
                         threading.Thread(target=self._probe, args=("login", 0.5), daemon=True)]
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(120)

    def window(self, since: float, until: float, kind: str | None = None) -> list[tuple]:
        with self.lock:
            return [e for e in self.events if since <= e[0] < until and (kind is None or e[1] == kind)]


def db_orders_by_marker(markers: list[str]) -> Counter:
    from django.db import connection
    from django_tenants.utils import schema_context

    connection.close()
    with schema_context(SCHEMA[0]), connection.cursor() as cursor:
        cursor.execute("SELECT notes, count(*) FROM orders_order WHERE notes = ANY(%s) GROUP BY notes", [markers])
        return Counter(dict(cursor.fetchall()))


def outbox_unpublished() -> int:
    from django.db import connection
    from django_tenants.utils import schema_context

    connection.close()
    with schema_context(SCHEMA[0]), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_orderevent WHERE published_at IS NULL")
        return cursor.fetchone()[0]


def wait_until(check, timeout: float, every: float = 0.5):
    started = time.time()
    while time.time() - started < timeout:
        try:
            if check():
                return round(time.time() - started, 1)
        except Exception:  # noqa: BLE001 - the database may still be coming back
            pass
        time.sleep(every)
    return None


# --- scenarios ----------------------------------------------------------------------------


def run_scenario(name: str, stack: Stack, world: dict, args) -> dict:
    base = f"http://127.0.0.1:{stack.web_port}"
    load = Load(base, world, args.clients)
    worker_pid = stack.worker.pid
    load.start()
    time.sleep(5)  # steady state before the fault
    audit = {}
    fault_start = time.time()
    if name == "redis_stopped":
        stack.redis_stop()
        time.sleep(args.fault_seconds)
        fault_end = time.time()
        stack.redis_start()
    elif name == "redis_frozen":
        os.kill(stack.redis.pid, signal.SIGSTOP)
        time.sleep(args.fault_seconds)
        fault_end = time.time()
        os.kill(stack.redis.pid, signal.SIGCONT)
    elif name == "postgres_restarted":
        stack.pg_stop()
        time.sleep(min(args.fault_seconds, 8))
        stack.pg_start()
        fault_end = time.time()
    elif name == "worker_killed_mid_audit":
        audit = worker_killed_mid_audit(stack, world)
        fault_end = time.time()
    else:
        raise SystemExit(f"unknown scenario {name}")
    # recovery: log-in (needs Redis and PostgreSQL) answers 200 again
    recovered_after = wait_until(lambda: any(e[2] == 200 for e in load.window(fault_end, time.time() + 1, "login")), 60)
    time.sleep(5)  # bookings after the fault: their kicks reach the worker
    load.finish()
    # the same worker process, not restarted, publishes the outbox (kicked by the bookings after the fault)
    outbox_drained_after = wait_until(lambda: outbox_unpublished() == 0, 90)
    if outbox_drained_after is None:  # nothing kicked since (all kicks of the fault lost): one booking more
        load2 = Load(base, world, 1)
        load2.book_one()
        outbox_drained_after = wait_until(lambda: outbox_unpublished() == 0, 60)

    markers = list(load.bookings)
    in_db = db_orders_by_marker(markers)
    confirmed = [m for m, s in load.bookings.items() if s["confirmed"]]
    during = load.window(fault_start, fault_end)
    statuses = Counter(str(e[2]) for e in during)
    all_events = load.window(0, time.time() + 1)
    server_errors = sum(1 for e in all_events if isinstance(e[2], int) and e[2] >= 500 and e[2] != 503)
    before = load.window(fault_start - 5, fault_start, "no_redis")
    return {
        "scenario": name,
        "fault_s": round(fault_end - fault_start, 1),
        "requests": len(all_events), "requests_during_fault": len(during),
        "statuses_during_fault": dict(statuses),
        "server_errors": server_errors,
        "bookings": {
            "attempted": len(markers), "confirmed": len(confirmed), "in_db": sum(in_db.values()),
            "lost": sum(1 for m in confirmed if in_db[m] == 0),
            "doubled": sum(1 for m in markers if in_db[m] > 1),
            "gave_up": sum(1 for s in load.bookings.values() if s["gave_up"]),
            "refusals": dict(Counter(s["refused"][:80] for s in load.bookings.values() if s.get("refused"))),
            "retried": sum(1 for s in load.bookings.values() if s["tries"] > 1),
            "during_fault": dict(Counter(str(e[2]) for e in load.window(fault_start, fault_end, "booking"))),
        },
        "login_during_fault": dict(Counter(str(e[2]) for e in load.window(fault_start, fault_end, "login"))),
        "login_latency_during_fault": pct([e[3] for e in load.window(fault_start, fault_end, "login")]),
        "no_redis_latency_before": pct([e[3] for e in before]),
        "no_redis_latency_during_fault": pct([e[3] for e in load.window(fault_start, fault_end, "no_redis")]),
        "booking_latency_during_fault": pct([e[3] for e in load.window(fault_start, fault_end, "booking")]),
        "recovered_after_s": recovered_after,
        "worker_same_pid": stack.worker.poll() is None and stack.worker.pid == worker_pid,
        "outbox_drained_after_s": outbox_drained_after,
        "web_alive": stack.web.poll() is None,
        **({"audit": audit} if audit else {}),
    }


def worker_killed_mid_audit(stack: Stack, world: dict) -> dict:
    """A clerk holds an order of the audit's store; the audit (on the worker) waits for it
    inside its transaction, holding the day; the worker process is killed there."""
    import psycopg
    from django.db import connection

    from apps.night_audit.tasks import night_audit

    dsn = f"host=127.0.0.1 port={stack.pg_port} user=postgres dbname=pms_faults"
    clerk = psycopg.connect(dsn)
    clerk.execute(f"SET search_path = {world['schema']}")
    clerk.execute("SELECT id FROM orders_order WHERE id = %s FOR UPDATE", [world["stays"][0]])  # the clerk's transaction
    audit_pid = stack.audit_worker.pid
    night_audit.apply_async(kwargs={"schema_name": world["schema"], "store_id": world["audit_store_id"],
                                    "business_date": world["audit_day"].isoformat()}, queue=AUDIT_QUEUE)
    probe = psycopg.connect(dsn, autocommit=True)
    waiting = wait_until(lambda: probe.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'pms_faults' "
        "AND query ILIKE '%%orders_order%%'").fetchone()[0] > 0, 60, 0.1)
    if waiting is None:
        rows = probe.execute("SELECT state, wait_event_type, wait_event, left(query, 120) FROM pg_stat_activity "
                             "WHERE datname = 'pms_faults'").fetchall()
        raise RuntimeError(f"the audit never waited for the clerk's order: {rows}")
    child = stack.worker_child(stack.audit_worker)
    os.kill(child, signal.SIGKILL)

    def day_free() -> bool:  # the business-day row can be taken: the killed attempt's session has ended
        with psycopg.connect(dsn) as c:
            c.execute(f"SET search_path = {world['schema']}")
            return c.execute("SELECT 1 FROM reports_storebusinessday WHERE store_id = %s FOR UPDATE NOWAIT",
                             [world["audit_store_id"]]).fetchone() is not None

    def free_or_not() -> bool:
        try:
            return day_free()
        except psycopg.errors.LockNotAvailable:
            return False

    claim_freed_after = wait_until(free_or_not, 60, 0.1)
    time.sleep(1)
    clerk.rollback()  # the clerk lets go
    clerk.close()

    def done() -> bool:
        return probe.execute(f"SELECT status FROM {world['schema']}.reports_nightaudit WHERE store_id = %s AND business_date = %s",
                             [world["audit_store_id"], world["audit_day"]]).fetchone() == ("done",)

    closed_after = wait_until(done, 120)
    row = probe.execute(f"SELECT attempts, counts->>'posted' FROM {world['schema']}.reports_nightaudit "
                        "WHERE store_id = %s AND business_date = %s", [world["audit_store_id"], world["audit_day"]]).fetchone()
    posted = probe.execute(
        f"SELECT f.order_id, count(*) FROM {world['schema']}.folios_foliotransaction t JOIN {world['schema']}.folios_folio f "
        "ON f.id = t.folio_id WHERE t.charge_type = 'room_night' AND t.service_date = %s GROUP BY 1",
        [world["audit_day"]]).fetchall()
    new_day = probe.execute(f"SELECT business_date FROM {world['schema']}.reports_storebusinessday WHERE store_id = %s",
                            [world["audit_store_id"]]).fetchone()[0]
    probe.close()
    connection.close()
    return {
        "audit_waiting_found_after_s": waiting, "worker_process_killed": child,
        "claim_freed_after_kill_s": round(claim_freed_after, 1) if claim_freed_after is not None else None,
        "day_closed_after_clerk_let_go_s": closed_after, "attempts": row[0] if row else None,
        "stays": len(world["stays"]), "nights_posted": len(posted), "nights_posted_twice": sum(1 for _o, n in posted if n > 1),
        "business_date_rolled_once": new_day == world["audit_day"] + timedelta(days=1),
        "worker_lost_logged": "WorkerLostError" in stack.worker_log("audit-worker.log"),
        "busy_retries": stack.worker_log("audit-worker.log").count("night_audit.busy_retry"),
        "audit_worker_same_pid": stack.audit_worker.poll() is None and stack.audit_worker.pid == audit_pid,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--fault-seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args()
    if not (PG_BIN / "initdb").exists() or not shutil.which("redis-server"):
        raise SystemExit(f"needs {PG_BIN}/initdb and redis-server")

    def stop_on_sigterm(signum, frame):
        raise SystemExit(143)  # the finally below stops the stack

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    workdir = Path(tempfile.mkdtemp(prefix="pms-faults-"))
    os.chmod(workdir, 0o755)
    stack = Stack(workdir)
    results = []
    try:
        stack.pg_init()
        stack.redis_start()
        world = setup(stack)
        stack.web_start(args.web_workers)
        stack.worker_start()
        for name in args.only.split(","):
            result = run_scenario(name, stack, world, args)
            results.append(result)
            print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
    finally:
        stack.stop()
        if args.keep:
            print(f"logs in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summary = {
        "faults": "ok" if results and all(
            r["server_errors"] == 0 and r["bookings"]["lost"] == 0 and r["bookings"]["doubled"] == 0 and r["worker_same_pid"]
            and r["outbox_drained_after_s"] is not None for r in results) else "failed",
        "scenarios": {r["scenario"]: {
            "server_errors": r["server_errors"], "lost": r["bookings"]["lost"], "doubled": r["bookings"]["doubled"],
            "confirmed": r["bookings"]["confirmed"], "statuses_during_fault": r["statuses_during_fault"],
            "no_redis_p95_ms_during_fault": r["no_redis_latency_during_fault"].get("p95_ms"),
            "recovered_after_s": r["recovered_after_s"], "worker_same_pid": r["worker_same_pid"],
            **({"audit": {k: r["audit"][k] for k in ("claim_freed_after_kill_s", "attempts", "nights_posted", "nights_posted_twice",
                                                      "business_date_rolled_once")}} if "audit" in r else {}),
        } for r in results},
    }
    print(json.dumps(summary, ensure_ascii=False, default=str), flush=True)
    return 0 if summary["faults"] == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
