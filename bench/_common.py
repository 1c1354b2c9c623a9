"""Shared harness for benchmarks: its own database, fresh tenants, an HTTP server.

Every bench prints one JSON object as its last line. Benches never use the test or the
dev database: they work in ``pms_bench`` (or ``BENCH_DATABASE_URL``).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_env() -> dict:
    from scripts import services

    env = dict(os.environ)
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        url, _source = services.database_url("pms_bench")
        env["DATABASE_URL"] = url
    redis, _ = services.redis_url()
    if redis:
        env["REDIS_URL"] = redis
    else:
        env["PMS_NO_REDIS"] = "1"
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    env["LOG_LEVEL"] = "WARNING"
    return env


def setup_django(migrate: bool = True) -> None:
    """Configure Django in this process against the bench database (migrated)."""
    os.environ.update(bench_env())
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("setup_db", verbosity=0)


def fresh_tenant(prefix: str = "b", store_name: str = "Bench Store"):
    """Provision a new tenant with a random slug; returns (tenant, store, admin)."""
    from apps.tenancy.public.services import tenant_provision

    slug = f"{prefix}{uuid.uuid4().hex[:10]}"
    return tenant_provision(
        slug=slug, name=f"Bench {slug}", store_name=store_name, admin_username="admin", admin_password="bench-pass-1",
    )


def drop_tenant(tenant) -> None:
    from apps.tenancy.public.services import tenant_drop

    tenant_drop(tenant=tenant)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_config() -> tuple[int, int]:
    """The web server's workers and threads: ``BENCH_WORKERS`` / ``BENCH_THREADS``, else
    what gunicorn.conf.py gives production (the Dockerfile's gunicorn reads it too)."""
    import runpy

    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return (int(os.environ.get("BENCH_WORKERS") or conf["workers"]), int(os.environ.get("BENCH_THREADS") or conf["threads"]))


@contextmanager
def serve(workers: int = 2, threads: int = 1):
    """Run the app under gunicorn on a free loopback port; yields the base URL."""
    port = free_port()
    env = bench_env()
    cmd = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
    ]
    # No access log unless asked (the reverse proxy in front logs requests): gunicorn
    # formats every line even for /dev/null, ~2 % of a booking's CPU.
    if os.environ.get("BENCH_ACCESS_LOG"):
        cmd += ["--access-logfile", "-"]
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def percentiles(samples_s: list[float]) -> dict:
    """p50/p95/p99 in milliseconds of a list of durations in seconds."""
    if not samples_s:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    ordered = sorted(samples_s)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99)}


def emit(result: dict) -> None:
    print(json.dumps(result, ensure_ascii=False), flush=True)
