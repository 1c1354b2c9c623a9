"""WeChat ``code2Session``: turns a mini-program's ``wx.login`` code into an openid.

The client is pluggable (setting ``PMS_WECHAT_CLIENT``, a dotted path):

- ``FakeWeChatClient`` for development and tests: ``fake-<x>`` -> openid ``o-<x>``;
  any other code is invalid; a code works once (as in WeChat, where codes are single use
  and live 5 minutes). WeChat gives the same user a new code at every ``wx.login()``:
  ``fake-<x>~<n>`` stands for that (openid ``o-<x>`` for any ``n``).
- ``HttpWeChatClient`` calls ``https://api.weixin.qq.com/sns/jscode2session`` with
  ``PMS_WECHAT_APPID`` / ``PMS_WECHAT_SECRET``. The ``session_key`` WeChat returns is
  dropped here: it never reaches our client, our logs or our database.

Left empty, the setting selects the fake client when ``DEBUG`` is on, else the HTTP one.
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol, TypedDict

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# WeChat's errcodes for a bad code (40029) and a code already used (40163).
ERR_CODE_INVALID = 40029
ERR_CODE_USED = 40163


class WeChatSession(TypedDict):
    openid: str
    unionid: str | None


class WeChatError(Exception):
    """code2Session failed. ``errcode`` is WeChat's (or -1 when WeChat could not be reached)."""

    def __init__(self, errcode: int, errmsg: str = ""):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatClient(Protocol):
    def code2session(self, code: str) -> WeChatSession: ...


class FakeWeChatClient:
    """Deterministic stand-in for development and tests (no network)."""

    PREFIX = "fake-"

    def code2session(self, code: str) -> WeChatSession:
        if not code.startswith(self.PREFIX) or not code[len(self.PREFIX):].split("~", 1)[0]:
            raise WeChatError(ERR_CODE_INVALID, "invalid code")
        # Single use, like WeChat's codes; the cache is shared by every worker process.
        if not cache.add(f"wechat-fake-code:{code}", 1, timeout=300):
            raise WeChatError(ERR_CODE_USED, "code been used")
        rest = code[len(self.PREFIX):].split("~", 1)[0]
        return {"openid": f"o-{rest}", "unionid": None}


class HttpWeChatClient:
    """The real ``jscode2session`` call (cannot run without internet access and an app id)."""

    URL = "https://api.weixin.qq.com/sns/jscode2session"

    def code2session(self, code: str) -> WeChatSession:
        if not (settings.PMS_WECHAT_APPID and settings.PMS_WECHAT_SECRET):
            raise WeChatError(-1, "PMS_WECHAT_APPID / PMS_WECHAT_SECRET are not set")
        query = urllib.parse.urlencode({
            "appid": settings.PMS_WECHAT_APPID, "secret": settings.PMS_WECHAT_SECRET,
            "js_code": code, "grant_type": "authorization_code",
        })
        try:
            with urllib.request.urlopen(f"{self.URL}?{query}", timeout=settings.PMS_WECHAT_TIMEOUT_SECONDS) as response:
                data = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            logger.warning("wechat.code2session_unreachable", extra={"error": type(exc).__name__})
            raise WeChatError(-1, "WeChat could not be reached") from exc
        errcode = int(data.get("errcode") or 0)
        if errcode or not data.get("openid"):
            logger.info("wechat.code2session_refused", extra={"errcode": errcode})
            raise WeChatError(errcode or -1, str(data.get("errmsg", "")))
        return {"openid": data["openid"], "unionid": data.get("unionid") or None}


def wechat_client() -> WeChatClient:
    path = settings.PMS_WECHAT_CLIENT or (
        "apps.tenancy.wechat.FakeWeChatClient" if settings.DEBUG else "apps.tenancy.wechat.HttpWeChatClient"
    )
    return import_string(path)()


@checks.register(checks.Tags.security, deploy=True)
def check_fake_wechat_client(app_configs, **kwargs):
    if settings.PMS_WECHAT_CLIENT.endswith("FakeWeChatClient"):
        return [checks.Warning(
            "PMS_WECHAT_CLIENT is the fake client: anyone can log in as a bound WeChat user.",
            id="tenancy.W001",
        )]
    return []
