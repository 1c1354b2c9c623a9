"""API rate limits per token and per tenant (Redis counters): 429 in the one error shape
with Retry-After; one tenant's flood throttles neither another tenant nor, per token,
another token."""
from __future__ import annotations

import uuid

import pytest

from apps.common import rate_limits


@pytest.fixture
def limits(settings):
    settings.PMS_API_RATE_NAMESPACE = uuid.uuid4().hex[:12]  # counters of this test only
    settings.PMS_API_RATE_WINDOW_SECONDS = 3600

    def set_limits(*, per_token: int, per_tenant: int) -> None:
        settings.PMS_API_RATE_PER_TOKEN, settings.PMS_API_RATE_PER_TENANT = per_token, per_tenant

    return set_limits


def _me(client):
    return client.get(f"{client.prefix}/me/")


def test_one_tenants_flood_does_not_throttle_another_tenant(api, limits):
    limits(per_token=0, per_tenant=5)
    alpha_clerk, alpha_admin, beta = api("alpha", "clerk_a1"), api("alpha", "admin_a"), api("beta", "clerk_b1")
    assert [_me(alpha_clerk).status_code for _ in range(5)] == [200] * 5
    refused = _me(alpha_admin)  # another token of the flooded tenant: the tenant's limit
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 3600
    assert refused.json() == {
        "detail": refused.json()["detail"], "code": "throttled", "extra": {"retry_after_s": wait},
        "request_id": refused["X-Request-ID"],
    }
    assert [_me(beta).status_code for _ in range(5)] == [200] * 5  # beta counts on its own


def test_one_tokens_flood_does_not_throttle_another_token_of_its_tenant(api, limits):
    limits(per_token=3, per_tenant=100)
    clerk, admin = api("alpha", "clerk_a1", language="en"), api("alpha", "admin_a")
    assert [_me(clerk).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _me(admin).status_code == 200


def test_no_limit_when_both_are_zero(api, limits):
    limits(per_token=0, per_tenant=0)
    clerk = api("alpha", "clerk_a1")
    assert {_me(clerk).status_code for _ in range(5)} == {200}


def test_unauthenticated_requests_are_not_counted(api, limits):
    limits(per_token=1, per_tenant=1)
    anonymous = api("alpha")
    assert [_me(anonymous).status_code for _ in range(3)] == [401] * 3


def test_redis_away_lets_requests_through_and_pauses_counting(api, limits, settings, monkeypatch):
    """A stopped Redis (a port nothing listens on): the request is served, not refused nor
    503, and the next ones do not try Redis again during the pause."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    limits(per_token=1, per_tenant=1)
    settings.REDIS_URL = f"redis://127.0.0.1:{closed}/0"
    rate_limits._client.cache_clear()
    monkeypatch.setattr(rate_limits, "_paused_until", 0.0)
    tried = []
    real = rate_limits._client

    def counting_client():
        tried.append(1)
        return real()

    monkeypatch.setattr(rate_limits, "_client", counting_client)
    try:
        clerk = api("alpha", "clerk_a1")
        assert [_me(clerk).status_code for _ in range(3)] == [200, 200, 200]
        assert len(tried) == 1
    finally:
        real.cache_clear()
