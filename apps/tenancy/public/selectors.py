"""Tenant lookups, cached per process so a request costs no lookup query.

The cache holds a tenant for ``PMS_TENANT_CACHE_SECONDS``; a change to a tenant or
domain clears this process's cache at once, and other processes pick it up within
that TTL (documented in docs/tenancy.md).
"""
from __future__ import annotations

import time

from django.conf import settings

_cache: dict[str, tuple[float, object]] = {}


def _cached(key: str, load):
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    _cache[key] = (now + settings.PMS_TENANT_CACHE_SECONDS, value)
    return value


def tenant_cache_clear() -> None:
    _cache.clear()


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
