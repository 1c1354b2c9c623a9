"""Security headers (docs/deployment.md): the Content-Security-Policy without inline script,
no inline handlers in any template, ``Cache-Control: no-store`` for signed-in users, and the
production settings: ``check --deploy`` silent with the documented environment, HSTS, the
HTTPS redirect and the proxy header."""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def test_the_policy_allows_no_inline_script_and_no_eval(client, world):
    for response in (
        client.get("/t/alpha/login/"),
        client.get("/t/alpha/api/v1/stores/1/rooms/"),  # 401 in JSON: the header all the same
        client.get("/api/docs/"),
    ):
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], directives
        assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]


def test_a_signed_in_page_has_the_policy(browser_login, world):
    client = browser_login("alpha", "clerk_a1")
    response = client.get(f"/t/alpha/s/{world.alpha.stores['A1'].pk}/grid/")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in policy(response)["script-src"]


INLINE = [
    (re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I), "inline event handler"),
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script():
    """The policy refuses inline script: a template that has some breaks in the browser."""
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("apps/*/templates/**/*.html")]
    assert len(templates) > 30
    found = [
        f"{path.relative_to(ROOT)}: {what}: {m.group(0)!r}"
        for path in templates
        for pattern, what in INLINE
        for m in pattern.finditer(path.read_text())
    ]
    assert found == []


def test_production_sends_the_same_policy_as_the_tests():
    out = _prod_python("from django.conf import settings; import json; "
                       "print(json.dumps(settings.CONTENT_SECURITY_POLICY, default=str))")
    assert json.loads(out) == json.loads(json.dumps(settings.CONTENT_SECURITY_POLICY, default=str))


# --- Cache-Control -----------------------------------------------------------------------

def test_signed_in_answers_are_no_store_and_static_files_are_not(client, browser_login, api, world):
    store = world.alpha.stores["A1"].pk
    anonymous = client.get("/api/schema/")
    assert anonymous.status_code == 200 and "no-store" not in anonymous.get("Cache-Control", "")
    browser_login("alpha", "clerk_a1")
    for path in (f"/t/alpha/s/{store}/grid/", f"/t/alpha/s/{store}/orders/", f"/t/alpha/s/{store}/guests/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], path
    by_token = api("alpha", "clerk_a1").get(f"/t/alpha/api/v1/stores/{store}/rooms/")
    assert by_token.status_code == 200
    assert "no-store" in by_token["Cache-Control"]
    static = client.get("/static/js/desk.js")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


# --- Production settings -----------------------------------------------------------------

def documented_env() -> dict[str, str]:
    """The environment block of docs/deployment.md, with a generated secret key."""
    text = (ROOT / "docs/deployment.md").read_text()
    block = text.split("<!-- production-env", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    env = dict(line.split("=", 1) for line in block.strip().splitlines())
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def _prod_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PMS_TEST"))}
    env.update(documented_env())
    env["DATABASE_URL"] = _test_database_url()
    env.update(extra)
    return env


def _test_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _prod_python(code: str, **extra) -> str:
    done = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT,
                          env=_prod_env(**extra), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_check_deploy_is_silent_with_the_documented_production_settings():
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=_prod_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stdout + done.stderr and "System check identified no issues" in done.stdout


@pytest.mark.django_db
def test_production_redirects_to_https_and_sends_hsts():
    """Plain HTTP is redirected (the health check excepted); the proxy's X-Forwarded-Proto
    makes a request HTTPS; HTTPS answers carry HSTS for a year with subdomains."""
    out = _prod_python(
        "from django.test import Client; import json; c = Client(HTTP_HOST='pms.example.com'); "
        "plain = c.get('/t/nobody/login/'); "
        "proxied = c.get('/healthz', HTTP_X_FORWARDED_PROTO='https'); "
        "health = c.get('/healthz'); "
        "print(json.dumps([plain.status_code, plain.get('Location'), proxied.status_code, "
        "proxied.get('Strict-Transport-Security'), health.status_code, health.get('Strict-Transport-Security')]))"
    )
    plain, location, proxied, hsts, health, health_hsts = json.loads(out.strip().splitlines()[-1])
    assert (plain, location) == (301, "https://pms.example.com/t/nobody/login/")
    assert proxied in (200, 503) and hsts == "max-age=31536000; includeSubDomains"
    assert health in (200, 503) and health_hsts is None
