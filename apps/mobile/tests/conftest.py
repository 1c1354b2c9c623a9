"""Fixtures of the owner app's API tests: bearer log-ins, a store with rooms and orders."""
from __future__ import annotations

import pytest

from apps.orders.tests.factories import room_type_with_rooms
from tests.fixtures import unique_ip
from tests.world import PASSWORD


@pytest.fixture
def login(api):
    """``login("alpha", "clerk_a1")`` -> an APIClient with the user's bearer token (its
    ``prefix`` is ``/t/alpha/api/v1``) and the token-pair body."""

    def do(tenant_key: str, username: str, language: str | None = "en"):
        client = api(tenant_key, language=language)
        client.defaults["REMOTE_ADDR"] = unique_ip()
        response = client.post(client.prefix + "/auth/login/", {"username": username, "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {body['access']}"}
        if language:
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        client.credentials(**headers)
        return client, body

    return do


@pytest.fixture
def rt(store, direct):
    """A room type of A1 ("Garden", 300.00) with three rooms (``rt.rooms_list``)."""
    room_type, rooms = room_type_with_rooms(store, 3, name="Garden")
    room_type.rooms_list = rooms
    return room_type


def m(store, path: str) -> str:
    return f"/t/alpha/api/v1/stores/{store.pk}/m/{path}"
