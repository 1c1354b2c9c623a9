"""Find or start what the project needs: PostgreSQL and (optionally) Redis.

Order for PostgreSQL: ``DATABASE_URL`` if set; else a server on 127.0.0.1:5432; else an
embedded server from the ``pgserver`` package, kept in ``var/pgdata``. Order for Redis:
``REDIS_URL`` if set; else 127.0.0.1:6379; else a ``redis-server`` on the PATH started
on a free port; else none (the app then uses an in-process cache and eager tasks).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


def _port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _ensure_database(url: str, name: str) -> None:
    """Create database ``name`` on the server behind ``url`` if it is missing."""
    import psycopg

    with psycopg.connect(url, autocommit=True, dbname="postgres") as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _ensure_database_of(url: str) -> None:
    """Create the database ``url`` names if its server is up and it is missing (a
    ``DATABASE_URL`` naming a new database). Nothing if it exists or the server says no."""
    import psycopg
    from urllib.parse import unquote, urlsplit

    name = unquote(urlsplit(url).path.lstrip("/"))
    if not name:
        return
    try:
        psycopg.connect(url, connect_timeout=5).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            return  # server down, password refused...: the caller's first query says so
    _ensure_database(url, name)


_pgserver_handle = None  # keeps the embedded server alive while this process runs


def database_url(dbname: str = "pms") -> tuple[str, str]:
    """Return ``(url, source)`` with source one of env / local / embedded."""
    global _pgserver_handle
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
        _ensure_database_of(url)
        return url, "env"
    if _port_open("127.0.0.1", 5432):
        base = "postgresql://postgres@127.0.0.1:5432/postgres"
        _ensure_database(base, dbname)
        return f"postgres://postgres@127.0.0.1:5432/{dbname}", "local"
    import pgserver

    VAR.mkdir(exist_ok=True)
    _pgserver_handle = pgserver.get_server(VAR / "pgdata", cleanup_mode="stop")
    uri = _pgserver_handle.get_uri()  # postgresql://postgres:@/postgres?host=/path
    _ensure_database(uri, dbname)
    socket_dir = uri.split("host=", 1)[1]
    return f"postgres://postgres@/{dbname}?host={socket_dir}", "embedded"


def redis_url() -> tuple[str | None, str]:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], "env"
    if _port_open("127.0.0.1", 6379):
        return "redis://127.0.0.1:6379/0", "local"
    binary = shutil.which("redis-server")
    if binary:
        port = 6390
        VAR.mkdir(exist_ok=True)
        subprocess.run(
            [binary, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", str(VAR)],
            check=True, stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            if _port_open("127.0.0.1", port):
                return f"redis://127.0.0.1:{port}/0", "started"
            time.sleep(0.1)
    return None, "none"
