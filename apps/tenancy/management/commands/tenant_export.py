from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.tenancy.public.backup import BackupError, tenant_export


class Command(BaseCommand):
    help = "Export one tenant's schema (pg_dump) and its row in public into a directory (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("directory", type=Path, help="created; receives schema.dump and tenant.json")

    def handle(self, *args, **o):
        try:
            result = tenant_export(slug=o["slug"], directory=o["directory"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Exported {result.schema}: {result.tables} tables, {result.rows} rows, into {result.directory}"
        ))
