"""/metrics from gunicorn with two worker processes (multiprocess mode): 20 bookings made
through the API, whichever worker served each, are 20 in one scrape; the scrape needs the
bearer token."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context
from prometheus_client.parser import text_string_to_metric_families

from apps.tenancy.business_day import business_date
from tests.celery_worker import database_url
from tests.observe import api_booker, booking_body

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "scrape-secret-0123456789"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def _post(url: str, body: dict, headers: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture
def gunicorn_two_workers(tmp_path):
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left from a previous run")  # emptied at start
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PMS_METRICS_TOKEN": TOKEN, "PMS_METRICS_STATE_SECONDS": "0",
        "CELERY_TASK_ALWAYS_EAGER": "1", "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1",
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield base, metrics_dir, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def _samples(text: str, name: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


def test_twenty_bookings_on_two_gunicorn_workers_are_twenty_in_one_scrape(committed_tenant, gunicorn_two_workers):
    base, metrics_dir, master_pid = gunicorn_two_workers
    tenant, store = committed_tenant.tenant, committed_tenant.store
    key, room_type = api_booker(tenant, store)
    with tenant_context(tenant):
        today = business_date(store=store)
    url = f"{base}/t/{tenant.slug}/api/v1/stores/{store.pk}/orders/"
    bodies = [booking_body(room_type, today + timedelta(days=i % 10), phone=None) for i in range(20)]
    for body in bodies:  # a person without a phone: the contact is only a name
        body["booker"] = body["guests"][0] = {"full_name": "王小明"}
    with ThreadPoolExecutor(4) as pool:  # four at once: both workers serve some
        statuses = list(pool.map(lambda b: _post(url, b, {"Authorization": f"Token {key}"}), bodies))
    assert statuses == [201] * 20

    assert _get(f"{base}/metrics")[0] == 404  # no token
    assert _get(f"{base}/metrics", {"Authorization": "Bearer wrong"})[0] == 404
    status, text, headers = _get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and headers["Content-Type"].startswith("text/plain")

    workers = {p.stem.split("_")[-1] for p in metrics_dir.glob("counter_*.db")} - {str(master_pid)}
    assert len(workers) == 2, workers  # both workers counted (and the stale file was removed)
    assert _samples(text, "pms_bookings_total") == {(("store", f"{tenant.slug}/{store.pk}"),): 20.0}
    requests = _samples(text, "pms_http_requests_total")
    route = "api/v1/stores/<int:store_id>/orders/"
    assert requests[(("method", "POST"), ("route", route), ("status", "201"))] == 20.0
    durations = _samples(text, "pms_http_request_duration_seconds_count")
    assert durations[(("method", "POST"), ("route", route))] == 20.0
    # the state read at the scrape: the outbox published eagerly, nothing waits
    assert _samples(text, "pms_outbox_oldest_pending_age_seconds") == {(): 0.0}
    assert _samples(text, "pms_webhook_delivery_lag_seconds") == {(): 0.0}
    lag = _samples(text, "pms_night_audit_business_date_lag_days")
    assert lag[(("store", str(store.pk)), ("tenant", tenant.slug))] == 0.0
