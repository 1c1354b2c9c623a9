"""Webhook delivery under booking load: 50 bookings/s for 60 s (``BENCH_RATE``,
``BENCH_SECONDS``) in a fresh tenant with one subscriber, a local HTTP receiver that
verifies every signature; a real Celery worker (prefork, 2 processes) on Redis pumps
orders' change feed and delivers. Prints the delivery lag (the receiver's clock minus the
event's time) p50/p95/p99, ``lost`` (confirmed bookings whose event never arrived within
60 s after the load) and ``duplicates_without_retry`` (an event received twice although no
attempt of it failed). Target: p95 < 2 s, lost 0, duplicates 0.

    python bench/webhooks.py
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, bench_env, drop_tenant, emit, fresh_tenant, percentiles  # noqa: E402

RATE = int(os.environ.get("BENCH_RATE", 50))
SECONDS = int(os.environ.get("BENCH_SECONDS", 60))
QUEUE = f"bench-webhooks-{uuid.uuid4().hex[:6]}"
BROKER = os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/6")


class Receiver:
    def __init__(self, secret_box: dict):
        from apps.webhooks.signing import signature_verify

        self.arrivals: list[tuple[str, float]] = []
        self.bad_signatures = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                now = time.time()
                ok = signature_verify(secret=secret_box.get("secret", ""), header=self.headers.get("X-PMS-Signature", ""),
                                      body=body, now=int(now))
                with lock:
                    receiver.arrivals.append((json.loads(body)["id"], now))
                    receiver.bad_signatures += not ok
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def start_worker() -> subprocess.Popen:
    env = {**bench_env(), "CELERY_BROKER_URL": BROKER, "CELERY_TASK_ALWAYS_EAGER": "0", "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
           "PMS_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1", "PMS_WEBHOOK_BACKOFF_S": "1", "LOG_LEVEL": "WARNING"}
    log = open(Path(tempfile.gettempdir()) / f"{QUEUE}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=2", "-Q", QUEUE,
         "-n", f"{QUEUE}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle",
         f"--loglevel={os.environ.get('BENCH_WORKER_LOGLEVEL', 'WARNING')}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )


def wait_ready(proc: subprocess.Popen, timeout: float = 120) -> None:
    from config.celery import app

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("worker exited")
        if app.control.ping(destination=[f"{QUEUE}@{socket.gethostname()}"], timeout=0.5):
            return
    raise RuntimeError("worker did not start")


def main() -> None:
    # This process books and kicks the pump: it sends to the worker's queue, never eagerly.
    os.environ.update({"CELERY_BROKER_URL": BROKER, "CELERY_TASK_ALWAYS_EAGER": "0", "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
                       "PMS_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1"})
    from bench._common import setup_django

    setup_django()
    from django.conf import settings
    from django.db import connection, connections
    from django_tenants.utils import tenant_context

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from apps.orders import services as orders
    from apps.orders.models import OrderEvent
    from apps.rooms.services import room_create, room_type_create
    from apps.tenancy.business_day import business_date
    from apps.webhooks.models import WebhookAttempt, WebhookDelivery
    from apps.webhooks.services import subscription_create

    secret_box: dict = {}
    receiver = Receiver(secret_box)
    tenant, store, admin = fresh_tenant("wh")
    worker = start_worker()
    try:
        wait_ready(worker)
        with tenant_context(tenant):
            orders.channel_defaults_ensure(store=store)
            types = []
            for t in range(4):
                rt = room_type_create(store=store, name=f"T{t}", default_price=Decimal("300"))
                for r in range(100):
                    room_create(store=store, room_type=rt, number=f"{t}{r:03d}")
                types.append(rt)
            sub = subscription_create(store=store, url=receiver.url, event_types=["order.confirmed"])
            secret_box["secret"] = sub.secret
            start_day = business_date(store=store) + timedelta(days=1)
        connection.set_schema_to_public()
        total = RATE * SECONDS
        booked: list[int] = []
        errors = Counter()
        lock = threading.Lock()

        def book(i: int) -> None:
            try:
                connection.set_tenant(tenant)
                rt = types[i % len(types)]
                day = start_day + timedelta(days=(i // len(types)) % 60)
                order = orders.order_create(
                    store=store, actor=admin, confirm=True,
                    stay=orders.StayIn(room_type=rt, arrival=day, departure=day + timedelta(days=1)),
                    party=orders.PartyIn(guests=(orders.PersonIn(full_name=f"客人{i}"),)),
                )
                with lock:
                    booked.append(order.pk)
            except Exception as exc:  # noqa: BLE001 - counted
                with lock:
                    errors[type(exc).__name__] += 1
            finally:
                connections.close_all()

        started = time.time()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for i in range(total):
                due = started + i / RATE
                delay = due - time.time()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(book, i)
        load_s = time.time() - started
        # wait for the deliveries; the beat is not running here: a sweep every 5 s stands in
        # for it (the last changes of the load got no kick after them)
        from apps.webhooks.tasks import sweep

        deadline = time.time() + 60
        next_sweep = 0.0
        while time.time() < deadline and len({e for e, _t in receiver.arrivals}) < len(booked):
            if time.time() >= next_sweep:
                sweep.delay()
                next_sweep = time.time() + 5
            time.sleep(0.5)
        with tenant_context(tenant):
            events = dict(OrderEvent.objects.filter(order_id__in=booked, kind="confirmed").values_list("id", "at"))
            retried = set(WebhookDelivery.objects.filter(subscription=sub, attempts__gt=1).values_list("event_id", flat=True))
            failed_attempts = WebhookAttempt.objects.filter(delivery__subscription=sub).exclude(status_code=200).count()
        connection.set_schema_to_public()
        first_arrival: dict[int, float] = {}
        counts = Counter()
        for event_key, at in receiver.arrivals:
            event_id = int(event_key[4:])
            counts[event_id] += 1
            first_arrival.setdefault(event_id, at)
        lags = [first_arrival[e] - events[e].timestamp() for e in events if e in first_arrival]
        lost = len([e for e in events if e not in first_arrival])
        duplicates = len([e for e, n in counts.items() if n > 1 and e not in retried])
        print(f"lag p95: {percentiles(lags)['p95_ms']} ms; lost: {lost}, duplicates_without_retry: {duplicates}")
        emit({
            "bench": "webhooks", "rate_per_s": RATE, "seconds": SECONDS, "bookings": len(booked),
            "booking_errors": dict(errors), "achieved_rate_per_s": round(len(booked) / load_s, 1),
            "deliveries": len(first_arrival), **{f"lag_{k}": v for k, v in percentiles(lags).items()},
            "lost": lost, "duplicates_without_retry": duplicates, "failed_attempts": failed_attempts,
            "bad_signatures": receiver.bad_signatures,
        })
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=20)
        receiver.server.shutdown()
        drop_tenant(tenant)


if __name__ == "__main__":
    main()
