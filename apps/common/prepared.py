"""Server-side prepared statements, with parameters bound on the server, for the few
hand-written statements a hot path runs on every request.

PostgreSQL parses, analyses and plans every statement it receives; with client-side
parameter binding (Django's default) each run is a new statement text, so a wide
statement (a find-or-create CTE, an insert of an order with its lines) costs it more to
prepare than to run. And the client pays too: binding on the client means quoting every
value into the text in Python, which for the booking's array parameters was ~12 % of a
booking's CPU in the app server (py-spy under bench/booking_soak.py, 2026-11-22).

So these statements run on a psycopg ``Cursor`` that binds its parameters on the server
(Django's ``ServerBindingCursor``), with ``prepare=True``: psycopg parses the statement
once per connection (protocol-level Parse, named ``_pg3_<n>``, visible in
``pg_prepared_statements``) and afterwards only binds and executes it; after five runs
PostgreSQL's plan cache may keep a generic plan, and planning goes too.

- The statement goes through the Django cursor wrapper the caller opened, so it is
  logged and counted like any other, and django-tenants has set the search_path first.
  That cursor binds on the server from then on: every statement run on it must give
  each placeholder a type that follows from the statement (a column it is compared
  with or inserted into, or a cast such as ``%s::date[]``).
- Tenants: PostgreSQL re-analyses a prepared statement by itself when the search_path
  differs from the one it was prepared with, so one connection serving several tenants
  reads each tenant's own tables.
- psycopg keeps at most ``prepared_max`` (100) statements per connection, dropping the
  least recently used; ``sql`` must be a small, fixed set of texts (placeholders for
  every value, never values formatted into it).
- Rollbacks: psycopg on its own forgets and deallocates (``DEALLOCATE ALL``) every
  prepared statement when a transaction or a savepoint rolls back, in case one used an
  object created in that transaction. PostgreSQL itself keeps prepared statements across
  a rollback, and ours only use the tenants' permanent tables, so the connection gets a
  ``PrepareManager`` that keeps them (``_KeepAcrossRollbacks``; it still forgets on
  ``DISCARD ALL``, ``DEALLOCATE ALL``, ``DROP`` and ``ALTER``). Without it every refused
  booking (a 409 rolls back) made the connection's next booking prepare its statements
  again: ~1.3 ms more of PostgreSQL's CPU per request in bench/booking_soak.py, where a
  quarter of the requests are refused. ``PrepareManager`` is psycopg's private class
  (psycopg is pinned); ``apps/orders/tests/test_create.py`` fails if a rollback drops
  the statements again.
- Django opens psycopg connections with ``prepare_threshold=None`` (nothing is ever
  prepared); this module sets a threshold no statement reaches on each connection it
  uses, so that only its ``prepare=True`` statements are prepared: Django's own cursors
  bind on the client and are never prepared.
- Prepared statements live in the database session: a pooler must hand a client the same
  server connection for its whole session (pgbouncer ``pool_mode = session``, which the
  tenants' search_path already requires: docs/tenancy.md).

Used by orders, rooms and contacts on the booking path and by the owner's overview
(``apps/reports/overview.py``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg import ClientCursor, pq
from psycopg._preparing import PrepareManager

# Only statements run with prepare=True are prepared (see the module docstring).
_THRESHOLD = 2**31 - 1


class _KeepAcrossRollbacks(PrepareManager):
    """psycopg's prepared-statement bookkeeping, minus forgetting them on a rollback."""

    _FORGET = (b"DISCARD ALL", b"DEALLOCATE ALL", b"DROP", b"ALTER")

    def clear(self) -> bool:
        # Called by psycopg's Connection.rollback(): the statements stay on the server.
        return False

    def _should_discard(self, prep, results) -> bool:
        # psycopg's, without ROLLBACK (a savepoint's rollback comes through here).
        for result in results:
            status = result.command_status or b""
            if result.status == pq.ExecStatus.COMMAND_OK and status.startswith(self._FORGET):
                return PrepareManager.clear(self)
        return False


class _Logged:
    """What Django's debug cursor logs of a statement (``last_executed_query`` reads the
    cursor's ``_query.query``, which psycopg leaves empty for a prepared run)."""

    def __init__(self, text: str):
        self.query = text.encode()


class PreparingCursor(ServerBindingCursor):
    """A psycopg cursor binding on the server that prepares every statement it runs."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        super().execute(query, params, prepare=True, binary=binary)
        if connection.queries_logged:  # tests and DEBUG only: the statement with its values, for the log
            self._query = _Logged(ClientCursor(self.connection).mogrify(query, params))
        return self


def execute_prepared(cursor, sql: str, params: Sequence | Mapping = ()) -> None:
    """Run ``sql`` (``%s`` or ``%(name)s`` placeholders, as for ``cursor.execute``) on the
    Django cursor ``cursor`` as a prepared statement of this connection, its parameters
    bound on the server; the caller then fetches from ``cursor`` as usual."""
    raw = connection.connection  # open: the caller's cursor opened it and set the search_path
    if raw.prepare_threshold is None:  # first use on this connection
        manager = _KeepAcrossRollbacks()
        manager.prepare_threshold, manager.prepared_max = _THRESHOLD, raw.prepared_max
        raw._prepared = manager
    inner = cursor.cursor
    if not isinstance(inner, PreparingCursor):
        cursor.cursor = PreparingCursor(raw)
        inner.close()
    cursor.execute(sql, params)
