"""Count every SQL statement sent over the wire, including the ``SET search_path``
that django-tenants issues on the raw cursor (Django's query capture misses it), and
read the connection's prepared statements."""
from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

from apps.common import prepared


@contextmanager
def wire_statements():
    connection.ensure_connection()
    raw = connection.connection
    base = raw.cursor_factory
    seen: list[str] = []

    class Counting(base):  # type: ignore[misc, valid-type]
        def execute(self, query, params=None, **kwargs):
            seen.append(query.as_string(self) if hasattr(query, "as_string") else str(query))
            return super().execute(query, params, **kwargs)

    # apps.common.prepared runs its statements on a cursor of its own class
    preparing = prepared.PreparingCursor.execute

    def counting_prepared(self, query, params=None, **kwargs):
        seen.append(str(query))
        return preparing(self, query, params, **kwargs)

    raw.cursor_factory = Counting
    prepared.PreparingCursor.execute = counting_prepared
    try:
        yield seen
    finally:
        raw.cursor_factory = base
        prepared.PreparingCursor.execute = preparing


def prepared_statements() -> dict[str, tuple[str, int]]:
    """The statements prepared on this connection by the protocol (psycopg's, not SQL
    ``PREPARE``): name -> (text, times it ran). psycopg prepares a text once per
    combination of its values' types (a small int goes as int2, a list of Nones untyped...),
    so one text may have several names."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement, generic_plans + custom_plans FROM pg_prepared_statements WHERE NOT from_sql")
        return {name: (text, runs) for name, text, runs in cursor.fetchall()}


def prepared_runs(before: dict, after: dict) -> dict[str, int]:
    """By statement text, how many more times its prepared statements ran in ``after``."""
    runs: dict[str, int] = {}
    for name, (text, count) in after.items():
        more = count - before.get(name, (text, 0))[1]
        if more:
            runs[text] = runs.get(text, 0) + more
    return runs
