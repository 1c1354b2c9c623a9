"""Migrating many tenant schemas: only those behind the template, several at a time.

``migrate_schemas`` runs Django's whole ``migrate`` command in every schema, even when there is
nothing to apply: it loads the migration graph, reads the schema's ``django_migrations`` and
runs the ``post_migrate`` handlers (content types and permissions of every model), about a
quarter of a second per schema: 72 s for 301 schemas at every release, measured, with nothing
to do (issue 24). Here:

1. the template schema is migrated first (``setup_db``): it is, by construction, at the code's
   latest migrations, and every tenant is cloned from it;
2. a schema is **behind** when the template has applied a migration that it has not: one small
   query per schema (``EXCEPT`` of the two ``django_migrations``), a fraction of a millisecond;
3. only the schemas behind are migrated, each with ``migrate_schemas --schema`` (Django's own
   command: the same migrations, signals and transaction per schema as before), by
   ``processes`` forked workers (``PMS_MIGRATE_PROCESSES``) when there are several.

A schema whose ``django_migrations`` is missing counts as behind (its migration creates it).
``bench/tenants_scale.py`` measures it against ``migrate_schemas`` over every schema.
"""
from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from apps.tenancy.public.models import Tenant


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schemas_behind(*, template: str | None = None, schemas: list[str] | None = None) -> list[str]:
    """The tenant schemas (template excepted) missing a migration the template has applied."""
    template = template or settings.PMS_TEMPLATE_SCHEMA
    if schemas is None:
        schemas = list(
            Tenant.objects.exclude(schema_name__in=[template, "public"]).order_by("schema_name")
            .values_list("schema_name", flat=True)
        )
    behind = []
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind = 'r'"
        )
        with_table = {row[0] for row in cursor.fetchall()}
        for schema in schemas:
            if schema not in with_table:
                behind.append(schema)
                continue
            cursor.execute(
                f"SELECT EXISTS (SELECT app, name FROM {_quote(template)}.django_migrations "
                f"EXCEPT SELECT app, name FROM {_quote(schema)}.django_migrations)"
            )
            if cursor.fetchone()[0]:
                behind.append(schema)
    return behind


def _migrate_one(schema: str, verbosity: int) -> tuple[str, str | None]:
    try:
        call_command("migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=verbosity)
        return schema, None
    except Exception as exc:  # noqa: BLE001 - reported per schema, the others go on
        return schema, f"{type(exc).__name__}: {exc}"
    finally:
        connection.set_schema_to_public()


# A forked child must never close a connection it inherited: closing (or freeing) it ends
# the parent's session on the server. The child keeps them here, untouched, and opens its own.
_INHERITED: list = []


def _child_start() -> None:
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _INHERITED.append(conn.connection)
            conn.connection = None


def _migrate_one_in_child(args: tuple[str, int]) -> tuple[str, str | None]:
    schema, verbosity = args
    try:
        return _migrate_one(schema, verbosity)
    finally:
        connections.close_all()


@dataclass
class TenantsMigrated:
    checked: int
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def tenants_migrate(*, processes: int | None = None, verbosity: int = 0) -> TenantsMigrated:
    """Migrate the tenant schemas behind the template (migrate the template first)."""
    processes = processes or getattr(settings, "PMS_MIGRATE_PROCESSES", 1)
    template = settings.PMS_TEMPLATE_SCHEMA
    all_schemas = list(
        Tenant.objects.exclude(schema_name__in=[template, "public"]).values_list("schema_name", flat=True)
    )
    behind = schemas_behind(template=template, schemas=sorted(all_schemas))
    result = TenantsMigrated(checked=len(all_schemas))
    if not behind:
        return result
    if processes > 1 and len(behind) > 1 and "fork" in multiprocessing.get_all_start_methods():
        # Children inherit the loaded app registry; none may share the parent's connection.
        connections.close_all()
        pool_size = min(processes, len(behind))
        with multiprocessing.get_context("fork").Pool(processes=pool_size, initializer=_child_start) as pool:
            outcomes = pool.map(_migrate_one_in_child, [(s, verbosity) for s in behind], chunksize=1)
    else:
        outcomes = [_migrate_one(s, verbosity) for s in behind]
    for schema, error in outcomes:
        if error is None:
            result.migrated.append(schema)
        else:
            result.failed[schema] = error
    return result
