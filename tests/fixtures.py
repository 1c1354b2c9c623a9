from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.tenancy.public.services import template_ensure
from tests.world import PASSWORD, World, build_world


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Test database with the template schema and the two test tenants, committed once."""
    with django_db_blocker.unblock():
        template_ensure()
        world = build_world()
        connection.set_schema_to_public()
    return world


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
