"""The reference cache is never staler than the database: PostgreSQL bumps an area's
version with every change of its tables (triggers), so a change committed by any path —
here plain SQL on another connection, which no Python code sees — is seen by the next
request of every process, an uncommitted or rolled-back one never."""
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.tenancy.auth_services import integration_token_create
from apps.tenancy.business_day import business_date, business_day_get
from apps.tenancy.reference_cache import ACCESS, BUSINESS_DAY, cache_clear


@contextmanager
def elsewhere(schema: str, autocommit: bool = True):
    """Another connection, as another process or psql would hold it, in ``schema``."""
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=params["dbname"], host=params.get("host"), port=params.get("port"), user=params.get("user"),
        password=params.get("password"), autocommit=autocommit,
    ) as other:
        other.execute(f'SET search_path TO "{schema}"')
        yield other


def _versions(schema: str) -> dict[str, int]:
    with elsewhere(schema) as other:
        return dict(other.execute("SELECT area, version FROM tenancy_referenceversion").fetchall())


@pytest.fixture
def caller(committed_tenant):
    """An API client of the committed tenant's admin (an integration token), its first request made."""
    with tenant_context(committed_tenant.tenant):
        key = integration_token_create(user=committed_tenant.admin)[1]
    connection.set_schema_to_public()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    client.me = f"/t/{committed_tenant.tenant.slug}/api/v1/me/"
    cache_clear()
    assert client.get(client.me).status_code == 200
    return client


def test_a_change_committed_by_plain_sql_elsewhere_is_seen_by_the_next_request(committed_tenant, caller):
    schema = committed_tenant.tenant.schema_name
    assert caller.get(caller.me).json()["display_name"] == "admin_c"  # now from the cache
    with elsewhere(schema) as other:
        other.execute("UPDATE tenancy_staffprofile SET display_name = '王店长'")
    assert caller.get(caller.me).json()["display_name"] == "王店长"
    with elsewhere(schema) as other:
        other.execute("UPDATE auth_user SET is_active = false WHERE username = 'admin_c'")
    response = caller.get(caller.me)
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


def test_an_uncommitted_change_is_not_seen_and_a_rolled_back_one_never(committed_tenant, caller):
    schema = committed_tenant.tenant.schema_name
    before = _versions(schema)
    with elsewhere(schema, autocommit=False) as other:
        other.execute("UPDATE auth_user SET is_active = false WHERE username = 'admin_c'")
        assert caller.get(caller.me).status_code == 200  # not committed: the old truth
        other.rollback()
    assert caller.get(caller.me).status_code == 200
    assert _versions(schema) == before


def test_bookkeeping_of_use_bumps_nothing_a_real_change_does(committed_tenant, caller):
    schema = committed_tenant.tenant.schema_name
    before = _versions(schema)
    with elsewhere(schema) as other:
        other.execute("UPDATE auth_user SET last_login = now()")
        other.execute("UPDATE tenancy_apitoken SET last_used_at = now()")
    assert _versions(schema) == before
    with elsewhere(schema) as other:
        other.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)"
            " VALUES ('!', false, 'script', '', '', '', false, true, now())"
        )
    after_user = _versions(schema)
    assert after_user[ACCESS] > before[ACCESS]  # a new user: access changed
    with elsewhere(schema) as other:
        other.execute(
            "INSERT INTO tenancy_apitoken (user_id, kind, name, key_hash, family, created_at, expires_at, revoke_reason)"
            " SELECT id, 'integration', '', repeat('x', 64), gen_random_uuid(), now(), now(), '' FROM auth_user WHERE username = 'script'"
        )
    assert _versions(schema) == after_user  # a new token: nothing cached can hold it
    before = after_user
    with elsewhere(schema) as other:
        other.execute("UPDATE tenancy_staffprofile SET current_store_id = current_store_id")
    after = _versions(schema)
    assert after[ACCESS] > before.get(ACCESS, 0) and after.get(BUSINESS_DAY) == before.get(BUSINESS_DAY)


def test_the_business_date_follows_the_table_outside_requests(committed_tenant):
    store = committed_tenant.store
    with tenant_context(committed_tenant.tenant):
        day = business_day_get(store=store).business_date
        assert business_date(store=store) == day
        with elsewhere(committed_tenant.tenant.schema_name) as other:
            other.execute("UPDATE reports_storebusinessday SET business_date = business_date - 1 WHERE store_id = %s", [store.pk])
        assert business_date(store=store) == day - timedelta(days=1)
