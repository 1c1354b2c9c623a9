import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.tenancy.public.schema_migrate import tenants_migrate
from apps.tenancy.public.services import template_ensure


class Command(BaseCommand):
    help = (
        "Migrate the public schema, the tenant template schema and every tenant schema behind it "
        "(idempotent; apps/tenancy/public/schema_migrate.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=None,
                            help="tenant schemas migrated at once (default: PMS_MIGRATE_PROCESSES)")
        parser.add_argument("--all-schemas", action="store_true",
                            help="run migrate_schemas in every tenant schema, even those at the template's state")

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        started = time.perf_counter()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        template_ensure(verbosity=verbosity)
        if options["all_schemas"]:
            call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        else:
            call_command("migrate_schemas", schema_name=settings.PMS_TEMPLATE_SCHEMA, tenant=True,
                         interactive=False, verbosity=verbosity)
            result = tenants_migrate(processes=options["processes"], verbosity=max(verbosity - 1, 0))
            if verbosity:
                self.stdout.write(
                    f"Tenant schemas: {result.checked} checked, {len(result.migrated)} migrated, "
                    f"{len(result.failed)} failed ({time.perf_counter() - started:.1f} s in all)."
                )
            if result.failed:
                for schema, error in sorted(result.failed.items()):
                    self.stderr.write(f"{schema}: {error}")
                raise CommandError(f"{len(result.failed)} tenant schema(s) failed to migrate: {sorted(result.failed)}")
        self.stdout.write(self.style.SUCCESS("Database ready."))
