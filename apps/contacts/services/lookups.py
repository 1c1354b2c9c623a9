"""Lookups of contacts by a phone or document number: limited, logged, whole numbers only.

A masked phone (``138****5678``) or document (``**************1234``) plus an unlimited
exact lookup is an oracle: try every candidate until one matches. So every lookup by a
phone or document number, wherever it is typed (the API's ``lookup/``, the guest search
page, the desk's order search, the admin search), goes through ``contact_lookup``:

- **limited**: at most ``PMS_CONTACT_LOOKUPS_PER_WINDOW`` (30) numbers per user per
  window of ``PMS_CONTACT_LOOKUP_WINDOW_SECONDS`` (an hour) that opens with the user's
  first lookup; beyond it, 429 ``throttled`` with ``Retry-After``. The count is a Redis
  ``INCR`` made *before* the lookup runs, so parallel requests cannot go past the limit;
- **logged**: a ``ContactLookupLog`` row per number (who, when, kind, where, how many
  matched, refused or not), never the number itself;
- **whole numbers only**: a number is compared through its blind index (an exact HMAC
  of the whole normalised number); a part of a number finds nothing.

Searching by name or order number is not limited.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from apps.common.error_codes import CommonErrorCode
from apps.common.errors import DomainError
from apps.contacts.models import ContactLookupLog
from apps.tenancy.models import Store

logger = logging.getLogger(__name__)

KIND_PHONE = ContactLookupLog.Kind.PHONE
KIND_DOCUMENT = ContactLookupLog.Kind.DOCUMENT

T = TypeVar("T")


def lookup_limit() -> int:
    return int(settings.PMS_CONTACT_LOOKUPS_PER_WINDOW)


def lookup_window() -> int:
    return int(settings.PMS_CONTACT_LOOKUP_WINDOW_SECONDS)


class LookupThrottled(DomainError):
    """Too many lookups by phone or document number (429, ``throttled``, ``Retry-After``)."""

    status = 429

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        message = ngettext(
            "Too many lookups by phone or document number (at most %(limit)d per hour). Try again in %(minutes)d minute.",
            "Too many lookups by phone or document number (at most %(limit)d per hour). Try again in %(minutes)d minutes.",
            minutes,
        ) % {"limit": lookup_limit(), "minutes": minutes}
        super().__init__(CommonErrorCode.THROTTLED, message, extra={"retry_after_s": int(retry_after)})
        self.retry_after = int(retry_after)


def _key(user_id: int | None) -> str:
    # The cache's key function adds the tenant's schema, so users of two tenants never share.
    namespace = getattr(settings, "PMS_CONTACT_LOOKUP_NAMESPACE", "v1")
    return f"contacts:lookups:{namespace}:{user_id or 'anon'}"


def _take(user_id: int | None, count: int) -> tuple[int, int]:
    """Count ``count`` lookups for the user, atomically: ``(total in the window, seconds
    until the window closes)``. The window opens with the first lookup."""
    window = lookup_window()
    key = _key(user_id)
    now = time.time()
    for _attempt in range(3):
        cache.add(f"{key}:start", now, timeout=window)
        cache.add(key, 0, timeout=window)  # no-op when the window is open
        try:
            total = cache.incr(key, count)  # Redis INCR: atomic, keeps the key's expiry
        except ValueError:  # the window closed between add and incr: open a new one
            continue
        start = cache.get(f"{key}:start") or now
        return total, max(1, math.ceil(start + window - now))
    raise AssertionError("unreachable")  # pragma: no cover


def _log(*, user_id, store: Store | None, kinds: list[str], place: str, matches: int | None, throttled: bool) -> None:
    ContactLookupLog.objects.bulk_create([
        ContactLookupLog(user_id=user_id, store=store, kind=kind, place=place, matches=matches, throttled=throttled)
        for kind in kinds
    ])
    logger.info(
        "contact.lookup_throttled" if throttled else "contact.lookup",
        extra={"user_id": user_id, "store_id": getattr(store, "pk", None), "kinds": kinds, "place": place, "matches": matches},
    )


def contact_lookup(
    *, actor, store: Store | None, kinds: list[str], place: str, run: Callable[[], T], count: Callable[[T], int] = len,
) -> T:
    """Run ``run()`` (a search by the numbers of ``kinds``) if ``actor`` has lookups left,
    and log it; else raise ``LookupThrottled`` (logged too). Each number counts once.
    ``count(result)`` tells how many matched (for the log)."""
    kinds = [str(k) for k in kinds]
    if not kinds:
        return run()
    user_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    total, retry_after = _take(user_id, len(kinds))
    if total > lookup_limit():
        _log(user_id=user_id, store=store, kinds=kinds, place=place, matches=None, throttled=True)
        raise LookupThrottled(retry_after)
    result = run()
    _log(user_id=user_id, store=store, kinds=kinds, place=place, matches=count(result), throttled=False)
    return result
