"""One tenant's logical backup: export its schema, and put it back without touching the others.

An export is a directory holding ``schema.dump`` (``pg_dump --format=custom --schema=<schema>``)
and ``tenant.json``: the tenant's row and domains in public (what django-tenants needs to serve
it), the schema's last migration of each app, and every table's row count, all read in the
dump's own snapshot.

A restore replaces the tenant's schema by the export's in **one transaction**: the live schema
is renamed aside, the dump's schema is created and loaded, every table's row count is checked
against ``tenant.json``, the tenant's reference-data versions are bumped (every process drops
what it cached of the tenant), and the renamed schema is dropped (or kept, ``keep_previous``).
Anything failing rolls the whole of it back: the tenant keeps the schema it had. The tenant's
row in public stays as it is (it is created again from ``tenant.json`` only if it is gone and
the caller asks for it); no other schema, and nothing else in public, is touched. The restored
schema is then migrated to the code's latest migrations (an export from an older release).

docs/operations.md, "Backups and restore".
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from apps.tenancy.public.models import Domain, Tenant

FORMAT_VERSION = 1
# Tables whose rows are version numbers bumped on restore (apps/tenancy/reference_cache.py).
_REFERENCE_VERSIONS = "tenancy_referenceversion"


class BackupError(Exception):
    pass


def pg_tool(name: str) -> str:
    """The PostgreSQL client program ``name``: in ``PG_BIN`` if set, else on the PATH, else in
    the newest ``/usr/lib/postgresql/<major>/bin`` (Debian's layout)."""
    if os.environ.get("PG_BIN"):
        return str(Path(os.environ["PG_BIN"]) / name)
    found = shutil.which(name)
    if found:
        return found
    majors = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for bin_dir in majors:
        if (bin_dir / name).exists():
            return str(bin_dir / name)
    raise BackupError(f"{name} not found: install the PostgreSQL client programs or set PG_BIN")


def libpq_env(db: dict | None = None) -> dict:
    """The environment that points libpq programs (pg_dump, psql) at Django's database."""
    db = db or settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_counts_sql(schema: str) -> str:
    return (
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
    )


def _count_rows(cursor, schema: str) -> dict[str, int]:
    cursor.execute(_table_counts_sql(schema))
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {_quote_ident(schema)}.{_quote_ident(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    schema: str
    tables: int
    rows: int


def tenant_export(*, slug: str, directory: Path) -> ExportResult:
    """Export tenant ``slug`` into ``directory`` (created; must not hold an export already)."""
    tenant = Tenant.objects.filter(slug=slug, is_template=False).first()
    if tenant is None:
        raise BackupError(f"no tenant {slug!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / "tenant.json").exists():
        raise BackupError(f"{directory} already holds an export")
    schema = tenant.schema_name
    connection.set_schema_to_public()
    # One snapshot for the counts, the migrations and pg_dump (--snapshot): they describe
    # exactly the rows the dump holds, whatever commits meanwhile.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), now(), current_setting('server_version')")
        snapshot, taken_at, server_version = cursor.fetchone()
        counts = _count_rows(cursor, schema)
        cursor.execute(
            f"SELECT app, max(name) FROM {_quote_ident(schema)}.django_migrations GROUP BY app ORDER BY app"
        )
        migrations = dict(cursor.fetchall())
        cmd = [pg_tool("pg_dump"), "--format=custom", f"--schema={schema}", f"--snapshot={snapshot}",
               "--no-owner", "--no-privileges", f"--file={directory / 'schema.dump'}"]
        done = subprocess.run(cmd, env=libpq_env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    manifest = {
        "format": FORMAT_VERSION,
        "taken_at": taken_at.astimezone(UTC).isoformat(),
        "server_version": server_version,
        "tenant": {"slug": tenant.slug, "name": tenant.name, "schema_name": schema, "is_active": tenant.is_active},
        "domains": [
            {"domain": d.domain, "is_primary": d.is_primary} for d in Domain.objects.filter(tenant=tenant).order_by("id")
        ],
        "migrations": migrations,
        "row_counts": counts,
    }
    (directory / "tenant.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return ExportResult(directory=directory, schema=schema, tables=len(counts), rows=sum(counts.values()))


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / "tenant.json"
    if not path.exists() or not (Path(directory) / "schema.dump").exists():
        raise BackupError(f"{directory} is not a tenant export (tenant.json and schema.dump)")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown export format {manifest.get('format')!r}")
    return manifest


def _restore_script(
    *, schema: str, aside: str | None, dump_sql: str, counts: dict[str, int], keep_previous: bool, lock_timeout_ms: int,
) -> str:
    """The SQL run by psql in one transaction (see the module's docstring)."""
    checks = "\n".join(
        f"  SELECT count(*) INTO n FROM {_quote_ident(schema)}.{_quote_ident(table)};\n"
        f"  IF n <> {int(expected)} THEN RAISE EXCEPTION 'restore check: %.% has % rows, the export {int(expected)}', "
        f"'{schema}', '{table}', n; END IF;"
        for table, expected in sorted(counts.items())
    )
    bump = (
        f"UPDATE {_quote_ident(schema)}.{_REFERENCE_VERSIONS} SET version = nextval('public.pms_reference_version');"
        if _REFERENCE_VERSIONS in counts else ""
    )
    rename = f"ALTER SCHEMA {_quote_ident(schema)} RENAME TO {_quote_ident(aside)};" if aside else ""
    drop = f"DROP SCHEMA {_quote_ident(aside)} CASCADE;" if aside and not keep_previous else ""
    return f"""
SET lock_timeout = '{int(lock_timeout_ms)}ms';
{rename}
{dump_sql}
SET search_path = public;
DO $check$
DECLARE n bigint;
BEGIN
{checks}
END
$check$;
{bump}
{drop}
"""


@dataclass(frozen=True)
class RestoreResult:
    schema: str
    tables: int
    rows: int
    previous_kept_as: str | None
    tenant_recreated: bool


def tenant_restore(
    *, directory: Path, slug: str | None = None, recreate_tenant: bool = False, keep_previous: bool = False,
    migrate: bool = True, lock_timeout_ms: int = 15000,
) -> RestoreResult:
    """Put the export in ``directory`` back as its tenant's schema (see the module's docstring).

    ``slug``, when given, must be the export's (a guard against restoring the wrong file).
    The restore waits at most ``lock_timeout_ms`` for each lock (requests using the tenant's
    tables hold them for milliseconds), else it rolls back.
    """
    manifest = read_manifest(directory)
    info = manifest["tenant"]
    if slug is not None and slug != info["slug"]:
        raise BackupError(f"the export is of tenant {info['slug']!r}, not {slug!r}")
    schema = info["schema_name"]
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(slug=info["slug"]).first()
    recreated = False
    if tenant is None:
        if not recreate_tenant:
            raise BackupError(f"tenant {info['slug']!r} is not in public.tenancy_public_tenant (recreate_tenant)")
        with transaction.atomic():
            tenant = Tenant.objects.create(
                schema_name=schema, slug=info["slug"], name=info["name"], is_active=info["is_active"]
            )
            for d in manifest["domains"]:
                Domain.objects.create(tenant=tenant, domain=d["domain"], is_primary=d["is_primary"])
        recreated = True
    elif tenant.schema_name != schema:
        raise BackupError(f"tenant {info['slug']!r} lives in schema {tenant.schema_name!r}, the export in {schema!r}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        exists = cursor.fetchone() is not None
    aside = f"{schema[:40]}_pre_restore_{datetime.now(UTC):%Y%m%d%H%M%S}" if exists else None
    dump = subprocess.run(
        [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(Path(directory) / "schema.dump")],
        capture_output=True, text=True,
    )
    if dump.returncode != 0:
        raise BackupError(f"pg_restore failed: {dump.stderr.strip()}")
    script = _restore_script(
        schema=schema, aside=aside, dump_sql=dump.stdout, counts=manifest["row_counts"], keep_previous=keep_previous,
        lock_timeout_ms=lock_timeout_ms,
    )
    # Django's own connection may hold the schema's tables in a snapshot or a lock: let go.
    connection.close()
    done = subprocess.run(
        [pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--file=-"],
        input=script, env=libpq_env(), capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"restore of {schema} rolled back: {done.stderr.strip()}")
    if migrate:
        from django.core.management import call_command

        call_command("migrate_schemas", schema_name=schema, tenant=True, interactive=False, verbosity=0)
        connection.set_schema_to_public()
    counts = manifest["row_counts"]
    return RestoreResult(
        schema=schema, tables=len(counts), rows=sum(counts.values()),
        previous_kept_as=aside if keep_previous else None, tenant_recreated=recreated,
    )
