"""No two apps' API patterns match the same path, so the order in which
``config/urls_api.py`` mounts the apps (busiest first, for speed) decides nothing."""
import re
from importlib import import_module

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, resolve
from django.urls.resolvers import RoutePattern

from config import urls_api

CONVERTER_SAMPLES = {"int": "7", "iso_date": "2026-11-07", "str": "x7", "slug": "x7", "path": "x7", "uuid": "00000000-0000-0000-0000-000000000007"}


def _sample(pattern) -> str:
    """A path the pattern matches: every converter filled with a sample value."""
    if not isinstance(pattern, RoutePattern):
        raise AssertionError(f"no sample for the regex pattern {pattern}: add one to this test")
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTER_SAMPLES[m[1] or "str"], str(pattern))


def _samples(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _samples(entry.url_patterns, prefix + _sample(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            yield prefix + _sample(entry.pattern)


def _app_modules() -> list[str]:
    modules = []
    for entry in urls_api.urlpatterns:
        assert isinstance(entry, URLResolver) and str(entry.pattern) == "api/v1/"
        modules.append(entry.urlconf_name.__name__)
    return modules


def test_the_api_mounts_every_app_once_the_owner_app_and_bookings_first():
    modules = _app_modules()
    assert modules[:2] == ["apps.mobile.urls_api", "apps.orders.urls_api"]
    assert len(set(modules)) == len(modules)
    assert sorted(modules) == sorted(f"apps.{app}.urls_api" for app in (
        "mobile", "orders", "tenancy", "rooms", "contacts", "folios", "members", "frontdesk", "night_audit",
        "webhooks", "ical", "reports", "notifications"))


@pytest.mark.parametrize("module", _app_modules())
def test_no_path_of_an_app_is_matched_by_another_app(module):
    samples = list(_samples(import_module(module).urlpatterns))
    assert samples
    others = [m for m in _app_modules() if m != module]
    for sample in samples:
        resolve("/" + sample, urlconf=module)  # the sampler works: the app's own patterns match it
        for other in others:
            with pytest.raises(Resolver404):
                resolve("/" + sample, urlconf=other)
                pytest.fail(f"{sample} of {module} is matched by {other}")
