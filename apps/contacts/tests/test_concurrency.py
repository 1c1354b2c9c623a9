"""One guest, one profile under concurrency: the partial unique constraints decide."""
from django.db import connection
from django_tenants.utils import tenant_context

from apps.contacts.models import Contact
from apps.contacts.services import contact_create_or_reuse
from apps.contacts.tests.factories import resident_id
from tests.fixtures import run_concurrently


def test_unique_constraints_survive_schema_cloning(in_alpha):
    # Also makes this module set up the test database when run alone: tests that use
    # only ``committed_tenant`` would otherwise run against the dev database.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = 'contacts_contact' "
            "AND indexdef LIKE 'CREATE UNIQUE INDEX%%' ORDER BY indexname",
            [in_alpha.tenant.schema_name],
        )
        assert [r[0] for r in cursor.fetchall()] == [
            "contact_unique_document_per_store", "contact_unique_phone_only_per_store", "contacts_contact_pkey",
        ]


def test_simultaneous_creates_with_the_same_phone_make_one_contact(committed_tenant):
    store = committed_tenant.store

    def create(name):
        result = contact_create_or_reuse(store=store, full_name=name, phone="138 1234 5678", contact_type="booker")
        return result.contact.pk, result.created

    results = run_concurrently(create, [(f"赵先生{i}",) for i in range(8)], tenant=committed_tenant.tenant)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len({pk for pk, _created in results}) == 1
    assert sum(created for _pk, created in results) == 1
    with tenant_context(committed_tenant.tenant):
        assert Contact.objects.filter(store=store).count() == 1


def test_simultaneous_creates_with_the_same_document_make_one_contact(committed_tenant):
    store = committed_tenant.store
    number = resident_id("110105", "19900101", "123")

    def create(i):
        return contact_create_or_reuse(store=store, full_name="张三", id_number=number, phone=f"1390000{i:04d}").contact.pk

    results = run_concurrently(create, [(i,) for i in range(8)], tenant=committed_tenant.tenant)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len(set(results)) == 1
    with tenant_context(committed_tenant.tenant):
        assert Contact.objects.filter(store=store).count() == 1
