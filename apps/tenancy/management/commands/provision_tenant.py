from django.core.management.base import BaseCommand, CommandError

from apps.common.errors import DomainError
from apps.tenancy.public.services import tenant_provision


class Command(BaseCommand):
    help = "Create a tenant with its schema, first store and tenant admin, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--store", required=True, help="name of the first store")
        parser.add_argument("--admin", required=True, help="user name of the tenant admin")
        parser.add_argument("--password", required=True)
        parser.add_argument("--domain", default=None, help="optional own host name for the tenant")

    def handle(self, *args, **o):
        try:
            tenant, store, admin = tenant_provision(
                slug=o["slug"], name=o["name"], store_name=o["store"], admin_username=o["admin"],
                admin_password=o["password"], domain=o["domain"],
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.extra}") from exc
        self.stdout.write(self.style.SUCCESS(f"Tenant {tenant.slug} ready at /t/{tenant.slug}/ (schema {tenant.schema_name})"))
