"""A real Celery worker for integration tests: a subprocess on the real Redis (a
database index of its own and a queue named for the test) against the test database.

The test process sends to the same broker and queue (``celery_app_sending``); the worker
is always terminated (its whole process group) when the test ends. ``celery_worker_factory``
is a fixture of every test (``conftest.py`` loads this module as a plugin).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("PMS_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/5")


def _redis():
    import redis

    return redis.Redis.from_url(BROKER)


def broker_available() -> bool:
    try:
        return bool(_redis().ping())
    except Exception:  # noqa: BLE001 - any failure means "no broker"
        return False


def database_url() -> str:
    """The test database (pytest-django renamed settings' NAME) as a DATABASE_URL."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, queue: str, log_path: Path, env: dict, app: str = "config"):
        self.queue, self.log_path, self.env, self.app = queue, log_path, env, app
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> Worker:
        cmd = [
            sys.executable, "-m", "celery", "-A", self.app, "worker", "--pool=prefork", "--concurrency=2",
            "-Q", self.queue, "-n", f"{self.queue}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle",
            "--loglevel=INFO",
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log()[-3000:]}")
            if " ready." in self.log():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"worker did not start: {self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


def _reset_pools(app) -> None:
    # Forget the app's pools (kombu keeps one pool per broker URL process-wide; closing it
    # would break the next user of that URL).
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@contextmanager
def celery_app_sending(queue: str):
    """The test process sends tasks to the broker and queue of the test worker (not eagerly)."""
    from config.celery import app

    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    if app.conf.broker_url != BROKER:
        _reset_pools(app)
    app.conf.update(task_always_eager=False, broker_url=BROKER, task_default_queue=queue)
    try:
        yield app
    finally:
        app.conf.update(saved)


@pytest.fixture
def celery_worker_factory(tmp_path):
    """``start(app="config", **env)`` -> a running ``Worker`` of the Celery app ``app`` (a
    test may give a module of its own that wraps ``config.celery``'s), with extra
    environment variables."""
    if not broker_available():
        pytest.skip(f"no Redis at {BROKER}")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    workers: list[Worker] = []

    def start(app: str = "config", **extra_env) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": BROKER,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **{k: str(v) for k, v in extra_env.items()},
        }
        worker = Worker(queue, tmp_path / f"worker-{len(workers)}.log", env, app)
        workers.append(worker)
        return worker.start()

    start.queue = queue
    try:
        yield start
    finally:
        from config.celery import app

        _reset_pools(app)
        for worker in workers:
            worker.stop()
        r = _redis()
        for key in r.scan_iter(f"*{queue}*"):
            r.delete(key)
        r.delete(queue)


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.25, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
