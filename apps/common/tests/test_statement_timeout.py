"""PostgreSQL's statement_timeout for web processes (PMS_WEB_STATEMENT_TIMEOUT_MS): set on
the sessions of a process started through config/wsgi.py (gunicorn), not on those of a
management command or a Celery worker (migrations, the night audit); a web request's
statement past it is cancelled."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.celery_worker import database_url

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow

PROBE = """
import {entry}
from django.db import connection
with connection.cursor() as c:
    c.execute("SHOW statement_timeout")
    print(c.fetchone()[0])
    try:
        c.execute("SELECT pg_sleep(1.5)")
        print("slept")
    except Exception as exc:
        print(type(exc.__cause__ or exc).__name__)
"""


def _run(entry: str, **env) -> list[str]:
    setup = "django\ndjango.setup()" if entry == "django" else entry
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(entry=setup)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(),
             "PMS_WEB_STATEMENT_TIMEOUT_MS": "1000", "LOG_LEVEL": "WARNING", **env},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()


def test_a_web_process_has_the_statement_timeout_and_a_long_statement_is_cancelled(db):
    assert _run("config.wsgi") == ["1s", "QueryCanceled"]


def test_other_processes_have_none(db):
    assert _run("django") == ["0", "slept"]  # manage.py, celery: no web role


def test_zero_turns_it_off_for_the_web_too(db):
    assert _run("config.wsgi", PMS_WEB_STATEMENT_TIMEOUT_MS="0") == ["0", "slept"]


AUDIT_PROBE = """
import config.wsgi
from django.db import connection, transaction
from apps.night_audit.services import _lock_timeout_set
with transaction.atomic():
    _lock_timeout_set("5000ms")  # what the audit's transaction does first
    with connection.cursor() as c:
        c.execute("SHOW statement_timeout")
        print(c.fetchone()[0])
        c.execute("SELECT pg_sleep(1.5)")
        print("slept")
with connection.cursor() as c:
    c.execute("SHOW statement_timeout")
    print(c.fetchone()[0])
"""


def test_the_night_audit_run_from_a_web_process_turns_it_off_for_its_transaction_only(db):
    out = subprocess.run(
        [sys.executable, "-c", AUDIT_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(),
             "PMS_WEB_STATEMENT_TIMEOUT_MS": "1000", "LOG_LEVEL": "WARNING"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["0", "slept", "1s"]
