"""/healthz (alive) against /readyz (PostgreSQL, Redis, migrations, each bounded): a frozen
Redis or PostgreSQL makes /readyz 503 within its timeout, never a hung probe; /healthz
answers whatever they do."""
from __future__ import annotations

import time

import pytest
from django.db import connections

from apps.common import health
from apps.common.tests.test_faults import dead_port, frozen_server


@pytest.fixture
def redis_at(settings):
    real = settings.REDIS_URL

    def point(port: int) -> None:
        settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
        health._redis.cache_clear()

    yield point
    settings.REDIS_URL = real
    health._redis.cache_clear()


def _timed(client, path):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_ready_when_everything_answers_on_the_public_and_a_tenants_path(client, world):
    for path in ("/readyz", "/t/alpha/readyz"):
        response = client.get(path)
        assert (response.status_code, response.json()) == (
            200, {"status": "ok", "database": "ok", "redis": "ok", "migrations": "ok"}), path


def test_frozen_redis_is_503_within_the_timeout_and_healthz_stays_200(client, db, redis_at, settings):
    settings.PMS_READY_TIMEOUT_S = 2.0
    with frozen_server(hold_s=10) as port:
        redis_at(port)
        response, took = _timed(client, "/readyz")
        alive, alive_took = _timed(client, "/healthz")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "error: TimeoutError", "migrations": "ok"}
    assert took < 1.5  # the client's own socket timeout (0.5 s), well within the probe's bound
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"}) and alive_took < 0.5


def test_stopped_redis_is_503_at_once(client, db, redis_at):
    redis_at(dead_port())
    response, took = _timed(client, "/readyz")
    assert response.status_code == 503 and response.json()["redis"] == "error: ConnectionError"
    assert took < 1.0


def test_frozen_postgresql_is_503_after_the_timeout_not_a_hang(client, db, settings, monkeypatch):
    """The probe's own connection goes to a server that accepts and never answers: the
    check is abandoned at PMS_READY_TIMEOUT_S (its thread ends with the connect timeout)."""
    settings.PMS_READY_TIMEOUT_S = 1.0
    with frozen_server(hold_s=10) as port:
        monkeypatch.setitem(connections.settings["default"], "HOST", "127.0.0.1")
        monkeypatch.setitem(connections.settings["default"], "PORT", str(port))
        response, took = _timed(client, "/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "timeout", "redis": "ok", "migrations": "unknown"}
    assert 0.9 < took < 2.0


def test_a_migration_not_applied_is_not_ready(client, db, monkeypatch):
    required = health._required_migrations()
    monkeypatch.setattr(health, "_required_migrations", lambda: required | {("orders", "9999_not_applied")})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable", "database": "ok", "redis": "ok", "migrations": "missing: orders.9999_not_applied",
    }
