"""The mp-weixin build, smoke-tested with miniprogram-simulate (jest + jsdom, Tencent's WXML
compiler from npm): every page of app.json renders, and the overview, room status and
today load from the live API. WeChat's devtools and phones cannot run here."""
from __future__ import annotations

import subprocess

import pytest

from tests.owner_app import app_build
from tests.owner_app.day import figures, owner_day

pytestmark = pytest.mark.slow


def test_mp_weixin_pages_render_and_load_the_live_api(owner_app_built, committed_tenant, live_server):
    w = owner_day(committed_tenant)
    revenue = f"{figures(w, w.store)['today']['room_revenue']:.2f}"
    env = app_build.node_env({
        "PMS_API_ORIGIN": live_server.url, "PMS_TENANT": w.slug, "PMS_USERNAME": "admin_c", "PMS_PASSWORD": w.password,
        "PMS_EXPECT_REVENUE": revenue, "PMS_EXPECT_ROOMS": "101,102,201", "PMS_EXPECT_GUEST": "张三",
        "PMS_ORDER_ID": str(w.arriving.pk), "PMS_STORE_ID": str(w.store.pk),
    })
    proc = subprocess.run(
        ["nice", "-n", "10", "node", "node_modules/.bin/jest", "--config", "mp-test/jest.config.js", "--ci", "--runInBand"],
        cwd=app_build.APP, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-8000:]
    assert "3 passed" in proc.stderr, proc.stderr[-3000:]
    assert app_build.offline_violations() == []
