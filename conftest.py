import pytest

pytest_plugins = ["tests.fixtures", "tests.browser", "tests.celery_worker"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the item (browser fixtures screenshot failures)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# What the fast loop (`make test ARGS="-m 'not slow'"`) leaves out, besides tests marked
# `slow` by hand: real browsers, real Celery workers, and tests that commit a tenant of
# their own for real (concurrency and isolation tests: ~1 s each to clone and drop it).
_SLOW_MARKERS = ("browser", "worker")
_SLOW_FIXTURES = ("committed_tenant",)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(item.get_closest_marker(name) for name in _SLOW_MARKERS) or any(
            name in getattr(item, "fixturenames", ()) for name in _SLOW_FIXTURES
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _own_contact_lookup_counters(settings):
    """Each test counts lookups by phone or document number from zero: the counters live
    in the real Redis, and the world's users are the same in every test."""
    import uuid

    settings.PMS_CONTACT_LOOKUP_NAMESPACE = uuid.uuid4().hex[:12]
