"""Log-in throttling: an atomic check-and-count, keyed so a stranger cannot lock out a user.

Every password check of the tenant goes through ``login_attempt`` (the app's ``auth/login/``,
``auth/token/``, the back-office form, the tenant's Django admin and the platform admin).

**Check-and-count in one step.** An attempt is counted (Redis ``INCR``) *before* its password
is checked, and is refused when its count is over the limit: of any number of parallel
attempts, at most the limit ever reach the password check (counting after a failed check, as
before, let 9 parallel guesses through a limit of 5). A successful log-in gives its count
back: it clears the user name's counter and takes the attempt off the address's and device's.

**Who is counted** (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"):

- An attempt from a *known device* of the user — one that logged in as this user before and
  presents the device token it was given then (a signed cookie in the browser, ``device_id``
  in the app's log-in) — is counted per device only, never refused because of the user
  name's or the address's counter: a stranger failing on 王芳's name locks out strangers, not
  王芳 on her own phone or desk PC.
- Any other attempt is counted per (tenant, user name) and per (tenant, client address);
  either over its limit refuses it (429) for the cool-off.

At its limit a counter starts the cool-off (``PMS_LOGIN_COOLOFF_SECONDS``): it is kept that
long, and then counting starts afresh; never a permanent lock-out. Counters live in Redis
through Django's cache; the tenant-aware key function puts the schema name in every key.

**The client address** (``client_ip``) is ``REMOTE_ADDR`` unless ``PMS_TRUSTED_PROXY_COUNT``
says how many proxies of ours stand in front of the app: then it is the address the
outermost of them saw (that many entries from the right of ``X-Forwarded-For``; entries
further left are whatever the client wrote). A request that comes through a proxy the setting
does not know about (an ``X-Forwarded-For`` with the count at 0) has no client address we can
trust: it is not counted per address at all, so the proxy's own address never locks a tenant.
"""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled

from apps.common import metrics

logger = logging.getLogger(__name__)

DEVICE_SALT = "pms.login-device"
# A device token is good for a year after the log-in that issued it (each log-in renews it).
DEVICE_MAX_AGE_SECONDS = 365 * 24 * 3600


class LoginThrottled(Throttled):
    """Rendered as 429 ``throttled`` with ``Retry-After`` and ``extra.retry_after_s``."""

    def __init__(self, wait: int):
        minutes = max(1, math.ceil(wait / 60))
        super().__init__(detail=_("Too many failed log-in attempts. Try again in %(minutes)d minutes.") % {"minutes": minutes})
        # set after __init__: DRF would append its own sentence about the wait to the detail
        self.wait = wait


_warned_unknown_proxy = False


def client_ip(request) -> str | None:
    """The client's address, or ``None`` when it cannot be trusted (see the module docstring)."""
    global _warned_unknown_proxy
    meta = request.META
    hops = settings.PMS_TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
        return meta.get("REMOTE_ADDR") or None  # reached us without passing every proxy
    if settings.PMS_CLIENT_IP_META == "HTTP_X_FORWARDED_FOR":
        # the old way to say "one proxy": its last entry is the one our proxy wrote
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        return forwarded[-1] if forwarded else meta.get("REMOTE_ADDR") or None
    if settings.PMS_CLIENT_IP_META != "REMOTE_ADDR":
        # a single header set by our one proxy (e.g. HTTP_X_REAL_IP), taken whole
        return (meta.get(settings.PMS_CLIENT_IP_META) or "").strip() or None
    if meta.get("HTTP_X_FORWARDED_FOR"):
        if not _warned_unknown_proxy:
            _warned_unknown_proxy = True
            logger.warning("auth.client_ip_unknown_proxy")  # set PMS_TRUSTED_PROXY_COUNT (docs/configuration.md)
        return None
    return meta.get("REMOTE_ADDR") or None


def _norm(username: str) -> str:
    return username.strip().lower()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:32]


# --- device tokens ---------------------------------------------------------------------


