"""The API contract: the schema is valid OpenAPI 3 without generator warnings, every tenancy
operation documents its errors, and a TypeScript client generated from it type-checks.

The TypeScript check needs node and npm (skipped without them, except under CI=true).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

CONTRACT = Path(__file__).resolve().parents[3] / "contract"
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _schema_json(client) -> dict:
    response = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return json.loads(response.content)


def _generate(**kwargs) -> tuple[dict, list[str]]:
    """The schema and every warning or error drf-spectacular emitted while generating it."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(**kwargs).get_schema(request=None, public=True)
    problems = sorted({*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache})
    GENERATOR_STATS.reset()
    return schema, problems


def test_public_schema_is_valid_openapi_3(client, db):
    schema = _schema_json(client)
    assert schema["openapi"].startswith("3.")
    validate(schema)  # raises OpenAPIValidationError with the offending path


def test_tenancy_and_common_schema_has_no_generator_warnings(db):
    _schema, problems = _generate(patterns=[path("api/v1/", include("apps.tenancy.urls_api"))])
    assert problems == []


def _where_used(schema: dict, problem: str) -> str:
    """For an enum-name collision: the components whose fields use the enum it was renamed to."""
    match = re.search(r'resolved with "(\w+)"', problem)
    if not match:
        return ""
    ref = f'"#/components/schemas/{match[1]}"'
    users = sorted(
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, prop in component.get("properties", {}).items()
        if ref in json.dumps(prop)
    )
    return f" <- used by {', '.join(users)}" if users else ""


def test_whole_api_schema_has_no_generator_warnings(db):
    """All apps (config.urls_api). A failure lists each warning with the view or components it came from."""
    schema, problems = _generate(urlconf="config.urls_api")
    report = [p + _where_used(schema, p) for p in problems]
    assert not problems, "drf-spectacular warnings/errors in the public API schema:\n  " + "\n  ".join(report)


def test_auth_operations_are_documented_with_errors_and_examples(client, db):
    schema = _schema_json(client)
    ops = {op["operationId"]: op for item in schema["paths"].values() for op in item.values() if isinstance(op, dict) and "operationId" in op}
    # 413 / 415: every operation that takes a body (a body too large, or not JSON)
    expected = {
        "auth_login": {"200", "400", "401", "429", "413", "415"},
        "auth_refresh": {"200", "400", "401", "413", "415"},
        "auth_logout": {"204", "401", "403"},
        "auth_token_create": {"200", "400", "429", "413", "415"},
        "auth_tokens_list": {"200", "401", "403"},
        "auth_tokens_create": {"201", "400", "401", "403", "413", "415"},
        "auth_token_revoke": {"204", "401", "403", "404"},
        "auth_wechat_login": {"200", "400", "401", "503", "413", "415"},
        "auth_wechat_bind": {"200", "400", "401", "403", "409", "503", "413", "415"},
        "auth_wechat_unbind": {"204", "401", "403", "404"},
        "auth_wechat_binding_get": {"200", "401", "403"},
        "me_get": {"200", "401", "403"},
        "me_current_store_set": {"200", "400", "401", "403", "404", "413", "415"},
        "stores_list": {"200", "401", "403"},
        "store_get": {"200", "401", "403", "404"},
        "store_settings_list": {"200", "401", "403", "404"},
        "store_setting_set": {"200", "400", "401", "403", "404", "413", "415"},
    }
    assert {k: set(ops[k]["responses"]) for k in expected} == expected
    for op_id in expected:
        for status, response in ops[op_id]["responses"].items():
            if status >= "400":
                media = response["content"]["application/json"]
                assert media["schema"] == ERROR_REF, (op_id, status)
                assert all(set(e["value"]) == {"detail", "code", "extra"} for e in media["examples"].values()), (op_id, status)
    login = ops["auth_login"]
    assert login["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert "examples" in login["requestBody"]["content"]["application/json"]
    assert "examples" in login["responses"]["200"]["content"]["application/json"]
    assert login["responses"]["401"]["content"]["application/json"]["examples"]["InvalidCredentials"]["value"]["code"] == "invalid_credentials"
    assert ops["auth_logout"]["security"] == [{"bearerAuth": []}]
    assert {"bearerAuth": []} in ops["me_get"]["security"]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert all(op.get("tags") for op in (ops[k] for k in expected))


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=CONTRACT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_generated_typescript_client_type_checks(client, db):
    if not (shutil.which("node") and shutil.which("npm") and shutil.which("npx")):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node/npm are required for the contract check under CI")
        pytest.skip("node/npm not installed: the TypeScript contract check needs them")
    if not (CONTRACT / "node_modules" / ".bin" / "tsc").exists():
        installed = _run(["npm", "ci", "--no-audit", "--no-fund"])
        assert installed.returncode == 0, installed.stdout + installed.stderr
    (CONTRACT / "openapi.json").write_text(json.dumps(_schema_json(client), ensure_ascii=False, indent=1))
    generated = _run(["npx", "--no", "--", "openapi-typescript", "openapi.json", "-o", "schema.d.ts", "--default-non-nullable=false"])
    assert generated.returncode == 0, generated.stdout + generated.stderr
    checked = _run(["npx", "--no", "--", "tsc", "--noEmit", "-p", "."])
    assert checked.returncode == 0, checked.stdout + checked.stderr
