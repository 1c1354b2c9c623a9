"""Provisioning: a tenant, its schema, its first store and its admin, in one transaction.

New schemas are cloned from a template schema that ``setup_db`` keeps migrated, rather
than built by running every migration (13-40 s reported by django-tenants users, see
REFERENCE.md); ``clone.py`` says how. The template is a Tenant row flagged ``is_template`` so that
``migrate_schemas`` migrates it with every other tenant.
"""
from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists, tenant_context

from apps.common.errors import DomainValidationError
from apps.tenancy.error_codes import TenancyErrorCode
from apps.tenancy.public.clone import clone_schema
from apps.tenancy.public.models import Domain, Tenant, slug_validator

logger = logging.getLogger(__name__)


def template_ensure(*, verbosity: int = 0) -> Tenant:
    """Create and migrate the template schema if it is missing (idempotent)."""
    name = settings.PMS_TEMPLATE_SCHEMA
    template, _created = Tenant.objects.get_or_create(
        schema_name=name, defaults={"slug": "_template", "name": "Template", "is_template": True}
    )
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
        call_command("migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=verbosity)
        connection.set_schema_to_public()
    return template


def schema_name_for(slug: str) -> str:
    return "t_" + slug.replace("-", "_")


def tenant_provision(
    *,
    slug: str,
    name: str,
    store_name: str,
    admin_username: str,
    admin_password: str,
    admin_email: str = "",
    store_code: str = "main",
    domain: str | None = None,
):
    """Create tenant ``slug`` with one store and a tenant admin. All or nothing.

    Returns ``(tenant, store, admin_user)``.
    """
    from apps.tenancy.models import StaffProfile
    from apps.tenancy.services import staff_create, store_create

    try:
        slug_validator(slug)
    except Exception as exc:
        raise DomainValidationError("invalid", _("This tenant slug is not valid."), extra={"fields": {"slug": list(exc.messages)}}) from exc
    if Tenant.objects.filter(slug=slug).exists() or schema_exists(schema_name_for(slug)):
        raise DomainValidationError(
            TenancyErrorCode.TENANT_SLUG_TAKEN, _("A tenant with this slug already exists."),
            extra={"fields": {"slug": [_("Already taken.")]}},
        )
    started = time.perf_counter()
    connection.set_schema_to_public()
    with transaction.atomic():
        tenant = Tenant.objects.create(schema_name=schema_name_for(slug), slug=slug, name=name)
        clone_schema(settings.PMS_TEMPLATE_SCHEMA, tenant.schema_name)
        if domain:
            Domain.objects.create(tenant=tenant, domain=domain, is_primary=True)
        with tenant_context(tenant):
            store = store_create(name=store_name, code=store_code)
            admin = staff_create(
                username=admin_username, password=admin_password, email=admin_email,
                role=StaffProfile.Role.TENANT_ADMIN, stores=[store],
            )
    logger.info("tenant.provisioned", extra={"tenant": slug, "seconds": round(time.perf_counter() - started, 3)})
    return tenant, store, admin


def tenant_drop(*, tenant: Tenant) -> None:
    """Delete a tenant row and drop its schema (used by tests and benches)."""
    connection.set_schema_to_public()
    tenant.delete(force_drop=True)


def tenant_rename(*, tenant: Tenant, name: str) -> Tenant:
    """The tenant's display name (its 商户名称), set by its tenant admin in the back office.
    The slug, and so every URL, stays."""
    name = (name or "").strip()
    if not name:
        raise ValueError("a tenant's name may not be blank")
    tenant.name = name
    tenant.save(update_fields=["name"])  # the per-process tenant cache is cleared by its signal
    return tenant
