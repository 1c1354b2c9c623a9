"""Many tenants: provisioning, a no-op migration, a migration of every schema, backend memory.

Usage: python bench/tenants_scale.py [--tenants 1000] [--processes 2] [--skip-full] [--keep]

1. provisions ``--tenants`` tenants (clone of the template), each timed;
2. a no-op release migration three ways: django-tenants' ``migrate_schemas --tenant``
   (standard executor, every schema; ``--skip-full`` leaves it out), the same with its
   multiprocessing executor (``--processes`` workers), and ``setup_db``'s way (only the schemas
   behind the template, apps/tenancy/public/schema_migrate.py);
3. a real migration of every schema: each is put back to before ``rooms.0005`` (its three
   triggers dropped, its row in ``django_migrations`` removed, in one SQL transaction per
   schema), then ``setup_db``'s way migrates them all, ``--processes`` at a time;
4. every schema is then checked at the template's migrations (``schemas_behind``);
5. the resident memory of one PostgreSQL backend after it read one table of every schema
   (each schema's tables enter that backend's catalog cache): ``backend_rss_mb``.

Last line: {"bench": "tenants_scale", "tenants": N, "migrate_noop_s": ..., ...}. Not measured
here (issue 24 asks for it): bookings arriving during the migration.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, setup_django  # noqa: E402

ROOMS_0005 = ("rooms", "0005_room_catalog_reference_version")
TRIGGER_TABLES = ("rooms_roomtype", "rooms_pricingrule", "rooms_room")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else 0.0


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return round(time.perf_counter() - started, 1)


def _backend_rss_mb(schemas: list[str]) -> tuple[float, float]:
    """RSS of this process's PostgreSQL backend before and after reading one table per schema
    (the server must be on this host: /proc/<pid>/status)."""
    from django.db import connection

    def rss(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return 0.0

    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        if not Path(f"/proc/{pid}").exists():
            return (-1.0, -1.0)
        before = rss(pid)
        for schema in schemas:
            cursor.execute(f'SELECT count(*) FROM "{schema}".rooms_room')
            cursor.execute(f'SELECT count(*) FROM "{schema}".orders_order')
        after = rss(pid)
    connection.close()
    return before, after


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--skip-full", action="store_true", help="leave out migrate_schemas over every schema")
    parser.add_argument("--keep", action="store_true", help="keep the tenants")
    parser.add_argument("--reuse", action="store_true",
                        help="measure on the tenants a --keep run left (slugs sc...) instead of provisioning")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from apps.tenancy.public.schema_migrate import schemas_behind, tenants_migrate

    from apps.tenancy.public.models import Tenant

    tenants, durations = [], []
    if args.reuse:
        tenants = list(Tenant.objects.filter(slug__startswith="sc", is_template=False).order_by("id"))
        args.tenants, args.keep = len(tenants), True
    try:
        for _ in range(0 if args.reuse else args.tenants):
            started = time.perf_counter()
            tenant, _store, _admin = fresh_tenant(prefix="sc")
            durations.append(time.perf_counter() - started)
            tenants.append(tenant)
        schemas = [t.schema_name for t in tenants]
        total = len(schemas_behind()) + 0  # warm-up; all at the template's state
        assert total == 0, f"{total} schemas behind before the bench"
        in_db = Tenant.objects.exclude(schema_name=settings.PMS_TEMPLATE_SCHEMA).count()
        result = {"bench": "tenants_scale", "tenants": args.tenants, "tenant_schemas_in_db": in_db,
                  "provision_p50_s": _pct(durations, 0.5), "provision_p95_s": _pct(durations, 0.95),
                  "provision_max_s": round(max(durations), 3) if durations else None}

        if not args.skip_full:
            result["migrate_noop_migrate_schemas_s"] = _timed(
                lambda: call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0))
            connection.set_schema_to_public()
            settings.TENANT_MULTIPROCESSING_MAX_PROCESSES = args.processes
            connection.close()
            result[f"migrate_noop_multiprocessing_{args.processes}p_s"] = _timed(
                lambda: call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0,
                                     executor="multiprocessing"))
            connection.set_schema_to_public()
        noop = {}
        result["migrate_noop_s"] = _timed(lambda: noop.update(r=tenants_migrate(processes=args.processes)))
        assert noop["r"].migrated == [] and noop["r"].failed == {}

        # every schema one migration behind: rooms.0005 undone by hand (its triggers, its row)
        started = time.perf_counter()
        for schema in schemas:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
                for table in TRIGGER_TABLES:
                    cursor.execute(f'DROP TRIGGER reference_room_catalog ON "{schema}".{table}')
                cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', ROOMS_0005)
                cursor.execute("COMMIT")
        result["unapply_s"] = round(time.perf_counter() - started, 1)
        assert len(schemas_behind(schemas=schemas)) == len(schemas)
        real = {}
        result["migrate_real_s"] = _timed(lambda: real.update(r=tenants_migrate(processes=args.processes)))
        result["migrate_real_migrated"] = len(real["r"].migrated)
        result["errors_during_migrate"] = len(real["r"].failed)
        result["schemas_behind"] = len(schemas_behind())
        result["processes"] = args.processes
        before, after = _backend_rss_mb(schemas)
        result["backend_rss_mb_fresh"], result["backend_rss_mb"] = before, after
    finally:
        if not args.keep:
            for tenant in tenants:
                drop_tenant(tenant)
    emit(result)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    main()
