"""Create the demo tenant (idempotent) and print its logins.

Each business app may add demo data through ``apps/<app>/demo.py::seed(store=...)``;
they are called in dependency order for each demo store.
"""
import importlib

from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from apps.tenancy.models import StaffProfile
from apps.tenancy.public.models import Tenant
from apps.tenancy.public.services import tenant_provision

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-pass-2026"
SEED_APPS = ["rooms", "contacts", "orders", "folios"]
# (username, display name, role, store indexes)
STAFF = [
    ("manager", "王经理", StaffProfile.Role.STORE_MANAGER, [0]),
    ("clerk", "李前台", StaffProfile.Role.FRONT_DESK, [0]),
    ("clerk2", "张前台", StaffProfile.Role.FRONT_DESK, [1]),
]


class Command(BaseCommand):
    help = "Create the demo tenant with two stores, staff of each role and demo data; print the logins."

    def handle(self, *args, **options):
        from apps.tenancy.services import staff_create, store_create

        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
        if tenant is None:
            tenant, store_a, _admin = tenant_provision(
                slug=DEMO_SLUG, name="云宿居演示民宿", store_name="西湖店", store_code="xihu",
                admin_username="admin", admin_password=DEMO_PASSWORD,
            )
            with tenant_context(tenant), transaction.atomic():
                store_a.address = "杭州市西湖区北山街 88 号"
                store_a.save(update_fields=["address"])
                store_b = store_create(name="大理古城店", code="dali", address="大理市古城人民路 12 号")
                stores = [store_a, store_b]
                for username, display, role, idx in STAFF:
                    staff_create(
                        username=username, password=DEMO_PASSWORD, role=role, display_name=display,
                        stores=[stores[i] for i in idx],
                    )
                for app in SEED_APPS:
                    try:
                        module = importlib.import_module(f"apps.{app}.demo")
                    except ModuleNotFoundError:
                        continue
                    for store in stores:
                        module.seed(store=store)
            self.stdout.write(self.style.SUCCESS("Demo tenant created."))
        else:
            self.stdout.write("Demo tenant already exists.")
        self.stdout.write(
            "\nDemo logins (password for all: %s)\n"
            "  admin    tenant admin, both stores\n"
            "  manager  store manager, 西湖店\n"
            "  clerk    front desk, 西湖店\n"
            "  clerk2   front desk, 大理古城店\n"
            "Back office: /t/%s/   API: /t/%s/api/v1/   API docs: /api/docs/\n" % (DEMO_PASSWORD, DEMO_SLUG, DEMO_SLUG)
        )
