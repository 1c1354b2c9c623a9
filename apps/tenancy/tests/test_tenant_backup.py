"""One tenant's logical export and restore (apps/tenancy/public/backup.py, docs/operations.md).

Two tenants committed for real (pg_dump and psql are other sessions): one is exported,
both change, the one is restored; it is back as it was, the other keeps its change.
"""
from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.tenancy.models import Store
from apps.tenancy.public.backup import BackupError, tenant_export, tenant_restore
from apps.tenancy.public.models import Domain, Tenant
from apps.tenancy.public.services import tenant_drop, tenant_provision
from apps.tenancy.services import store_create


@pytest.fixture
def two_tenants(django_db_setup, django_db_blocker):
    made = []
    with django_db_blocker.unblock():
        for label in ("a", "b"):
            tenant, store, _admin = tenant_provision(
                slug=f"bk{label}{uuid.uuid4().hex[:8]}", name=f"Backup {label}", store_name=f"Store {label}",
                admin_username="admin", admin_password="backup-pass-1",
                domain=f"{label}{uuid.uuid4().hex[:8]}.example.test",
            )
            made.append(tenant)
        try:
            yield made
        finally:
            connection.set_schema_to_public()
            for tenant in made:
                fresh = Tenant.objects.filter(pk=tenant.pk).first() or Tenant.objects.filter(slug=tenant.slug).first()
                if fresh is not None:
                    tenant_drop(tenant=fresh)
            with connection.cursor() as cursor:
                for tenant in made:
                    cursor.execute(
                        "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [tenant.schema_name + "%"]
                    )
                    for (name,) in cursor.fetchall():
                        cursor.execute(f'DROP SCHEMA "{name}" CASCADE')


def _stores(tenant) -> list[tuple[str, str]]:
    with tenant_context(tenant):
        return sorted(Store.objects.values_list("code", "name"))


def _versions(tenant) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT area, version FROM "{tenant.schema_name}".tenancy_referenceversion')
        return dict(cursor.fetchall())


def _schemas_like(prefix: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY 1", [prefix + "%"])
        return [r[0] for r in cursor.fetchall()]


def test_one_tenant_restored_to_its_export_and_the_other_untouched(two_tenants, django_db_blocker, tmp_path):
    a, b = two_tenants
    with django_db_blocker.unblock():
        with tenant_context(a):
            store_create(name="Lakeside", code="lake")
        before_a, before_b = _stores(a), _stores(b)
        result = tenant_export(slug=a.slug, directory=tmp_path / "a")
        manifest = json.loads((tmp_path / "a" / "tenant.json").read_text())
        assert manifest["tenant"]["schema_name"] == a.schema_name
        assert manifest["row_counts"]["tenancy_store"] == 2
        assert manifest["migrations"]["tenancy"].startswith("00")
        assert result.rows == sum(manifest["row_counts"].values())

        # after the export: a renames its stores and gains one, b gains one
        with tenant_context(a):
            Store.objects.update(name="Renamed by mistake")
            store_create(name="Extra", code="extra")
        with tenant_context(b):
            store_create(name="Hillside", code="hill")
        after_b = _stores(b)
        assert _stores(a) == [("extra", "Extra"), ("lake", "Renamed by mistake"), ("main", "Renamed by mistake")]
        versions_before = _versions(a)
        tenant_row = Tenant.objects.values().get(pk=a.pk)

        restored = tenant_restore(directory=tmp_path / "a", slug=a.slug)

        assert restored.schema == a.schema_name and restored.previous_kept_as is None
        assert _stores(a) == before_a == [("lake", "Lakeside"), ("main", "Store a")]
        assert _stores(b) == after_b == sorted(before_b + [("hill", "Hillside")])
        # the tenant's row in public is the same row, unchanged; nothing left beside the schema
        assert Tenant.objects.values().get(pk=a.pk) == tenant_row
        assert _schemas_like(a.schema_name) == [a.schema_name]
        # every process drops what it cached of the tenant: each area's version is new
        versions_after = _versions(a)
        assert versions_after.keys() == versions_before.keys() and versions_after
        assert all(versions_after[k] > versions_before[k] for k in versions_after)
        # the restored schema is at the code's latest migrations (no plan left)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{a.schema_name}".django_migrations')
            applied_a = cursor.fetchone()[0]
            cursor.execute(f'SELECT count(*) FROM "{b.schema_name}".django_migrations')
            assert applied_a == cursor.fetchone()[0]


def test_a_restore_that_fails_its_check_changes_nothing(two_tenants, django_db_blocker, tmp_path):
    a, _b = two_tenants
    with django_db_blocker.unblock():
        tenant_export(slug=a.slug, directory=tmp_path / "a")
        with tenant_context(a):
            store_create(name="After the export", code="after")
        now = _stores(a)
        path = tmp_path / "a" / "tenant.json"
        manifest = json.loads(path.read_text())
        manifest["row_counts"]["tenancy_store"] = 5  # the dump holds 1
        path.write_text(json.dumps(manifest))

        with pytest.raises(BackupError, match=r"tenancy_store has 1 rows, the export 5"):
            tenant_restore(directory=tmp_path / "a", slug=a.slug)

        assert _stores(a) == now
        assert _schemas_like(a.schema_name) == [a.schema_name]


def test_the_wrong_tenant_is_refused(two_tenants, django_db_blocker, tmp_path):
    a, b = two_tenants
    with django_db_blocker.unblock():
        tenant_export(slug=a.slug, directory=tmp_path / "a")
        with pytest.raises(BackupError, match="is of tenant"):
            tenant_restore(directory=tmp_path / "a", slug=b.slug)


def test_a_deleted_tenant_comes_back_with_its_row_and_domain(two_tenants, django_db_blocker, tmp_path):
    a, b = two_tenants
    with django_db_blocker.unblock():
        before = _stores(a)
        domain = Domain.objects.get(tenant=a).domain
        tenant_export(slug=a.slug, directory=tmp_path / "a")
        tenant_drop(tenant=Tenant.objects.get(pk=a.pk))
        assert _schemas_like(a.schema_name) == []
        with pytest.raises(BackupError, match="recreate_tenant"):
            tenant_restore(directory=tmp_path / "a", slug=a.slug)

        result = tenant_restore(directory=tmp_path / "a", slug=a.slug, recreate_tenant=True)

        assert result.tenant_recreated
        back = Tenant.objects.get(slug=a.slug)
        assert back.schema_name == a.schema_name
        assert Domain.objects.get(tenant=back).domain == domain
        assert _stores(back) == before
        assert _stores(b) == [("main", "Store b")]
