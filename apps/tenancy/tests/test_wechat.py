"""WeChat binding and log-in with the fake code2Session client (and the HTTP client against a local stub)."""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from apps.tenancy.models import ApiToken, WeChatBinding
from apps.tenancy.wechat import FakeWeChatClient, HttpWeChatClient, WeChatError
from tests.errors import error_json


def _code() -> tuple[str, str]:
    """A fresh fake code and the openid it stands for."""
    rest = uuid.uuid4().hex[:12]
    return f"fake-{rest}", f"o-{rest}"


def _bind(client, code):
    return client.post(client.prefix + "/auth/wechat/bind/", {"code": code}, format="json")


def _wx_login(client, code):
    return client.post(client.prefix + "/auth/wechat/login/", {"code": code}, format="json")


def test_bind_then_log_in_with_wechat(login, app_client, world, in_alpha):
    c, _body = login("alpha", "clerk_a1")
    assert c.get(c.prefix + "/auth/wechat/bind/").json() == {"bound": False, "bound_at": None}
    code, openid = _code()
    response = _bind(c, code)
    assert response.status_code == 200
    assert response.json()["bound"] is True and response.json()["bound_at"]
    binding = WeChatBinding.objects.get(user=world.alpha.users["clerk_a1"])
    assert (binding.openid, binding.unionid) == (openid, "")
    assert c.get(c.prefix + "/auth/wechat/bind/").json()["bound"] is True

    # the bind code is used up; the mini-program gets a new code at each wx.login()
    assert _wx_login(app_client("alpha"), code).json()["code"] == "wechat_code_used"
    wx = _wx_login(app_client("alpha"), code + "~2")
    assert wx.status_code == 200
    body = wx.json()
    assert body["user"]["username"] == "clerk_a1" and body["token_type"] == "Bearer"
    assert ApiToken.objects.filter(user=world.alpha.users["clerk_a1"], kind="access").count() == 2
    assert WeChatBinding.objects.get(pk=binding.pk).last_login_at is not None


def test_wechat_login_of_an_unbound_account_answers_wechat_not_bound(app_client, world, in_alpha):
    code, _openid = _code()
    response = _wx_login(app_client("alpha", language="en"), code)
    assert response.status_code == 401
    assert error_json(response) == {
        "detail": "This WeChat account is not linked to a staff account. "
                  "Log in with your user name and password, then link it.",
        "code": "wechat_not_bound", "extra": {},
    }
    assert not ApiToken.objects.exclude(kind="integration").exists()


def test_bad_and_reused_codes_are_refused(login, app_client, world):
    c, _body = login("alpha", "clerk_a1")
    bad = _bind(c, "bad-code")
    assert bad.status_code == 400
    assert error_json(bad) == {"detail": "微信登录凭证无效。", "code": "wechat_code_invalid", "extra": {}}
    code, _openid = _code()
    assert _wx_login(app_client("alpha"), code).json()["code"] == "wechat_not_bound"
    reused = _wx_login(app_client("alpha"), code)
    assert reused.status_code == 400
    assert error_json(reused) == {"detail": "微信登录凭证已被使用。", "code": "wechat_code_used", "extra": {}}


def test_an_openid_bound_to_another_account_cannot_be_bound_again(login, world, in_alpha):
    code, openid = _code()
    clerk, _ = login("alpha", "clerk_a1")
    assert _bind(clerk, code).status_code == 200
    thief, _ = login("alpha", "clerk_a2", language="en")
    response = _bind(thief, code + "~2")  # the same WeChat account, a new code
    assert response.status_code == 409
    assert error_json(response) == {
        "detail": "This WeChat account is already linked to another staff account.",
        "code": "wechat_openid_taken", "extra": {},
    }
    assert list(WeChatBinding.objects.values_list("user__username", flat=True)) == ["clerk_a1"]


def test_binding_again_replaces_the_users_wechat_account(login, world, in_alpha):
    c, _ = login("alpha", "clerk_a1")
    first, _openid1 = _code()
    second, openid2 = _code()
    assert _bind(c, first).status_code == 200
    assert _bind(c, second).status_code == 200
    assert list(WeChatBinding.objects.values_list("openid", flat=True)) == [openid2]


