"""The tenant resolution costs at most one SQL statement per request (the SET search_path),
measured on a view that sends one statement of its own (``urls_one_query``)."""
import pytest

from apps.tenancy.public.selectors import tenant_cache_clear
from tests.sql import wire_statements


@pytest.fixture(autouse=True)
def _one_query_view(settings):
    settings.ROOT_URLCONF = settings.PUBLIC_SCHEMA_URLCONF = "apps.tenancy.tests.urls_one_query"


@pytest.fixture
def warm(client, world):
    client.get("/t/alpha/one-query")  # fills this process's tenant cache
    return client


def test_tenant_request_adds_exactly_one_statement(warm):
    with wire_statements() as sent:
        response = warm.get("/t/alpha/one-query")
    assert response.status_code == 200
    # the view's own query, plus the search_path switch: nothing else
    assert sent == ['SET search_path = "t_alpha","public"', "SELECT 1"]


def test_public_request_adds_exactly_one_statement(client, world):
    client.get("/one-query")
    with wire_statements() as sent:
        response = client.get("/one-query")
    assert response.status_code in (200, 503)
    assert sent == ['SET search_path = "public"', "SELECT 1"]


def test_cold_cache_costs_one_lookup_once(client, world):
    tenant_cache_clear()
    with wire_statements() as first:
        client.get("/t/alpha/one-query")
    with wire_statements() as second:
        client.get("/t/alpha/one-query")
    # a cold cache looks the tenant up once; the next request does not
    assert [q for q in first if "tenancy_public_tenant" in q] == [first[-3]]
    assert first[-2:] == ['SET search_path = "t_alpha","public"', "SELECT 1"]
    assert second == ['SET search_path = "t_alpha","public"', "SELECT 1"]


def test_tenant_prefix_is_kept_in_redirects_and_reverse(client, world):
    response = client.get("/t/alpha/")
    assert response.status_code == 302
    assert response["Location"] == "/t/alpha/login/?next=/t/alpha/"
    assert client.get("/t/alpha").status_code == 301


def test_tenant_own_domain_serves_without_prefix(client, world, settings):
    from apps.tenancy.public.models import Domain

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "alpha.example.cn"]
    Domain.objects.create(tenant=world.alpha.tenant, domain="alpha.example.cn", is_primary=True)
    response = client.get("/", HTTP_HOST="alpha.example.cn")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_unknown_slugs_do_not_grow_the_cache(client, world, settings):
    """Made-up slugs are answered 404 and kept in a small cache of their own (at most
    PMS_TENANT_CACHE_MISSES_MAX): they neither grow the process nor push real tenants out."""
    from apps.tenancy.public.selectors import tenant_cache_size

    settings.PMS_TENANT_CACHE_MISSES_MAX = 50
    tenant_cache_clear()
    client.get("/t/alpha/one-query")
    for i in range(300):
        assert client.get(f"/t/nobody-{i}/one-query").status_code == 404
    assert tenant_cache_size() == (1, 50)
    with wire_statements() as sent:
        client.get("/t/alpha/one-query")
    assert sent == ['SET search_path = "t_alpha","public"', "SELECT 1"]  # alpha is still cached


def test_found_tenants_are_bounded_too(client, world, settings):
    from apps.tenancy.public.selectors import tenant_cache_size

    settings.PMS_TENANT_CACHE_MAX = 1
    tenant_cache_clear()
    client.get("/t/alpha/one-query")
    client.get("/t/beta/one-query")
    assert tenant_cache_size() == (1, 0)
