"""Log-in throttle, issue 17: an atomic check-and-count on every password form (API, back
office, tenant admin, platform admin), keyed so that strangers cannot lock out a user on her
known device, and a client address that a proxy cannot turn into a lock of the whole tenant.
On the real Redis (apps/tenancy/throttling.py)."""
from __future__ import annotations

import threading
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test import Client, RequestFactory
from django_tenants.utils import tenant_context

from apps.tenancy.models import StaffProfile
from apps.tenancy.services import staff_create
from apps.tenancy.throttling import client_ip, device_cookie_name
from tests.fixtures import run_concurrently, unique_ip
from tests.world import PASSWORD


@pytest.fixture
def password_checks(monkeypatch):
    """Every password Django checks (``ModelBackend.authenticate``), from any thread."""
    checked: list[str] = []
    lock = threading.Lock()
    original = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        with lock:
            checked.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return checked


def _api_login(client: Client, slug: str, username: str, password: str, **extra):
    return client.post(f"/t/{slug}/api/v1/auth/login/", {"username": username, "password": password, **extra},
                       content_type="application/json")


# --- 1. parallel guesses: at most the limit reach the password check -----------------------

PARALLEL = 16


@pytest.mark.parametrize("path", ["/t/alpha/api/v1/auth/login/", "/t/alpha/api/v1/auth/token/", "/t/alpha/login/",
                                  "/t/alpha/admin/login/", "/admin/login/"])
def test_parallel_guesses_check_no_more_passwords_than_the_limit(world, password_checks, path):
    # a user name of its own (no such user: Django still checks a password, against a dummy hash)
    username, ip = f"victim-{uuid.uuid4().hex[:8]}", unique_ip()
    is_json = "/api/" in path

    def guess(i):
        client = Client(REMOTE_ADDR=ip)
        body = {"username": username, "password": f"guess-{i}"}
        response = client.post(path, body, content_type="application/json") if is_json else client.post(path, body)
        return response.status_code

    statuses = run_concurrently(guess, [(i,) for i in range(PARALLEL)])
    assert not [s for s in statuses if isinstance(s, BaseException)], statuses
    assert password_checks.count(username) == 5  # the limit per user name, not one more
    assert statuses.count(429) == PARALLEL - 5


# --- 2. strangers cannot lock out a user on her known device -------------------------------


@pytest.fixture
def wang_fang(world):
    with tenant_context(world.alpha.tenant):
        return staff_create(username=f"王芳{uuid.uuid4().hex[:4]}", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK,
                            stores=[world.alpha.stores["A1"]], display_name="王芳")


