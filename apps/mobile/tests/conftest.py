"""Fixtures of the owner app's API tests: bearer log-ins, a store with rooms and orders."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from apps.orders.selectors import business_date
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms
from tests.world import PASSWORD


def unique_ip() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250 + 1}.{(n >> 8) % 250 + 1}.{(n >> 16) % 250 + 1}"


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
def store(in_alpha, world):
    return world.alpha.stores["A1"]


@pytest.fixture
def store2(in_alpha, world):
    return world.alpha.stores["A2"]


@pytest.fixture
def today(store):
    return business_date(store=store)


@pytest.fixture
def tomorrow(today):
    return today + timedelta(days=1)


@pytest.fixture
def direct(store):
    return ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")


@pytest.fixture
def rt(store, direct):
    """A room type of A1 ("Garden", 300.00) with three rooms (``rt.rooms_list``)."""
    room_type, rooms = room_type_with_rooms(store, 3, name="Garden")
    room_type.rooms_list = rooms
    return room_type


def m(store, path: str) -> str:
    return f"/t/alpha/api/v1/stores/{store.pk}/m/{path}"
