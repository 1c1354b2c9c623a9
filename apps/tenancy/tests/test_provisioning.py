import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from apps.common.errors import DomainValidationError
from apps.tenancy.models import StaffProfile, Store
from apps.tenancy.public.models import Tenant
from apps.tenancy.public.services import tenant_provision


def test_provision_creates_schema_store_and_admin(db, world):
    tenant, store, admin = tenant_provision(
        slug="gamma-inn", name="Gamma Inn", store_name="Gamma Main", admin_username="boss", admin_password="pw-123456",
    )
    assert tenant.schema_name == "t_gamma_inn"
    assert schema_exists("t_gamma_inn")
    with tenant_context(tenant):
        assert list(Store.objects.values_list("name", flat=True)) == ["Gamma Main"]
        user = get_user_model().objects.get(username="boss")
        assert user.is_superuser and user.check_password("pw-123456")
        assert user.staff.role == StaffProfile.Role.TENANT_ADMIN
        assert user.staff.current_store_id == store.pk
    connection.set_schema_to_public()


def test_provision_refuses_taken_slug_and_leaves_nothing(db, world):
    before = Tenant.objects.count()
    with pytest.raises(DomainValidationError) as err:
        tenant_provision(slug="alpha", name="Again", store_name="S", admin_username="x", admin_password="pw-123456")
    assert err.value.code == "tenant_slug_taken"
    assert Tenant.objects.count() == before


def test_provision_refuses_bad_slug(db, world):
    with pytest.raises(DomainValidationError) as err:
        tenant_provision(slug="Bad Slug!", name="x", store_name="S", admin_username="x", admin_password="pw-123456")
    assert err.value.code == "invalid"
    assert not Tenant.objects.filter(name="x").exists()


def test_provision_is_atomic_when_a_step_fails(db, world, monkeypatch):
    import apps.tenancy.services as tenancy_services

    def boom(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tenancy_services, "staff_create", boom)
    with pytest.raises(RuntimeError):
        tenant_provision(slug="delta", name="Delta", store_name="S", admin_username="x", admin_password="pw-123456")
    assert not Tenant.objects.filter(slug="delta").exists()
    assert not schema_exists("t_delta")


def _schema_objects(schema):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.relname, c.conname, replace(pg_get_constraintdef(c.oid), %s, '')
               FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
               JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s""",
            [f"{schema}.", schema],
        )
        constraints = set(cursor.fetchall())
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s", [schema])
        indexes = set(cursor.fetchall())
        cursor.execute(
            """SELECT event_object_table, trigger_name FROM information_schema.triggers WHERE trigger_schema = %s""",
            [schema],
        )
        triggers = set(cursor.fetchall())
    return constraints, indexes, triggers


def test_cloned_schema_has_the_templates_constraints_indexes_and_triggers_by_name(db, world):
    # Migrations alter constraints by name: a clone with other names could not be migrated.
    assert _schema_objects(world.alpha.tenant.schema_name) == _schema_objects("tpl_base")


def test_clone_copies_the_templates_shipped_rows_and_sequence_positions(db, world):
    """A clone starts with the template's migration records, content types and
    permissions, and its identity sequences continue after them (no id collisions)."""
    alpha = world.alpha.tenant.schema_name
    with connection.cursor() as cursor:
        for table in ("django_migrations", "django_content_type", "auth_permission"):
            cursor.execute(f'SELECT count(*) FROM tpl_base."{table}"')
            template_rows = cursor.fetchone()[0]
            cursor.execute(f'SELECT count(*) FROM "{alpha}"."{table}"')
            assert cursor.fetchone()[0] == template_rows > 0
        cursor.execute(f'SELECT max(id) FROM "{alpha}".django_content_type')
        highest = cursor.fetchone()[0]
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('\"{alpha}\".django_content_type', 'id'))")
        assert cursor.fetchone()[0] > highest