def test_app_a_stranger_failing_50_times_does_not_lock_out_wang_fang_on_her_phone(world, wang_fang):
    name = wang_fang.username
    phone, attacker = Client(REMOTE_ADDR=unique_ip()), Client(REMOTE_ADDR=unique_ip())
    first = _api_login(phone, "alpha", name, PASSWORD)
    assert first.status_code == 200
    device_id = first.json()["device_id"]

    statuses = [_api_login(attacker, "alpha", name, "guess").status_code for _ in range(50)]
    assert statuses == [401] * 5 + [429] * 45

    # her phone: counted per device, not locked by the stranger's failures
    again = _api_login(phone, "alpha", name, PASSWORD, device_id=device_id)
    assert again.status_code == 200, again.content
    # the stranger stays locked, even with her password
    assert _api_login(attacker, "alpha", name, PASSWORD).status_code == 429
    # and so is any device she never logged in from
    assert _api_login(Client(REMOTE_ADDR=unique_ip()), "alpha", name, PASSWORD).status_code == 429
    # a device token is hers only: with another user name it is a stranger's attempt
    someone, c = f"nobody-{uuid.uuid4().hex[:6]}", Client(REMOTE_ADDR=unique_ip())
    statuses = [_api_login(c, "alpha", someone, "guess", device_id=device_id).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_back_office_a_stranger_failing_50_times_does_not_lock_out_wang_fang_at_her_desk(world, wang_fang):
    name = wang_fang.username
    desk, attacker = Client(REMOTE_ADDR=unique_ip()), Client(REMOTE_ADDR=unique_ip())
    assert desk.post("/t/alpha/login/", {"username": name, "password": PASSWORD}).status_code == 302
    with tenant_context(world.alpha.tenant):
        cookie_name = device_cookie_name(name)
    cookie = desk.cookies[cookie_name]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    desk.post("/t/alpha/logout/")

    statuses = [attacker.post("/t/alpha/login/", {"username": name, "password": "guess"}).status_code for _ in range(50)]
    assert statuses == [200] * 5 + [429] * 45

    assert desk.post("/t/alpha/login/", {"username": name, "password": PASSWORD}).status_code == 302
    assert attacker.post("/t/alpha/login/", {"username": name, "password": PASSWORD}).status_code == 429
    assert "_auth_user_id" not in attacker.session


def test_failures_from_her_own_device_lock_that_device_only(world, wang_fang, settings):
    settings.PMS_LOGIN_FAILURES_PER_DEVICE = 3
    name = wang_fang.username
    phone = Client(REMOTE_ADDR=unique_ip())
    device_id = _api_login(phone, "alpha", name, PASSWORD).json()["device_id"]
    statuses = [_api_login(phone, "alpha", name, "typo", device_id=device_id).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _api_login(phone, "alpha", name, PASSWORD, device_id=device_id).status_code == 429
    # her user name is not locked by her own device's failures
    assert _api_login(Client(REMOTE_ADDR=unique_ip()), "alpha", name, PASSWORD).status_code == 200


def test_a_forged_or_foreign_device_token_is_a_strangers_attempt(world, wang_fang):
    name = wang_fang.username
    beta_device = _api_login(Client(REMOTE_ADDR=unique_ip()), "beta", "clerk_b1", PASSWORD).json()["device_id"]
    attacker = Client(REMOTE_ADDR=unique_ip())
    for device_id in ["forged", beta_device] * 3:
        _api_login(attacker, "alpha", name, "guess", device_id=device_id)
    assert _api_login(attacker, "alpha", name, PASSWORD, device_id=beta_device).status_code == 429


# --- 3. the client address behind a proxy --------------------------------------------------


def test_behind_an_unconfigured_proxy_failures_do_not_lock_the_whole_tenant(world, new_staff):
    proxy = unique_ip()
    user = new_staff("alpha")
    # 40 failures on 40 user names, all arriving from the proxy's address
    for i in range(40):
        c = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
        assert _api_login(c, "alpha", f"nobody-{uuid.uuid4().hex[:6]}", "guess").status_code == 401
    ok = _api_login(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.200"), "alpha", user.username, PASSWORD)
    assert ok.status_code == 200


def test_with_trusted_proxies_the_address_is_the_one_our_proxy_saw(world, new_staff, settings):
    settings.PMS_TRUSTED_PROXY_COUNT = 1
    settings.PMS_LOGIN_FAILURES_PER_IP = 3
    proxy, client_address = unique_ip(), unique_ip()
    # the client writes anything to the left of what our proxy appends: it changes nothing
    for spoofed in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        c = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{spoofed}, {client_address}")
        assert _api_login(c, "alpha", f"nobody-{uuid.uuid4().hex[:6]}", "guess").status_code == 401
    user = new_staff("alpha")
    locked = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"9.9.9.9, {client_address}")
    assert _api_login(locked, "alpha", user.username, PASSWORD).status_code == 429
    # another client behind the same proxy is not affected
    other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=unique_ip())
    assert _api_login(other, "alpha", user.username, PASSWORD).status_code == 200


@pytest.mark.parametrize(("count", "meta", "expected"), [
    (0, {"REMOTE_ADDR": "203.0.113.5"}, "203.0.113.5"),
    (0, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, None),  # an unknown proxy
    (1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"}, "203.0.113.5"),
    (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5, 10.0.0.1"}, "203.0.113.5"),
    (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "10.0.0.2"),  # skipped a proxy
])
def test_client_ip(settings, count, meta, expected):
    settings.PMS_TRUSTED_PROXY_COUNT = count
    settings.PMS_CLIENT_IP_META = "REMOTE_ADDR"
    request = RequestFactory().get("/")
    request.META.update(meta)
    if "HTTP_X_FORWARDED_FOR" not in meta:
        request.META.pop("HTTP_X_FORWARDED_FOR", None)
    assert client_ip(request) == expected


# --- 4. the admin log-ins are throttled ------------------------------------------------------


def test_thirty_wrong_passwords_then_the_right_one_do_not_open_the_tenant_admin(world):
    with tenant_context(world.alpha.tenant):
        boss = staff_create(username=f"boss-{uuid.uuid4().hex[:6]}", password=PASSWORD, role=StaffProfile.Role.TENANT_ADMIN)
    c = Client(REMOTE_ADDR=unique_ip())
    statuses = [c.post("/t/alpha/admin/login/", {"username": boss.username, "password": f"g{i}"}).status_code for i in range(30)]
    assert statuses == [200] * 5 + [429] * 25
    response = c.post("/t/alpha/admin/login/", {"username": boss.username, "password": PASSWORD})
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert "_auth_user_id" not in c.session


def test_thirty_wrong_passwords_then_the_right_one_do_not_open_the_platform_admin(db):
    connection.set_schema_to_public()
    root = get_user_model().objects.create_superuser(username=f"root-{uuid.uuid4().hex[:6]}", password=PASSWORD)
    c = Client(REMOTE_ADDR=unique_ip())
    statuses = [c.post("/admin/login/", {"username": root.username, "password": f"g{i}"}).status_code for i in range(30)]
    assert statuses == [200] * 5 + [429] * 25
    assert c.post("/admin/login/", {"username": root.username, "password": PASSWORD}).status_code == 429
    assert "_auth_user_id" not in c.session


@pytest.mark.parametrize(("key", "meta", "expected"), [
    ("HTTP_X_REAL_IP", {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_REAL_IP": "203.0.113.5"}, "203.0.113.5"),
    # the first entry is the client's to write: the last is what our proxy saw
    ("HTTP_X_FORWARDED_FOR", {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"}, "203.0.113.5"),
])
def test_client_ip_from_a_header_our_proxy_sets(settings, key, meta, expected):
    settings.PMS_TRUSTED_PROXY_COUNT = 0
    settings.PMS_CLIENT_IP_META = key
    request = RequestFactory().get("/")
    request.META.update(meta)
    assert client_ip(request) == expected


# --- an outage locks nobody out -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/t/alpha/api/v1/auth/login/", "/t/alpha/login/"])
def test_log_ins_answered_503_during_an_outage_count_against_nobody(world, wang_fang, monkeypatch, path):
    """PostgreSQL away while the password is checked: 503, and the attempt is given back, so
    ten tries during a restart do not lock 王芳 out when it is back (they did: 429 for 15 min)."""
    from django.db import OperationalError

    name, ip = wang_fang.username, unique_ip()
    is_json = "/api/" in path

    def attempt(password):
        client = Client(REMOTE_ADDR=ip, raise_request_exception=False)
        body = {"username": name, "password": password}
        return (client.post(path, body, content_type="application/json") if is_json else client.post(path, body)).status_code

    original = ModelBackend.authenticate

    def away(self, request, username=None, password=None, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(ModelBackend, "authenticate", away)
    assert [attempt(PASSWORD) for _ in range(10)] == [503] * 10
    monkeypatch.setattr(ModelBackend, "authenticate", original)
    assert attempt(PASSWORD) == (200 if is_json else 302)
