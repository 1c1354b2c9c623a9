"""``manage.py integration_token <tenant> create|list|revoke``: a tenant's integration tokens
(``Authorization: Token <key>``) from the server's shell (docs/api.md, "Integration tokens")."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from apps.tenancy.auth_selectors import integration_token_list
from apps.tenancy.auth_services import integration_token_create, integration_token_revoke
from apps.tenancy.public.selectors import tenant_for_slug


class Command(BaseCommand):
    help = "Create, list or revoke a tenant's integration tokens (Authorization: Token <key>)."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="the tenant's slug")
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="a new token; its key is printed once")
        create.add_argument("--user", required=True, help="user name the token acts as")
        create.add_argument("--name", default="", help="what it is for")
        create.add_argument("--days", type=int, default=None, help="lifetime (default PMS_INTEGRATION_TOKEN_DAYS)")
        listing = sub.add_parser("list", help="every integration token of the tenant")
        listing.add_argument("--user", default=None)
        revoke = sub.add_parser("revoke", help="revoke tokens by id")
        revoke.add_argument("ids", nargs="+", type=int)

    def handle(self, *args, **o):
        tenant = tenant_for_slug(o["tenant"])
        if tenant is None:
            raise CommandError(f"No tenant {o['tenant']!r}.")
        with tenant_context(tenant):
            user_model = get_user_model()
            user = None
            if o.get("user"):
                user = user_model.objects.filter(username=o["user"]).first()
                if user is None:
                    raise CommandError(f"No user {o['user']!r} in tenant {tenant.slug}.")
            if o["action"] == "create":
                if o["days"] is not None and o["days"] < 1:
                    raise CommandError("--days must be at least 1.")
                token, raw = integration_token_create(user=user, name=o["name"], days=o["days"])
                self.stdout.write(f"id {token.pk}, expires {token.expires_at.isoformat()}; the key (shown once):")
                self.stdout.write(raw)
            elif o["action"] == "list":
                for t in integration_token_list(user=user):
                    state = f"revoked ({t.revoke_reason})" if t.revoked_at else f"expires {t.expires_at.isoformat()}"
                    self.stdout.write(f"{t.pk}\t{t.user.username}\t{t.name or '-'}\t{state}")
            else:
                rows = {t.pk: t for t in integration_token_list().filter(pk__in=o["ids"])}
                missing = sorted(set(o["ids"]) - set(rows))
                if missing:
                    raise CommandError(f"No integration token with id {missing} in tenant {tenant.slug}.")
                for token in rows.values():
                    integration_token_revoke(token=token)
                self.stdout.write(self.style.SUCCESS(f"Revoked {len(rows)}."))
