"""Log-in throttling with a cool-off, on the real Redis (apps/tenancy/throttling.py)."""
import time

import pytest

from apps.tenancy.models import ApiToken
from tests.errors import error_json
from tests.world import PASSWORD

THROTTLED_ZH = {"detail": "登录失败次数过多，请 15 分钟后再试。", "code": "throttled", "extra": {"retry_after_s": 900}}


def _login(client, username, password):
    return client.post(client.prefix + "/auth/login/", {"username": username, "password": password}, format="json")


def _fail(client, username, times):
    for _ in range(times):
        assert _login(client, username, "wrong-password").status_code == 401


def test_five_failures_lock_the_user_name_with_retry_after(app_client, new_staff, world, in_alpha):
    user = new_staff("alpha")
    c = app_client("alpha")
    _fail(c, user.username, 5)
    # even the right password is refused during the cool-off
    response = _login(c, user.username, PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert error_json(response) == THROTTLED_ZH
    # from another address too: the user name is locked
    assert _login(app_client("alpha"), user.username, PASSWORD).status_code == 429
    en = _login(app_client("alpha", language="en"), user.username, PASSWORD)
    assert en.json()["detail"] == "Too many failed log-in attempts. Try again in 15 minutes."
    assert not ApiToken.objects.filter(user=user).exists()


@pytest.mark.slow  # waits for the cool-off
def test_the_lock_lifts_after_the_cool_off(app_client, new_staff, settings, world):
    settings.PMS_LOGIN_COOLOFF_SECONDS = 1
    user = new_staff("alpha")
    c = app_client("alpha")
    _fail(c, user.username, 5)
    locked = _login(c, user.username, PASSWORD)
    assert locked.status_code == 429
    assert locked["Retry-After"] == "1" and locked.json()["extra"] == {"retry_after_s": 1}
    time.sleep(1.2)
    assert _login(c, user.username, PASSWORD).status_code == 200
    # counting starts afresh: one more failure does not lock
    _fail(c, user.username, 1)
    assert _login(c, user.username, PASSWORD).status_code == 200


def test_a_successful_log_in_clears_the_user_name_counter(app_client, new_staff, world):
    user = new_staff("alpha")
    c = app_client("alpha")
    _fail(c, user.username, 4)
    assert _login(c, user.username, PASSWORD).status_code == 200
    _fail(c, user.username, 4)
    assert _login(c, user.username, PASSWORD).status_code == 200


def test_failures_from_one_address_lock_that_address(app_client, new_staff, settings, world):
    settings.PMS_LOGIN_FAILURES_PER_IP = 3
    first, second = new_staff("alpha"), new_staff("alpha")
    c = app_client("alpha")
    _fail(c, "nobody-1", 1)
    _fail(c, "nobody-2", 1)
    _fail(c, first.username, 1)
    response = _login(c, second.username, PASSWORD)
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    # another address is not affected
    assert _login(app_client("alpha"), second.username, PASSWORD).status_code == 200


def test_counters_are_per_tenant(app_client, world):
    c = app_client("alpha")
    _fail(c, "admin_b", 5)  # no such user in alpha
    assert _login(c, "admin_b", PASSWORD).status_code == 429
    assert _login(app_client("beta"), "admin_b", PASSWORD).status_code == 200


def test_drf_token_endpoint_is_throttled(app_client, new_staff, world):
    user = new_staff("alpha")
    c = app_client("alpha")
    for _ in range(5):
        response = c.post(c.prefix + "/auth/token/", {"username": user.username, "password": "nope"}, format="json")
        assert response.status_code == 400
    response = c.post(c.prefix + "/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert error_json(response) == THROTTLED_ZH
    # the app's log-in shares the counters
    assert _login(app_client("alpha"), user.username, PASSWORD).status_code == 429


def test_back_office_login_form_is_throttled(client, new_staff, world):
    user = new_staff("alpha")
    client.defaults["REMOTE_ADDR"] = "10.250.0.1"
    for _ in range(5):
        response = client.post("/t/alpha/login/", {"username": user.username, "password": "nope"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/t/alpha/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "登录失败次数过多，请 15 分钟后再试。" in page and "用户名或密码错误" not in page
    assert "_auth_user_id" not in client.session


def test_back_office_success_clears_the_counter(client, new_staff, world):
    user = new_staff("alpha")
    client.defaults["REMOTE_ADDR"] = "10.250.0.2"
    for _ in range(4):
        client.post("/t/alpha/login/", {"username": user.username, "password": "nope"})
    assert client.post("/t/alpha/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post("/t/alpha/login/", {"username": user.username, "password": "nope"})
    assert client.post("/t/alpha/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
