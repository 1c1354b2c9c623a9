import pytest

pytest_plugins = ["tests.fixtures", "tests.browser", "tests.celery_worker"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's report on the item (browser fixtures screenshot failures)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
