"""A tenant's Django admin is for its tenant admins only (issue 17): a store manager or clerk
given staff rights (and every model permission) is refused on every registered admin page,
which would otherwise show every store's rows."""
from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_tenants.utils import tenant_context

from tests.fixtures import unique_ip
from tests.world import PASSWORD


def _changelists() -> list[str]:
    """The list page of every model registered on the tenant's admin site (public API)."""
    urls = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist", urlconf="config.urls")
        for m in apps.get_models() if admin.site.is_registered(m)
    ]
    assert len(urls) >= 20  # every app's admin, not an empty loop
    return ["/t/alpha" + url for url in urls]


def _staff_client(world, username: str, *, grant: bool) -> Client:
    if grant:
        with tenant_context(world.alpha.tenant):
            user = world.alpha.users[username]
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.user_permissions.set(Permission.objects.all())
    client = Client(REMOTE_ADDR=unique_ip())
    assert client.post("/t/alpha/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("username", ["manager_a1", "clerk_a1"])
def test_a_manager_or_clerk_with_staff_rights_is_refused_on_every_admin_page(world, username):
    client = _staff_client(world, username, grant=True)
    pages = ["/t/alpha/admin/", *_changelists()]
    refused = {}
    for url in pages:
        response = client.get(url)
        refused[url] = response.status_code == 403 or (
            response.status_code == 302 and "/admin/login/" in response["Location"]
        )
    assert [url for url, ok in refused.items() if not ok] == []


def test_the_tenant_admin_opens_every_admin_page(world):
    client = _staff_client(world, "admin_a", grant=False)
    statuses = {url: client.get(url).status_code for url in ["/t/alpha/admin/", *_changelists()]}
    assert {url: s for url, s in statuses.items() if s != 200} == {}
