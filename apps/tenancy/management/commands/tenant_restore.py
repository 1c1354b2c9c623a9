from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.tenancy.public.backup import BackupError, tenant_restore


class Command(BaseCommand):
    help = (
        "Replace one tenant's schema by an export (tenant_export), in one transaction, checking every "
        "table's row count; other tenants and public are not touched (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="an export made by tenant_export")
        parser.add_argument("--tenant", dest="slug", required=True, help="the export's tenant slug (a guard)")
        parser.add_argument("--recreate-tenant", action="store_true",
                            help="create the tenant's row and domains in public again if the tenant was deleted")
        parser.add_argument("--keep-previous", action="store_true",
                            help="keep the replaced schema, renamed <schema>_pre_restore_<time>, instead of dropping it")
        parser.add_argument("--no-migrate", action="store_true",
                            help="do not migrate the restored schema to the code's latest migrations")
        parser.add_argument("--lock-timeout-ms", type=int, default=15000)

    def handle(self, *args, **o):
        try:
            result = tenant_restore(
                directory=o["directory"], slug=o["slug"], recreate_tenant=o["recreate_tenant"],
                keep_previous=o["keep_previous"], migrate=not o["no_migrate"], lock_timeout_ms=o["lock_timeout_ms"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        kept = f"; the replaced schema kept as {result.previous_kept_as}" if result.previous_kept_as else ""
        self.stdout.write(self.style.SUCCESS(
            f"Restored {result.schema}: {result.tables} tables, {result.rows} rows checked{kept}"
        ))