def test_unbind(login, app_client, world, in_alpha):
    c, _ = login("alpha", "clerk_a1", language="en")
    code, openid = _code()
    assert _bind(c, code).status_code == 200
    assert c.delete(c.prefix + "/auth/wechat/bind/").status_code == 204
    assert not WeChatBinding.objects.exists()
    again = c.delete(c.prefix + "/auth/wechat/bind/")
    assert again.status_code == 404
    assert error_json(again) == {"detail": "No WeChat account is linked to this staff account.", "code": "wechat_not_bound", "extra": {}}


def test_wechat_binding_of_alpha_is_unknown_in_beta(login, app_client, world):
    c, _ = login("alpha", "admin_a")
    code, _openid = _code()
    assert _bind(c, code).status_code == 200
    response = _wx_login(app_client("beta"), code + "~2")
    assert response.status_code == 401 and response.json()["code"] == "wechat_not_bound"
    assert _wx_login(app_client("alpha"), code + "~3").status_code == 200


def test_wechat_bind_needs_authentication(app_client, world):
    c = app_client("alpha")
    code, _ = _code()
    assert _bind(c, code).status_code == 401


def test_fake_client_is_deterministic_and_single_use():
    client = FakeWeChatClient()
    rest = uuid.uuid4().hex
    assert client.code2session(f"fake-{rest}") == {"openid": f"o-{rest}", "unionid": None}
    with pytest.raises(WeChatError) as used:
        client.code2session(f"fake-{rest}")
    assert used.value.errcode == 40163
    assert client.code2session(f"fake-{rest}~2") == {"openid": f"o-{rest}", "unionid": None}
    for bad in ("bad", "fake-", "fake-~1", ""):
        with pytest.raises(WeChatError) as invalid:
            client.code2session(bad)
        assert invalid.value.errcode == 40029


def test_unconfigured_http_client_answers_wechat_unavailable(login, settings, world):
    settings.PMS_WECHAT_CLIENT = "apps.tenancy.wechat.HttpWeChatClient"
    settings.PMS_WECHAT_APPID = settings.PMS_WECHAT_SECRET = ""
    c, _ = login("alpha", "clerk_a1", language="en")
    response = _bind(c, "anything")
    assert response.status_code == 503
    assert error_json(response) == {
        "detail": "WeChat log-in is not available right now. Try again later.",
        "code": "wechat_unavailable", "extra": {"wechat_errcode": -1},
    }


class _StubWeChat(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        _StubWeChat.seen.append(self.path)
        if "js_code=good" in self.path:
            body = {"openid": "o-real", "session_key": "SECRET-SESSION-KEY", "unionid": "u-1"}
        else:
            body = {"errcode": 40163, "errmsg": "code been used"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_wechat(settings, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _StubWeChat)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setattr(HttpWeChatClient, "URL", f"http://127.0.0.1:{server.server_port}/sns/jscode2session")
    settings.PMS_WECHAT_APPID, settings.PMS_WECHAT_SECRET = "wx-app", "wx-secret"
    _StubWeChat.seen.clear()
    yield _StubWeChat.seen
    server.shutdown()


def test_http_client_calls_jscode2session_and_drops_the_session_key(stub_wechat):
    session = HttpWeChatClient().code2session("good")
    assert session == {"openid": "o-real", "unionid": "u-1"}
    assert "appid=wx-app" in stub_wechat[0] and "js_code=good" in stub_wechat[0]
    assert "grant_type=authorization_code" in stub_wechat[0]
    with pytest.raises(WeChatError) as refused:
        HttpWeChatClient().code2session("used")
    assert refused.value.errcode == 40163


def test_wechat_responses_never_carry_the_session_key(login, settings, stub_wechat, world):
    settings.PMS_WECHAT_CLIENT = "apps.tenancy.wechat.HttpWeChatClient"
    c, _ = login("alpha", "clerk_a1")
    response = _bind(c, "good")
    assert response.status_code == 200
    assert b"SECRET-SESSION-KEY" not in response.content
    login_response = _wx_login(c, "good")
    assert login_response.status_code == 200
    assert b"SECRET-SESSION-KEY" not in login_response.content
