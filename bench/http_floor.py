"""The serving floor: what the cheapest requests cost with 16 clients and no pause.

``bench/owner_api.py`` asks for p95 < 50 ms with 16 clients firing back to back on two
cores. In a closed loop like that, latency ~ 16 x (CPU per request) / 2 cores whatever
the code does, so this bench measures the same load on requests that do next to
nothing, served the same way (gunicorn as ``gunicorn.conf.py`` sets it up, the same HTTP
client, the same machine):

- ``healthz``: the tenant's health check (tenant resolution, ``SELECT 1``, a Redis PING);
  no authentication;
- ``me``: ``GET api/v1/me/`` with a bearer token (the token read, the user's stores).

Each endpoint gets ``BENCH_REQUESTS`` (default 150) requests per client, after a warm-up.

Usage: python bench/http_floor.py   (env BENCH_CLIENTS=16, BENCH_REQUESTS=150, BENCH_ENDPOINTS=healthz,me,
                                     BENCH_WORKERS, BENCH_THREADS)
Last line: {"bench": "http_floor", "clients": 16, "healthz": {"rps", "p50_ms", "p95_ms", "cpu_ms_per_request"}, "me": {...}}
"""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, percentiles, serve, server_config, setup_django  # noqa: E402
from booking_race import CpuMeter, Http, quiet_server_log, run_clients  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 16))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 150))
ENDPOINTS = [e for e in os.environ.get("BENCH_ENDPOINTS", "healthz,me").split(",") if e]
WORKERS, THREADS = server_config()


def saturate(base: str, path: str, headers: dict) -> dict:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)
    deadline = [0.0]

    def client(_i: int):
        http = Http(base, headers)
        mine, bad = [], 0
        try:
            barrier.wait()
            for _ in range(REQUESTS):
                t0 = time.perf_counter()
                status, _data = http.request("GET", path, parse=False)
                mine.append(time.perf_counter() - t0)
                bad += status != 200
        finally:
            http.close()
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    meter = CpuMeter(base)
    meter.start()
    elapsed = run_clients(client, CLIENTS, seconds=600, deadline=deadline, barrier=barrier)
    meter.stop(len(latencies))
    return {"rps": round(len(latencies) / elapsed, 1), **percentiles(latencies), "errors": failures[0],
            "cpu_ms_per_request": meter.result, "summary": meter.summary()}


def main() -> None:
    setup_django()
    tenant, _store, _admin = fresh_tenant(prefix="flr", store_name="总店")
    results = {}
    try:
        with quiet_server_log(), serve(workers=WORKERS, threads=THREADS) as base:
            prefix = f"/t/{tenant.slug}"
            http = Http(base, {"Accept-Language": "zh-Hans"})
            _status, tokens = http.request("POST", f"{prefix}/api/v1/auth/login/", {
                "username": "admin", "password": "bench-pass-1", "device": {"device_type": "wechat_mp", "app_version": "1.0.0"}})
            http.close()
            headers = {"Accept-Language": "zh-Hans", "Authorization": f"Bearer {tokens['access']}"}
            paths = {"healthz": f"{prefix}/healthz", "me": f"{prefix}/api/v1/me/"}
            for name in ENDPOINTS:
                warm = [Http(base, headers) for _ in range(WORKERS * THREADS)]
                for _ in range(5):
                    for h in warm:
                        h.request("GET", paths[name], parse=False)
                for h in warm:
                    h.close()
                results[name] = saturate(base, paths[name], headers)
    finally:
        drop_tenant(tenant)
    print(f"{CLIENTS} clients, gunicorn {WORKERS}x{THREADS}, {REQUESTS} requests per client per endpoint")
    for name, figures in results.items():
        print(f"{name}: {figures['rps']}/s, p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, "
              f"errors {figures['errors']}; {figures.pop('summary')}")
    emit({"bench": "http_floor", "clients": CLIENTS, "workers": WORKERS,
          **{name: {k: f[k] for k in ("rps", "p50_ms", "p95_ms", "errors", "cpu_ms_per_request")} for name, f in results.items()}})


if __name__ == "__main__":
    main()
