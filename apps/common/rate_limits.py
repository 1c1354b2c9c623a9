"""API rate limits per token and per tenant, so that one client's or one operator's load
cannot starve the others.

Every authenticated API request is counted twice in Redis, in fixed windows of
``PMS_API_RATE_WINDOW_SECONDS``: once for its credential (the token it came with; a
session's user for the back office's own calls) and once for its tenant. Over either
limit (``PMS_API_RATE_PER_TOKEN``, ``PMS_API_RATE_PER_TENANT``; 0: no limit) it is answered
429 ``throttled`` in the one error shape, with ``Retry-After`` and ``extra.retry_after_s``
(the seconds left in the window). Counters are per tenant schema, so a tenant's flood
never counts against another tenant; a token's flood counts against its own tenant's
limit too.

The counting is one pipelined round trip (``INCR`` and ``EXPIRE`` of both keys). Redis
away (stopped, frozen): the request is let through and counting is skipped for
``PMS_API_RATE_PAUSE_SECONDS`` in this process, so that an outage of Redis stops no
booking (docs/operations.md, "Faults") and costs at most one bounded timeout now and then.
"""
from __future__ import annotations

import logging
import threading
import time
from functools import cache

from django.conf import settings
from django.db import connection
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

_pause_lock = threading.Lock()
_paused_until = 0.0


@cache
def _client():
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=settings.CACHES["default"]["OPTIONS"]["socket_connect_timeout"],
        socket_timeout=settings.CACHES["default"]["OPTIONS"]["socket_timeout"],
    )


def _credential(request) -> str | None:
    """What the request's limit is kept for: its token (by the token row's id), or the
    signed-in user of a session."""
    auth = request.auth
    pk = getattr(auth, "pk", None)
    if pk is not None:
        return f"{type(auth).__name__.lower()}:{pk}"
    user = request.user
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return None


def _prefix() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:rl:{settings.PMS_API_RATE_NAMESPACE}:"


class ApiRateThrottle(BaseThrottle):
    """DRF throttle (``DEFAULT_THROTTLE_CLASSES``): per token and per tenant, see the module."""

    def allow_request(self, request, view) -> bool:
        global _paused_until
        self._wait = None
        schema = connection.schema_name
        per_token, per_tenant = settings.PMS_API_RATE_PER_TOKEN, settings.PMS_API_RATE_PER_TENANT
        credential = _credential(request)
        if schema in (None, "public") or credential is None or (per_token <= 0 and per_tenant <= 0):
            return True  # not a tenant's authenticated request (log-in has its own throttle)
        if time.monotonic() < _paused_until:
            return True
        window = max(1, settings.PMS_API_RATE_WINDOW_SECONDS)
        now = time.time()
        slot = int(now // window)
        keys = [f"{_prefix()}tok:{schema}:{credential}:{slot}", f"{_prefix()}ten:{schema}:{slot}"]
        try:
            pipe = _client().pipeline(transaction=False)
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, window + 1)
            token_count, _e1, tenant_count, _e2 = pipe.execute()
        except Exception as exc:  # noqa: BLE001 - Redis away: never refuse for it
            with _pause_lock:
                _paused_until = time.monotonic() + settings.PMS_API_RATE_PAUSE_SECONDS
            logger.warning("rate_limit.unavailable", extra={"error": type(exc).__name__})
            return True
        over = [scope for scope, count, limit in (("token", token_count, per_token), ("tenant", tenant_count, per_tenant))
                if 0 < limit < count]
        if not over:
            return True
        self._wait = max(1, int((slot + 1) * window - now + 0.999))
        logger.info("rate_limit.refused", extra={"scope": ",".join(over), "retry_after_s": self._wait})
        return False

    def wait(self):
        return self._wait
