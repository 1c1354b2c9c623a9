"""Fixtures of the owner app's auth tests.

Throttle counters live in the real Redis: each test uses its own client address and,
where it counts failures per user name, its own user names, so tests never share counters
(the test settings give each run its own cache namespace too).
"""
from __future__ import annotations

import uuid

import pytest
from django_tenants.utils import tenant_context

from apps.tenancy.models import StaffProfile
from apps.tenancy.services import staff_create
from tests.fixtures import unique_ip
from tests.world import PASSWORD


@pytest.fixture
def app_client(api):
    """``app_client("alpha", language="en")``: an anonymous APIClient with its own client address."""

    def make(tenant_key: str = "alpha", language: str | None = None, ip: str | None = None):
        client = api(tenant_key, language=language)
        client.defaults["REMOTE_ADDR"] = ip or unique_ip()
        return client

    return make


@pytest.fixture
def login(app_client):
    """``login("alpha", "clerk_a1")`` -> (client with the bearer header, token-pair body)."""

    def do(tenant_key: str, username: str, password: str = PASSWORD, language: str | None = None):
        client = app_client(tenant_key, language=language)
        response = client.post(client.prefix + "/auth/login/", {"username": username, "password": password}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}", **(
            {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        ))
        return client, body

    return do


@pytest.fixture
def new_staff(world):
    """``new_staff("alpha")`` -> a fresh front-desk user of store A1/B1 with a unique name."""

    def make(tenant_key: str = "alpha"):
        tw = getattr(world, tenant_key)
        store = next(iter(tw.stores.values()))
        with tenant_context(tw.tenant):
            return staff_create(
                username=f"u{uuid.uuid4().hex[:10]}", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK,
                stores=[store], display_name="新员工",
            )

    return make
