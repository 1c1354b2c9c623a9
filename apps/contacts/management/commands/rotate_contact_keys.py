"""Re-encrypt contacts under the current field key (the first of ``PMS_FIELD_KEYS``).

Runbook (docs/contacts.md): put the new key first, keep the old ones after it, deploy,
run this command, then remove the old keys once it reports 0 failures everywhere.
Safe while the system runs; resumable (rows already under the current key are skipped).
"""
import time

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from apps.contacts import crypto
from apps.contacts.services import RotationProgress, contact_keys_rotate
from apps.tenancy.public.models import Tenant


class Command(BaseCommand):
    help = "Re-encrypt contact documents and phones under the current key, per tenant, in batches."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--tenant", help="slug of one tenant")
        which.add_argument("--all", action="store_true", help="every tenant (and the template schema)")
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
        parser.add_argument("--after", type=int, default=0, help="start after this contact id (resume a big table)")

    def handle(self, *args, **options):
        if options["batch"] < 1:
            raise CommandError("--batch must be positive")
        ring = crypto.reload_keyring()
        tenants = Tenant.objects.exclude(schema_name="public").order_by("pk")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"no tenant {options['tenant']!r}")
        self.stdout.write(f"current key: {ring.current_id}; keys configured: {', '.join(i for i, _k in ring.keys)}")
        total_rotated = total_failures = 0
        for tenant in tenants:
            started = time.perf_counter()

            def report(p: RotationProgress, started=started):
                rate = p.rotated / max(time.perf_counter() - started, 1e-9)
                self.stdout.write(
                    f"  {p.schema}: batch {p.batches}, up to id {p.scanned_to_pk}, rotated {p.rotated}, "
                    f"failures {p.failures} ({rate:.0f} rows/s)"
                )

            with tenant_context(tenant):
                progress = contact_keys_rotate(batch_size=options["batch"], after_pk=options["after"], on_batch=report)
            total_rotated += progress.rotated
            total_failures += progress.failures
            self.stdout.write(f"{tenant.slug}: rotated {progress.rotated}, failures {progress.failures}")
        style = self.style.SUCCESS if total_failures == 0 else self.style.ERROR
        self.stdout.write(style(f"done: rotated {total_rotated}, failures {total_failures}"))
        if total_failures:
            raise CommandError(f"{total_failures} row(s) could not be decrypted; see the log (contact.rotation_failed)")
