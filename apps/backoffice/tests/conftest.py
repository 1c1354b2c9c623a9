from __future__ import annotations

import io

import pytest
from django.test import Client

from tests.world import PASSWORD


@pytest.fixture
def as_user(db, world):
    """``as_user("manager_a1")`` -> a Django test client logged in to alpha's back office (one per call)."""

    def make(username: str, tenant_key: str = "alpha", password: str = PASSWORD) -> Client:
        client = Client()
        response = client.post(f"/t/{getattr(world, tenant_key).slug}/login/", {"username": username, "password": password})
        assert response.status_code == 302, response.content[:300]
        return client

    return make


def png_bytes(size=(900, 600), color=(200, 80, 40), fmt="PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()
