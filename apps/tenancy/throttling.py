"""Log-in throttling with a cool-off: never a permanent lock-out.

Failed log-ins are counted per (tenant, user name) and per (tenant, client IP) over
``PMS_LOGIN_FAILURE_WINDOW_SECONDS``. When a counter reaches its limit
(``PMS_LOGIN_FAILURES_PER_USERNAME`` / ``PMS_LOGIN_FAILURES_PER_IP``) a lock with a TTL of
``PMS_LOGIN_COOLOFF_SECONDS`` is set and every attempt on that key answers 429 until it
expires; then counting starts afresh. A successful log-in clears the user name's counter.

Counters live in Redis through Django's cache; the tenant-aware key function puts the
schema name in every key, so tenants never share counters. The IP limit is higher than
the user-name limit because staff of one B&B often share one address.
"""
from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled


class LoginThrottled(Throttled):
    """Rendered as 429 ``throttled`` with ``Retry-After`` and ``extra.retry_after_s``."""

    def __init__(self, wait: int):
        minutes = max(1, math.ceil(wait / 60))
        super().__init__(detail=_("Too many failed log-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes})
        # set after __init__: DRF would append its own sentence about the wait to the detail
        self.wait = wait


def client_ip(request) -> str:
    value = request.META.get(settings.PMS_CLIENT_IP_META) or request.META.get("REMOTE_ADDR") or "unknown"
    return value.split(",")[0].strip()


def _keys(kind: str, value: str) -> tuple[str, str]:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"login-fail:{kind}:{digest}", f"login-lock:{kind}:{digest}"


def _subjects(username: str, ip: str) -> list[tuple[str, str, int]]:
    return [
        ("user", username.strip().lower(), settings.PMS_LOGIN_FAILURES_PER_USERNAME),
        ("ip", ip, settings.PMS_LOGIN_FAILURES_PER_IP),
    ]


def login_throttle_check(*, username: str, ip: str) -> None:
    """Raise ``LoginThrottled`` if the user name or the address is cooling off."""
    locks = [_keys(kind, value)[1] for kind, value, _limit in _subjects(username, ip)]
    found = cache.get_many(locks)
    if found:
        wait = max(0, math.ceil(max(found.values()) - time.time()))
        raise LoginThrottled(wait=max(1, wait))


def login_throttle_failure(*, username: str, ip: str) -> None:
    """Count a failed attempt; at the limit, start the cool-off."""
    window = settings.PMS_LOGIN_FAILURE_WINDOW_SECONDS
    cooloff = settings.PMS_LOGIN_COOLOFF_SECONDS
    for kind, value, limit in _subjects(username, ip):
        counter, lock = _keys(kind, value)
        cache.add(counter, 0, timeout=window)  # the window starts at the first failure
        try:
            failures = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, timeout=window)
            failures = 1
        if failures >= limit:
            cache.set(lock, time.time() + cooloff, timeout=cooloff)
            cache.delete(counter)


def login_throttle_success(*, username: str) -> None:
    counter, _lock = _keys("user", username.strip().lower())
    cache.delete(counter)
