"""SQL shared by migrations.

Functions in ``public`` (trigger functions every tenant schema uses) are written with
``CREATE OR REPLACE FUNCTION`` by a migration that runs once per schema. When schemas are
migrated by several processes at once (``setup_db``, ``PMS_MIGRATE_PROCESSES``), two of
them replacing the same function at the same moment fail with "tuple concurrently
updated". ``in_public`` prefixes such SQL with a transaction-level advisory lock: the
replacements queue for a moment, the rest of each schema's migration stays parallel.
"""
from __future__ import annotations

PUBLIC_FUNCTIONS_LOCK = "SELECT pg_advisory_xact_lock(hashtext('pms.public_functions'));\n"


def in_public(sql: str) -> str:
    """``sql`` (``CREATE OR REPLACE FUNCTION public.…``) run under the lock above."""
    return PUBLIC_FUNCTIONS_LOCK + sql
