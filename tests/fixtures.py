from __future__ import annotations

import uuid
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.common.serializers import OutputSerializer
from apps.orders.tests.factories import ChannelFactory
from apps.tenancy.business_day import business_date, store_local_now
from apps.tenancy.models import StoreBusinessDay
from apps.tenancy.public.services import template_ensure
from tests.world import PASSWORD, World, build_world


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Test database with the template schema and the two test tenants, committed once.

    pytest-django creates the test database only for aliases that ``django_db``-marked
    tests ask for; a session of only ``committed_tenant`` tests asks for none and would
    run against the development database. Create it here in that case, and refuse to
    build test tenants anywhere but in a ``test_*`` database.
    """
    from django.test.utils import setup_databases, teardown_databases

    own_cfg = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] != connection.settings_dict["TEST"]["NAME"]:
            own_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        if not connection.settings_dict["NAME"].startswith("test_"):
            raise RuntimeError(f"refusing to build test tenants in {connection.settings_dict['NAME']!r}")
        template_ensure()
        world = build_world()
        connection.set_schema_to_public()
    yield world
    with django_db_blocker.unblock():
        _end_other_sessions()
        if own_cfg is not None:
            teardown_databases(own_cfg, verbosity=0)


def _end_other_sessions() -> None:
    """End the sessions that threads or worker processes of the tests left connected to
    the test database: dropping it fails while any is open ("being accessed by other
    users"), which left the database behind with a warning."""
    if not connection.settings_dict["NAME"].startswith("test_"):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def world(db, django_db_setup) -> World:
    return django_db_setup


@pytest.fixture(autouse=True)
def _public_schema_after_test():
    yield
    if connection.connection is not None:
        connection.set_schema_to_public()


@pytest.fixture
def in_alpha(db, world):
    with tenant_context(world.alpha.tenant):
        yield world.alpha


@pytest.fixture
def in_beta(db, world):
    with tenant_context(world.beta.tenant):
        yield world.beta


# --- the store most tests work in: alpha's A1, in its tenant ---------------------------------


@pytest.fixture
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def store2(in_alpha, world):
    """Another store of the same tenant (A2)."""
    return world.alpha.stores["A2"]


@pytest.fixture
def clerk(world):
    """Front desk of A1."""
    return world.alpha.users["clerk_a1"]


@pytest.fixture
def manager(world):
    """Manager of A1."""
    return world.alpha.users["manager_a1"]


@pytest.fixture
def today(store):
    """A1's business date."""
    return business_date(store=store)


@pytest.fixture
def tomorrow(today):
    return today + timedelta(days=1)


@pytest.fixture
def direct(store):
    """A1's direct-booking channel."""
    return ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")


def set_business_date(store, day) -> None:
    """Open business day ``day`` in ``store`` (as if the night audit had rolled it there)."""
    StoreBusinessDay.objects.update_or_create(store=store, defaults={"business_date": day, "opened_at": timezone.now()})


def unique_ip() -> str:
    """A client address of its own: log-in throttles count per address in the shared Redis."""
    n = uuid.uuid4().int
    return f"10.{n % 250 + 1}.{(n >> 8) % 250 + 1}.{(n >> 16) % 250 + 1}"


@pytest.fixture
def api(db, world):
    """``api("alpha", "clerk_a1")`` -> an APIClient with that user's token, and the URL prefix."""

    def make(tenant_key: str, username: str | None = None, language: str | None = None) -> APIClient:
        tw = getattr(world, tenant_key)
        client = APIClient()
        headers = {}
        if username:
            headers["HTTP_AUTHORIZATION"] = f"Token {tw.tokens[username]}"
        if language:
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        client.credentials(**headers)
        client.prefix = f"/t/{tw.slug}/api/v1"
        return client

    return make


@pytest.fixture
def browser_login(client, world):
    """Log ``username`` in to ``tenant_key``'s back office with the Django test client."""

    def login(tenant_key: str, username: str):
        tw = getattr(world, tenant_key)
        response = client.post(f"/t/{tw.slug}/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return login


@pytest.fixture
def committed_tenant(django_db_setup, django_db_blocker):
    """A fresh tenant committed for real (not inside a test transaction), dropped afterwards.

    For concurrency tests: several connections (threads) see its data. Do not combine
    with the ``db`` fixture. Yields a namespace with ``tenant``, ``store``, ``admin``.
    """
    import uuid
    from types import SimpleNamespace

    from apps.tenancy.public.services import tenant_drop, tenant_provision

    with django_db_blocker.unblock():
        tenant, store, admin = tenant_provision(
            slug=f"c{uuid.uuid4().hex[:10]}", name="Committed", store_name="Committed Store",
            admin_username="admin_c", admin_password=PASSWORD,
        )
        try:
            yield SimpleNamespace(tenant=tenant, store=store, admin=admin)
        finally:
            connection.set_schema_to_public()
            tenant_drop(tenant=tenant)


def run_concurrently(fn, args_list, tenant=None):
    """Run ``fn(*args)`` for each args in ``args_list`` in its own thread and connection,
    all released at once by a barrier. Returns the results (exceptions are returned, not raised)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(args_list))
    results: list = [None] * len(args_list)

    def worker(i, args):
        try:
            if tenant is not None:
                connection.set_tenant(tenant)
            barrier.wait()
            results[i] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def drf_only(monkeypatch):
    """``drf_only(True)``: from then on every ``OutputSerializer`` renders through DRF itself
    (no plan), so a test can compare the two renderings; ``drf_only(False)`` undoes it."""

    def switch(off: bool):
        if off:
            monkeypatch.setattr(OutputSerializer, "_plan", classmethod(lambda cls: None))
        else:
            monkeypatch.undo()

    return switch


@pytest.fixture
def store_noon(store, monkeypatch):
    """The clock pinned at noon of the store's calendar date (its real one): past the
    audit time (04:00 by default), so yesterday's audit is due whatever the hour the tests
    run (between midnight and 04:00 at the store it would not be)."""
    noon = store_local_now(store=store).replace(hour=12, minute=0, second=0, microsecond=0).astimezone(UTC)
    monkeypatch.setattr(timezone, "now", lambda: noon)
    return noon
