"""`make run` (scripts/run.py) against a DATABASE_URL naming a database that does not exist:
it creates it, sets it up and serves; 200 requests (100 one after another, 100 from 20
clients at once, a new HTTP connection each, so a new server thread each) leave only a few
connections of the server open in pg_stat_activity (each thread used to keep one: a shared
PostgreSQL answered "too many clients" after ~80 requests)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/postgres"))


def _connections(name: str) -> int:
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()[0]


def _exists(name: str) -> bool:
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


@pytest.fixture(scope="module")
def make_run():
    name = f"pms_run_{uuid.uuid4().hex[:8]}"
    assert not _exists(name)
    port = _free_port()
    url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DB_CONN_MAX_AGE")}
    env.update(DATABASE_URL=url, PORT=str(port))
    log = open(ROOT / "test-artifacts" / "make_run.log", "w") if (ROOT / "test-artifacts").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "scripts/run.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"scripts/run.py ended with {proc.returncode}"
            try:
                with urllib.request.urlopen(f"{base}/t/demo/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("make run did not serve within 10 minutes")
        yield name, base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        with psycopg.connect(_admin_url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_missing_database_is_created_and_served(make_run):
    name, base = make_run
    assert _exists(name)
    with urllib.request.urlopen(f"{base}/t/demo/login/", timeout=10) as r:
        assert r.status == 200


def test_200_requests_leave_few_connections(make_run):
    name, base = make_run
    peak = [0]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], _connections(name))
            time.sleep(0.05)

    def get(_i=None):
        # a new connection each time (Connection: close): runserver serves it in a new thread
        request = urllib.request.Request(f"{base}/t/demo/healthz", headers={"Connection": "close"})
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        statuses = [get() for _ in range(100)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses += list(pool.map(get, range(100)))
    finally:
        time.sleep(0.5)
        stop.set()
        watcher.join()
    assert statuses == [200] * 200
    after = _connections(name)
    assert after <= 2, f"{after} connections left open after 200 requests"
    assert peak[0] <= 22, f"{peak[0]} connections at the peak (20 clients at once)"
