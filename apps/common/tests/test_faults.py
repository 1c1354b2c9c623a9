"""Transient faults answer 503 with Retry-After within a second, in the one error shape
(pages: a plain 503 page), never 500 and never a hung worker.

Redis frozen is a local socket that accepts connections and never answers (what a
SIGSTOPped redis-server does: the kernel still completes the TCP handshake); it lets a
connection go after ``HOLD_S`` so that code without timeouts fails the test instead of
hanging it. Redis stopped is a port nobody listens on; PostgreSQL away is the same for
the database connection."""
from __future__ import annotations

import socket
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from apps.common.faults import transient_fault
from tests.errors import error_json
from tests.fixtures import unique_ip

HOLD_S = 5
ZH = "服务暂时不可用，请几秒后重试。"


@contextmanager
def frozen_server(hold_s: float = HOLD_S):
    """A TCP server that accepts and never answers (for ``hold_s``); yields its port."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    stop = threading.Event()

    def hold(conn):
        stop.wait(hold_s)
        conn.close()

    def serve():
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except OSError:
                continue
            threading.Thread(target=hold, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        server.close()


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cache_at(settings, port: int) -> None:
    caches = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    settings.CACHES = caches  # Django drops its cache clients on this setting's change


def _assert_503_json(response, took: float) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert error_json(response) == {"detail": ZH, "code": "service_unavailable", "extra": {"retry_after_s": 5}}
    assert took < 1.5


def test_api_log_in_answers_503_within_a_second_while_redis_is_frozen(api, world, settings):
    c = api("alpha")
    c.get(c.prefix + "/auth/token/")  # the first request of the process loads the URLs and views
    with frozen_server() as port:
        _cache_at(settings, port)
        started = time.monotonic()
        response = c.post(c.prefix + "/auth/token/", {"username": "clerk_a1", "password": "test-pass-123"},
                          format="json", REMOTE_ADDR=unique_ip())
        took = time.monotonic() - started
    _assert_503_json(response, took)


def test_api_log_in_answers_503_while_redis_is_stopped(api, world, settings):
    c = api("alpha", language="en")
    _cache_at(settings, dead_port())
    started = time.monotonic()
    response = c.post(c.prefix + "/auth/token/", {"username": "clerk_a1", "password": "wrong"},
                      format="json", REMOTE_ADDR=unique_ip())
    took = time.monotonic() - started
    assert response.status_code == 503 and took < 1.5
    assert response.json()["detail"] == "The service is briefly unavailable. Please try again in a few seconds."


def test_back_office_log_in_page_answers_a_chinese_503_page_while_redis_is_frozen(world, settings):
    client = Client(raise_request_exception=False)  # what a browser gets, not the exception
    with frozen_server() as port:
        _cache_at(settings, port)
        started = time.monotonic()
        response = client.post("/t/alpha/login/", {"username": "clerk_a1", "password": "test-pass-123"},
                               REMOTE_ADDR=unique_ip())
        took = time.monotonic() - started
    assert response.status_code == 503 and took < 1.5
    assert response["Retry-After"] == "5" and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "服务暂时不可用" in page and ZH in page


def test_requests_that_need_no_redis_keep_working_while_it_is_frozen(api, world, settings):
    c = api("alpha", "clerk_a1")
    with frozen_server() as port:
        _cache_at(settings, port)
        started = time.monotonic()
        response = c.get(c.prefix + "/stores/")
        took = time.monotonic() - started
    assert response.status_code == 200 and took < 1.0


@pytest.fixture
def database_away(django_db_blocker):
    """The default connection pointed at a port where no PostgreSQL listens (restarting)."""
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", str(dead_port())
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


def test_api_answers_503_while_postgresql_is_away(database_away):
    client = Client(raise_request_exception=False)  # the tenant lookup may fail in a middleware: what the client gets
    started = time.monotonic()
    response = client.get("/t/alpha/api/v1/stores/", HTTP_AUTHORIZATION="Token nothing")
    _assert_503_json(response, time.monotonic() - started)


def test_pages_answer_a_503_page_while_postgresql_is_away(database_away):
    client = Client(raise_request_exception=False)
    response = client.get(f"/t/away{uuid.uuid4().hex[:8]}/login/")  # the tenant is read from the database
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "服务暂时不可用" in response.content.decode()


def test_what_counts_as_transient():
    import redis
    from django.db import IntegrityError, OperationalError

    assert transient_fault(redis.exceptions.TimeoutError("frozen"))
    assert transient_fault(redis.exceptions.ConnectionError("refused"))
    assert transient_fault(OperationalError("server closed the connection unexpectedly"))
    try:
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as wrapped:
        assert transient_fault(wrapped)
    assert not transient_fault(IntegrityError("duplicate key"))
    assert not transient_fault(ValueError("bug"))


def test_a_publish_to_a_frozen_broker_gives_up_within_seconds(settings):
    """The Celery settings bound every broker call: a publish to a Redis that accepts and
    never answers raises (it used to wait for as long as the socket stayed open)."""
    from celery import Celery
    from kombu.exceptions import OperationalError as BrokerOperationalError

    # not the current app: tasks bound later (shared_task, the worker tests) must keep the project's broker
    app = Celery("faults-probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.task_always_eager = False  # the test settings' eager mode does not apply to a publish
    with frozen_server(hold_s=30) as port:
        app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
        started = time.monotonic()
        with pytest.raises(BrokerOperationalError):
            app.send_task("nothing.at_all", kwargs={})
        took = time.monotonic() - started
    assert took < 8
    assert transient_fault(BrokerOperationalError("frozen"))
