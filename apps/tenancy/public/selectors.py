"""Tenant lookups, cached per process so a request costs no lookup query.

The cache holds a tenant for ``PMS_TENANT_CACHE_SECONDS``; a change to a tenant or
domain clears this process's cache at once, and other processes pick it up within
that TTL (documented in docs/tenancy.md).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from django.conf import settings

# Two bounded caches, least recently used out first: tenants found (at most
# PMS_TENANT_CACHE_MAX) and names that found none (at most PMS_TENANT_CACHE_MISSES_MAX, so
# that the public host costs no lookup per request). A client asking for made-up slugs or
# hosts only churns the second one: it cannot grow memory nor push real tenants out.
_cache: OrderedDict[str, tuple[float, object]] = OrderedDict()
_misses: OrderedDict[str, float] = OrderedDict()
_lock = threading.Lock()


def _cached(key: str, load):
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] > now:
            _cache.move_to_end(key)
            return hit[1]
        miss = _misses.get(key)
        if miss is not None and miss > now:
            _misses.move_to_end(key)
            return None
    value = load()
    expires = now + settings.PMS_TENANT_CACHE_SECONDS
    with _lock:
        if value is None:
            _cache.pop(key, None)
            store, limit, entry = _misses, settings.PMS_TENANT_CACHE_MISSES_MAX, expires
        else:
            _misses.pop(key, None)
            store, limit, entry = _cache, settings.PMS_TENANT_CACHE_MAX, (expires, value)
        store[key] = entry
        store.move_to_end(key)
        while len(store) > limit:
            store.popitem(last=False)
    return value


def tenant_cache_size() -> tuple[int, int]:
    """(tenants kept, misses kept) in this process."""
    return len(_cache), len(_misses)


def tenant_cache_clear() -> None:
    with _lock:
        _cache.clear()
        _misses.clear()


def tenant_cache_clear_signal(**kwargs) -> None:
    tenant_cache_clear()


def tenant_for_slug(slug: str):
    from apps.tenancy.public.models import Tenant

    return _cached(
        f"slug:{slug}",
        lambda: Tenant.objects.filter(slug=slug, is_active=True, is_template=False).first(),
    )


def tenant_for_domain(host: str):
    from apps.tenancy.public.models import Domain

    def load():
        domain = (
            Domain.objects.select_related("tenant")
            .filter(domain=host, tenant__is_active=True, tenant__is_template=False)
            .first()
        )
        return domain.tenant if domain else None

    return _cached(f"host:{host}", load)
