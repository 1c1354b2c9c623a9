"""Server-side prepared statements (SQL ``PREPARE`` / ``EXECUTE``) for the few hand-written
statements a hot path runs on every request.

PostgreSQL parses, analyses and plans every statement it receives; with client-side
parameter binding (Django's default) each run is a new statement text, so a wide
statement (a find-or-create CTE, an insert of an order with its lines) costs it more to
prepare than to run. A prepared statement is parsed once per connection; after five runs
the plan cache may keep a generic plan, and planning goes too.

- The statement goes through Django's cursor, so it is logged and counted like any other
  (the first run on a connection sends ``PREPARE ...; EXECUTE ...`` in one round trip:
  still one statement), and django-tenants has set the search_path first.
- Tenants: PostgreSQL re-analyses a prepared statement by itself when the search_path
  differs from the one it was prepared with, so one connection serving several tenants
  reads each tenant's own tables.
- Names are never reused: a ``PREPARE`` whose ``EXECUTE`` failed may exist on the server
  without being recorded here; it is prepared again under a new name next time.
- At most ``MAX_PER_CONNECTION`` statements per connection are kept; beyond that a
  statement runs unprepared (``sql`` must be a small, fixed set of texts: placeholders
  for every value, never values formatted into it).
- Prepared statements live in the database session: a pooler must hand a client the same
  server connection for its whole session (pgbouncer ``pool_mode = session``, which the
  tenants' search_path already requires: docs/tenancy.md).

Used by orders, rooms and contacts on the booking path and by the owner's overview
(``apps/reports/overview.py``).
"""
from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection

MAX_PER_CONNECTION = 64

# raw psycopg connection -> {statement text: prepared name}
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_numbers = itertools.count(1)
_PLACEHOLDER = re.compile(r"%%|%s|%\((\w+)\)s")
# statement text -> (its text with $1, $2..., the names of its placeholders in that order,
# or None for positional ones, and their number)
_numbering: dict[str, tuple[str, list[str] | None, int]] = {}


def _numbered(sql: str) -> tuple[str, list[str] | None, int]:
    """``sql`` with ``$1, $2...`` for its ``%s`` / ``%(name)s`` placeholders. A literal
    ``%%`` stays as it is: the text still goes through the driver's formatting."""
    found = _numbering.get(sql)
    if found is None:
        names: list[str] = []
        positional = 0

        def number(match: re.Match) -> str:
            nonlocal positional
            if match[0] == "%%":
                return match[0]
            if match[0] == "%s":
                positional += 1
                return f"${positional}"
            if match[1] not in names:
                names.append(match[1])
            return f"${names.index(match[1]) + 1}"

        text = _PLACEHOLDER.sub(number, sql)
        if names and positional:
            raise ValueError("mixed %s and %(name)s placeholders")
        found = _numbering[sql] = (text, names if names else None, len(names) or positional)
    return found


def execute_prepared(cursor, sql: str, params: Sequence | Mapping = (), *, label: str = "prepared") -> None:
    """Run ``sql`` (``%s`` or ``%(name)s`` placeholders, as for ``cursor.execute``) as a
    prepared statement of this connection, preparing it in the same round trip the first
    time. Every placeholder's type must follow from the statement (a column it is
    compared with or inserted into, or a cast such as ``%s::date[]``). ``label`` names
    the statement on the server (``pms_<label>_<n>``), for logs and ``pg_prepared_statements``."""
    raw = connection.connection  # open: the caller's cursor opened it and set the search_path
    with _lock:
        names = _prepared.setdefault(raw, {})
    name = names.get(sql)
    if name is None and len(names) >= MAX_PER_CONNECTION:
        cursor.execute(sql, params)
        return
    text, keys, count = _numbered(sql)
    args = [params[key] for key in keys] if keys is not None else list(params)
    if len(args) != count:
        raise ValueError(f"{count} placeholders, {len(args)} values")
    arguments = f"({', '.join(['%s'] * count)})" if count else ""
    if name is not None:
        cursor.execute(f"EXECUTE {name}{arguments}", args)
        return
    name = f"pms_{label}_{next(_numbers)}"
    try:
        cursor.execute(f"PREPARE {name} AS {text}; EXECUTE {name}{arguments}", args)
        cursor.nextset()  # past PREPARE's empty result, to EXECUTE's
    except Exception:
        names.pop(sql, None)
        raise
    names[sql] = name
