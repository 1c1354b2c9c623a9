"""64 clients x 5 attempts book the same room for the same nights through the HTTP API.

Every attempt is ``POST /stores/{id}/orders/`` with ``confirm: true`` (create and hold
the nights in one transaction). PostgreSQL's ``UNIQUE (room, night)`` lets exactly one
through; the others answer 409 ``room_unavailable`` and leave nothing behind.

Usage: python bench/booking_race.py   (env BENCH_CLIENTS, BENCH_ATTEMPTS)
Last line: {"bench": "booking_race", "attempts": 320, "succeeded": 1, "conflicts": 319, "server_errors": 0}
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, serve, setup_django  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 64))
ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", 5))


class Http:
    """A keep-alive JSON client on ``http.client``: a tenth of httpx's CPU per request,
    which matters when the clients share two cores with the server and the database."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 60):
        host, port = base_url.split("//", 1)[1].split(":")
        self.address, self.timeout = (host, int(port)), timeout
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        self.conn = None

    def request(self, method: str, path: str, body: dict | None = None, *, parse: bool = True) -> tuple[int, dict]:
        """``parse=False``: the body of a 2xx answer is read but not decoded (``{}``). The
        clients share the two cores with the server and the database: decoding answers
        the bench never reads (a 16-store overview is the largest) takes CPU from them."""
        import http.client
        import json

        payload = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(*self.address, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=payload, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                if not data or (not parse and 200 <= response.status < 300):
                    return response.status, {}
                return response.status, json.loads(data)
            except (http.client.HTTPException, ConnectionError):
                self.close()  # the server closed an idle keep-alive connection: reconnect once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class ServerLog:
    def __init__(self, path: str):
        self.path = path
        self.lines: list[str] | None = None

    def close(self) -> None:
        """Keep the lines in memory and remove the file."""
        with open(self.path, errors="replace") as handle:
            self.lines = handle.read().splitlines()
        os.unlink(self.path)

    def summary(self) -> str:
        """Counts of the server's log lines by level; the first error in full."""
        lines = self.lines or []
        levels = Counter(word for line in lines for word in line.split()[2:3] if word in {"WARNING", "ERROR", "CRITICAL"})
        first_error = next((line for line in lines if " ERROR " in line or line.startswith("Traceback")), None)
        return f"{dict(levels)}" + (f", first error: {first_error}" if first_error else "")


@contextmanager
def quiet_server_log():
    """Send this process's (and so gunicorn's) stderr to a file while serving: every
    expected 409 is a WARNING line from django.request. Summarised at the end."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.NamedTemporaryFile("w", prefix="bench-server-", suffix=".log", delete=False) as log:
        os.dup2(log.fileno(), 2)
    server_log = ServerLog(log.name)
    try:
        yield server_log
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        server_log.close()


def run_clients(client, count: int, *, seconds: float, deadline: list, barrier: threading.Barrier) -> float:
    """Start ``count`` threads running ``client(i)``, which wait at ``barrier``; set
    ``deadline[0]`` ``seconds`` ahead, release them and wait for them all. Returns the
    seconds from the release to the last one's end."""
    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    return time.perf_counter() - started


class CpuMeter:
    """CPU seconds spent by the gunicorn serving ``port`` and by the PostgreSQL backends
    of its connections, between ``start()`` and ``stop()``: what a request costs whatever
    else the machine is doing (wall-clock figures on a shared machine are not). Needs
    psutil; without it the meter reports nothing."""

    def __init__(self, base_url: str):
        self.port = int(base_url.rsplit(":", 1)[1])
        self.start_times: dict[int, float] = {}
        self.result: dict | None = None

    def _processes(self):
        import psutil
        from django.db import connection

        servers = [
            p for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] and "gunicorn" in " ".join(p.info["cmdline"]) and f"127.0.0.1:{self.port}" in p.info["cmdline"]
        ]
        local_ports = set()
        for proc in servers:
            try:
                local_ports.update(c.laddr.port for c in proc.net_connections(kind="tcp") if c.raddr and c.raddr.port == 5432)
            except psutil.Error:
                continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid, client_port FROM pg_stat_activity WHERE datname = current_database()")
            backends = [psutil.Process(pid) for pid, port in cursor.fetchall() if port in local_ports]
        return servers, backends

    @staticmethod
    def _cpu(proc) -> float:
        try:
            times = proc.cpu_times()
            return times.user + times.system
        except Exception:  # noqa: BLE001 - a process that went away
            return 0.0

    def start(self) -> None:
        try:
            servers, backends = self._processes()
        except ImportError:
            return
        self.start_times = {p.pid: self._cpu(p) for p in servers + backends}
        self.client_start = time.process_time()

    def stop(self, requests: int) -> None:
        if not self.start_times or not requests:
            return
        servers, backends = self._processes()
        app = sum(self._cpu(p) - self.start_times.get(p.pid, 0.0) for p in servers)
        db = sum(self._cpu(p) - self.start_times.get(p.pid, 0.0) for p in backends)
        client = time.process_time() - self.client_start
        per = {k: round(v / requests * 1000, 2) for k, v in (("app", app), ("db", db), ("client", client))}
        per["total"] = round(per["app"] + per["db"] + per["client"], 2)
        per["idle_2_core_capacity_per_s"] = round(2000 / per["total"]) if per["total"] else None
        self.result = per

    def summary(self) -> str:
        if not self.result:
            return "cpu per request: not measured (psutil missing)"
        r = self.result
        return (f"cpu per request: app {r['app']} ms + db {r['db']} ms + client {r['client']} ms = {r['total']} ms "
                f"(all of 2 idle cores would serve ~{r['idle_2_core_capacity_per_s']}/s)")


