"""Count every SQL statement sent over the wire, including the ``SET search_path``
that django-tenants issues on the raw cursor (Django's query capture misses it)."""
from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


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

    raw.cursor_factory = Counting
    try:
        yield seen
    finally:
        raw.cursor_factory = base


def queries(call) -> int:
    """How many queries ``call()`` runs (Django's count, ``SET search_path`` aside): for
    tests that a page's cost does not grow with its rows ("constant in N"), never to pin
    a number."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def run(sql: str, params=()) -> None:
    """Raw SQL in its own transaction, bypassing every service (the ledgers' database tests)."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql: str, params=(), *, sqlstate: str | None = None, constraint: str | None = None) -> str:
    """``sql`` is refused by PostgreSQL (``IntegrityError``), with ``sqlstate`` and the
    ``constraint`` named if given; the database's message."""
    import pytest
    from django.db import IntegrityError

    with pytest.raises(IntegrityError) as err:
        run(sql, params)
    cause = err.value.__cause__
    if sqlstate:
        assert cause.sqlstate == sqlstate, str(cause)
    if constraint:
        assert cause.diag.constraint_name == constraint, str(cause)
    return str(cause)
