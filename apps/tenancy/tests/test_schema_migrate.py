"""setup_db migrates only the tenant schemas behind the template (apps/tenancy/public/schema_migrate.py)."""
from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from apps.tenancy.public.models import Tenant
from apps.tenancy.public.schema_migrate import schemas_behind, tenants_migrate
from apps.tenancy.public.services import tenant_drop, tenant_provision


@pytest.fixture
def two_schemas(django_db_setup, django_db_blocker):
    made = []
    with django_db_blocker.unblock():
        for label in ("x", "y"):
            tenant, _store, _admin = tenant_provision(
                slug=f"mg{label}{uuid.uuid4().hex[:8]}", name=f"Migrate {label}", store_name="Store",
                admin_username="admin", admin_password="migrate-pass-1",
            )
            made.append(tenant.schema_name)
        try:
            yield made
        finally:
            connection.set_schema_to_public()
            for tenant in Tenant.objects.filter(schema_name__in=made):
                tenant_drop(tenant=tenant)


def _applied(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


def _has_trigger(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND t.tgname = 'reference_room_catalog'",
            [schema],
        )
        return cursor.fetchone()[0] == 3


def _roll_back_rooms_0005(schema: str) -> None:
    call_command("migrate_schemas", "rooms", "0004_roomnight_lock_index", schema_name=schema, tenant=True,
                 interactive=False, verbosity=0)
    connection.set_schema_to_public()


def test_a_schema_at_the_template_state_is_skipped_and_one_behind_is_migrated(two_schemas, django_db_blocker):
    x, y = two_schemas
    with django_db_blocker.unblock():
        assert schemas_behind(schemas=[x, y]) == []
        _roll_back_rooms_0005(x)
        assert ("rooms", "0005_room_catalog_reference_version") not in _applied(x) and not _has_trigger(x)
        assert schemas_behind(schemas=[x, y]) == [x]
        # every tenant of the database is checked; only x is behind
        assert schemas_behind() == [x]

        result = tenants_migrate(processes=1)

        assert result.migrated == [x] and result.failed == {}
        assert result.checked == Tenant.objects.exclude(schema_name__in=[settings.PMS_TEMPLATE_SCHEMA]).count()
        assert _has_trigger(x)
        assert _applied(x) >= _applied(settings.PMS_TEMPLATE_SCHEMA)
        assert schemas_behind() == []


def test_schemas_behind_are_migrated_by_several_processes(two_schemas, django_db_blocker):
    x, y = two_schemas
    with django_db_blocker.unblock():
        _roll_back_rooms_0005(x)
        _roll_back_rooms_0005(y)
        assert schemas_behind(schemas=[x, y]) == [x, y]

        result = tenants_migrate(processes=2)

        assert result.failed == {}
        assert sorted(result.migrated) == sorted([x, y])
        assert _has_trigger(x) and _has_trigger(y)
        assert schemas_behind() == []


def test_a_schema_without_its_migrations_table_is_behind(two_schemas, django_db_blocker):
    x, y = two_schemas
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{x}_empty"')
        try:
            assert schemas_behind(schemas=[x, f"{x}_empty", y]) == [f"{x}_empty"]
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{x}_empty"')