def build(store):
    """A room type of 4 rooms, the default channels and a front-desk clerk with a token."""
    from apps.tenancy.auth_services import integration_token_create

    from apps.orders.services import channel_defaults_ensure
    from apps.rooms.models import Room, RoomType
    from apps.tenancy.models import StaffProfile
    from apps.tenancy.services import staff_create

    clerk = staff_create(username="clerk", password="bench-pass-1", role=StaffProfile.Role.FRONT_DESK, stores=[store])
    channel_defaults_ensure(store=store)
    room_type = RoomType.objects.create(store=store, name="大床房", default_price=Decimal("388.00"), capacity=2)
    rooms = [Room.objects.create(store=store, room_type=room_type, number=str(100 + i)) for i in range(4)]
    return integration_token_create(user=clerk)[1], rooms[0]


def main() -> None:
    setup_django()
    from django.db import connection
    from django_tenants.utils import tenant_context

    from apps.tenancy.business_day import business_date

    tenant, store, _admin = fresh_tenant(prefix="race")
    try:
        with tenant_context(tenant):
            token, room = build(store)
            arrival = business_date(store=store) + timedelta(days=14)
        body = {"room": room.pk, "arrival": arrival.isoformat(), "departure": (arrival + timedelta(days=3)).isoformat(),
                "confirm": True, "guests": [{"full_name": "抢房客"}]}
        outcomes: Counter = Counter()
        lock = threading.Lock()
        with quiet_server_log() as server_log, serve(workers=4, threads=8) as base:
            path = f"/t/{tenant.slug}/api/v1/stores/{store.pk}/orders/"
            headers = {"Authorization": f"Token {token}", "Accept-Language": "en"}
            warm = Http(base, headers)
            for _ in range(64):  # every worker thread imports and connects first
                warm.request("GET", f"/t/{tenant.slug}/api/v1/stores/{store.pk}/channels/")
            warm.close()
            barrier = threading.Barrier(CLIENTS)

            def client():
                seen = Counter()
                http = Http(base, headers)
                barrier.wait()
                for _ in range(ATTEMPTS):
                    try:
                        status, data = http.request("POST", path, body)
                    except Exception:  # noqa: BLE001 - counted
                        seen["transport_errors"] += 1
                        continue
                    if status == 201:
                        seen["succeeded"] += 1
                    elif status == 409 and data.get("code") == "room_unavailable":
                        seen["conflicts"] += 1
                    elif status >= 500:
                        seen["server_errors"] += 1
                    else:
                        seen[f"http_{status}"] += 1
                http.close()
                with lock:
                    outcomes.update(seen)

            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        with tenant_context(tenant), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM orders_order")
            orders = cursor.fetchone()[0]
            cursor.execute("SELECT count(*), count(DISTINCT order_id) FROM rooms_roomnight WHERE room_id = %s", [room.pk])
            room_nights, holders = cursor.fetchone()
    finally:
        drop_tenant(tenant)
    result = {
        "bench": "booking_race",
        "attempts": CLIENTS * ATTEMPTS,
        "succeeded": outcomes["succeeded"],
        "conflicts": outcomes["conflicts"],
        "server_errors": outcomes["server_errors"],
    }
    other = {k: v for k, v in outcomes.items() if k not in result}
    print(f"orders in the database: {orders}; room nights held: {room_nights} by {holders} order(s); "
          f"other outcomes: {other}; server log: {server_log.summary()}; load average {os.getloadavg()[0]:.1f}")
    emit(result)


if __name__ == "__main__":
    main()
