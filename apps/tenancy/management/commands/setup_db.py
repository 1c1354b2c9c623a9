from django.core.management import call_command
from django.core.management.base import BaseCommand

from apps.tenancy.public.services import template_ensure


class Command(BaseCommand):
    help = "Migrate the public schema, the tenant template schema and every tenant schema (idempotent)."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        template_ensure(verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        self.stdout.write(self.style.SUCCESS("Database ready."))
