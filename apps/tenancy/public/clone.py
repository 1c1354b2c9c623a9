"""Fast schema cloning for tenant provisioning.

django-tenants' ``clone_schema`` introspects the catalog table by table on every call
(~15 ms per table: 44 tables made provisioning take 3 s). Here the catalog of the
template schema is read once per template version and turned into one SQL script with a
placeholder schema name; each provisioning only executes that script.

What a tenant schema holds, and how it is recreated with the template's names (so later
migrations, which alter constraints and indexes by name, apply to clones too):

- tables: ``CREATE TABLE ... (LIKE template.t INCLUDING DEFAULTS, CONSTRAINTS (CHECK),
  IDENTITY, GENERATED, STORAGE, COMMENTS)``;
- primary keys, unique and exclusion constraints, foreign keys: ``pg_get_constraintdef``;
- other indexes (partial unique ones too): ``pg_get_indexdef``;
- triggers: ``pg_get_triggerdef`` (their functions live in ``public``);
- rows of the template (migration records, content types, permissions) and the identity
  sequences' positions.

Functions, views or standalone sequences in the template schema are not supported:
``clone_script`` refuses a template that has any, so a migration adding one fails loudly
in the provisioning tests rather than producing incomplete tenants.
"""
from __future__ import annotations

import re
import threading

from django.db import connection, transaction

PLACEHOLDER = "__pms_clone_target__"
_cache: dict[tuple[str, str], str] = {}
_lock = threading.Lock()


def _version(cursor, template: str) -> str:
    cursor.execute(f'SELECT count(*), max(id) FROM "{template}".django_migrations')
    count, last = cursor.fetchone()
    return f"{count}:{last}"


def _qualified(template: str, text: str) -> str:
    """Point references to the template schema at the placeholder."""
    return re.sub(rf'(?<![\w"]){re.escape(template)}\.', f'"{PLACEHOLDER}".', text)


def _build(cursor, template: str) -> str:
    cursor.execute(
        """SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND c.relkind NOT IN ('r', 'i', 'S')""",
        [template],
    )
    others = cursor.fetchall()
    cursor.execute(
        """SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s""",
        [template],
    )
    others += [("function", name) for (name,) in cursor.fetchall()]
    if others:
        raise RuntimeError(f"template schema holds objects the clone does not copy: {others}")

    cursor.execute(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname""",
        [template],
    )
    tables = [name for (name,) in cursor.fetchall()]
    statements = [f'CREATE SCHEMA "{PLACEHOLDER}"']
    for table in tables:
        statements.append(
            f'CREATE TABLE "{PLACEHOLDER}"."{table}" (LIKE "{template}"."{table}" INCLUDING DEFAULTS '
            "INCLUDING CONSTRAINTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
        )

    # rows shipped in the template, and where its identity sequences stand
    for table in tables:
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{template}"."{table}")')
        if cursor.fetchone()[0]:
            statements.append(
                f'INSERT INTO "{PLACEHOLDER}"."{table}" OVERRIDING SYSTEM VALUE SELECT * FROM "{template}"."{table}"'
            )
    cursor.execute(
        """SELECT c.relname, a.attname, s.last_value
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_sequences s ON s.schemaname = n.nspname
                AND s.sequencename = split_part(pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname), '.', 2)
           WHERE n.nspname = %s AND a.attidentity <> '' AND s.last_value IS NOT NULL""",
        [template],
    )
    for table, column, last_value in cursor.fetchall():
        statements.append(
            f"SELECT setval(pg_get_serial_sequence('\"{PLACEHOLDER}\".\"{table}\"', '{column}'), {int(last_value)}, true)"
        )

    # keys and unique/exclusion constraints (they create their indexes under their names)
    cursor.execute(
        """SELECT c.relname, k.conname, pg_get_constraintdef(k.oid), k.contype
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = k.connamespace
           WHERE n.nspname = %s AND k.contype IN ('p', 'u', 'x', 'f')
           ORDER BY k.contype = 'f', c.relname, k.conname""",
        [template],
    )
    constraints = cursor.fetchall()
    for table, name, definition, _kind in constraints:
        statements.append(
            f'ALTER TABLE "{PLACEHOLDER}"."{table}" ADD CONSTRAINT "{name}" {_qualified(template, definition)}'
        )
    # indexes that no constraint owns
    cursor.execute(
        """SELECT pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                                                AND k.contype IN ('p', 'u', 'x'))
           ORDER BY c.relname""",
        [template],
    )
    statements += [_qualified(template, definition) for (definition,) in cursor.fetchall()]
    cursor.execute(
        """SELECT pg_get_triggerdef(t.oid)
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND NOT t.tgisinternal ORDER BY c.relname, t.tgname""",
        [template],
    )
    statements += [_qualified(template, definition) for (definition,) in cursor.fetchall()]
    return ";\n".join(statements) + ";"


def clone_script(template: str) -> str:
    """The clone script of ``template``'s current version (built once, then cached)."""
    with connection.cursor() as cursor:
        version = _version(cursor, template)
    key = (template, version)
    script = _cache.get(key)
    if script is None:
        with _lock:
            script = _cache.get(key)
            if script is None:
                # Catalog functions print names outside the search_path qualified: read
                # them with only pg_catalog on it, in a savepoint that is rolled back.
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL search_path TO pg_catalog")
                        script = _build(cursor, template)
                    transaction.set_rollback(True)
                connection.search_path_set_schemas = None  # make django-tenants set it again
                _cache[key] = script
    return script


def clone_schema(template: str, schema: str) -> None:
    """Create ``schema`` as a copy of ``template`` (structure, names, shipped rows)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ValueError(f"bad schema name {schema!r}")
    with connection.cursor() as cursor:
        cursor.execute(clone_script(template).replace(PLACEHOLDER, schema))