def device_token_issue(*, username: str, previous: str | None = None) -> str:
    """A signed token naming this tenant, this user and a device (kept if ``previous`` is
    this user's): given to the browser (cookie) or the app (``device_id``) at a successful
    log-in. Signed with ``SECRET_KEY``; nothing is stored."""
    device = device_token_read(token=previous, username=username) if previous else None
    return signing.dumps(
        {"s": connection.schema_name, "u": _norm(username), "d": device or secrets.token_urlsafe(12)}, salt=DEVICE_SALT, compress=False
    )


def device_token_read(*, token: str | None, username: str) -> str | None:
    """The device id in ``token`` if it was issued by this tenant to ``username``, else None."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != connection.schema_name or data.get("u") != _norm(username):
        return None
    return data.get("d") or None


def device_cookie_name(username: str) -> str:
    """One cookie per tenant and user name: several clerks share a desk PC."""
    return "pms_device_" + _digest(f"{connection.schema_name}:{_norm(username)}")[:16]


# --- counting -------------------------------------------------------------------------------


def _count(kind: str, value: str, limit: int) -> tuple[bool, str]:
    """Count one attempt on (kind, value); True when it is over ``limit``."""
    counter = f"login-count:{kind}:{_digest(value)}"
    cache.add(counter, 0, timeout=settings.PMS_LOGIN_FAILURE_WINDOW_SECONDS)  # the window starts at the first attempt
    try:
        count = cache.incr(counter)  # atomic: every attempt gets its own number
    except ValueError:  # expired between add and incr: a new window
        cache.add(counter, 0, timeout=settings.PMS_LOGIN_FAILURE_WINDOW_SECONDS)
        count = cache.incr(counter)
    if count == limit + 1:
        # the first refused attempt starts the cool-off: the counter lives that long, over its limit
        cooloff = settings.PMS_LOGIN_COOLOFF_SECONDS
        cache.touch(counter, cooloff)
        cache.set(f"login-lock:{kind}:{_digest(value)}", time.time() + cooloff, timeout=cooloff)
    return count > limit, counter


@dataclass
class LoginAttempt:
    username: str
    device: str | None
    counters: list[str] = field(default_factory=list)


def login_attempt(*, username: str, ip: str | None, device_token: str | None = None) -> LoginAttempt:
    """Count an attempt to log in as ``username`` before its password is checked; raise
    ``LoginThrottled`` if it is over a limit (then the password must not be checked). Call
    ``login_attempt_succeeded`` if the password was right."""
    device = device_token_read(token=device_token, username=username)
    if device is not None:
        subjects = [("device", device, settings.PMS_LOGIN_FAILURES_PER_DEVICE)]
    else:
        subjects = [("user", _norm(username), settings.PMS_LOGIN_FAILURES_PER_USERNAME)]
        if ip:
            subjects.append(("ip", ip, settings.PMS_LOGIN_FAILURES_PER_IP))
    attempt = LoginAttempt(username=username, device=device)
    refused = []
    for kind, value, limit in subjects:
        over, counter = _count(kind, value, limit)
        attempt.counters.append(counter)
        if over:
            refused.append(f"login-lock:{kind}:{_digest(value)}")
    if refused:
        until = [t for t in cache.get_many(refused).values() if t]
        wait = math.ceil(max(until) - time.time()) if until else settings.PMS_LOGIN_COOLOFF_SECONDS
        logger.info("auth.login_throttled", extra={"known_device": device is not None})
        metrics.login_throttled()
        raise LoginThrottled(wait=max(1, wait))
    return attempt


def login_attempt_succeeded(attempt: LoginAttempt) -> None:
    """The password was right: the user name's (or device's) counter starts afresh and the
    address gets its attempt back (an office's successful log-ins never lock it)."""
    first, *others = attempt.counters
    cache.delete(first)
    for counter in others:
        try:
            cache.decr(counter)
        except ValueError:
            pass


def login_attempt_given_back(attempt: LoginAttempt) -> None:
    """The password could not be checked (PostgreSQL or Redis away: the client was answered
    503): the attempt counts against nobody, so an outage never locks anyone out."""
    for counter in attempt.counters:
        try:
            cache.decr(counter)
        except Exception:  # noqa: BLE001 - Redis may be the fault itself; the counter then expires by itself
            pass
