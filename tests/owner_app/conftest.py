"""Fixtures of the owner app's tests: the app built once per session from the current schema."""
from __future__ import annotations

import os

import pytest

from tests.owner_app import app_build


@pytest.fixture(scope="session")
def owner_app_schema():
    """node_modules (npm ci from the lockfile if missing), then the OpenAPI schema of the current
    code and its TypeScript types; skipped without node/npm, failing under CI."""
    try:
        app_build.ensure_node_modules()
    except app_build.NodeMissing as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    app_build.OFFLINE_LOG.unlink(missing_ok=True)
    app_build.generate_schema()
    yield app_build.SCHEMA_TS
    assert app_build.offline_violations() == [], "a node process tried to reach another host"


@pytest.fixture(scope="session")
def owner_app_built(owner_app_schema):
    """Both builds (cached between sessions while their inputs do not change)."""
    builds = app_build.build_all()
    yield builds
    assert app_build.offline_violations() == [], "a node process tried to reach another host"
