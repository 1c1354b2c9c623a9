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


def test_rotation_while_the_front_desk_keeps_editing_loses_nothing(committed_tenant, monkeypatch):
    from apps.contacts import crypto
    from apps.contacts.services import contact_find_or_create, contact_keys_rotate, contact_update
    from apps.contacts.tests.conftest import BLIND, KEY_A, KEY_B

    monkeypatch.setenv("PMS_BLIND_INDEX_KEY", BLIND)
    monkeypatch.setenv("PMS_FIELD_KEYS", f"ka:{KEY_A}")
    crypto.reload_keyring()
    try:
        store, tenant = committed_tenant.store, committed_tenant.tenant
        with tenant_context(tenant):
            ids = [
                contact_find_or_create(store=store, full_name=f"客{i}", phone=f"1390000{i:04d}", id_number=resident_id(seq=f"{i:03d}")).pk
                for i in range(200)
            ]
        monkeypatch.setenv("PMS_FIELD_KEYS", f"kb:{KEY_B},ka:{KEY_A}")
        crypto.reload_keyring()

        def rotate():
            return contact_keys_rotate(batch_size=10).failures

        def edit():
            for pk in ids[::4]:
                contact_update(contact=Contact.objects.get(pk=pk), phone=f"1370000{pk % 10000:04d}")
            return "edited"

        results = run_concurrently(lambda job: job(), [(rotate,), (edit,)], tenant=tenant)
        assert results == [0, "edited"], results
        with tenant_context(tenant):
            rows = {c.pk: c for c in Contact.objects.filter(pk__in=ids)}
            only_b = crypto.Keyring.from_strings(f"kb:{KEY_B}", BLIND)
            for i, pk in enumerate(ids):
                c = rows[pk]
                assert crypto.decrypt(c.id_number_encrypted, field="id_number", ring=only_b) == resident_id(seq=f"{i:03d}")
                want = f"+861370000{pk % 10000:04d}" if pk in ids[::4] else f"+861390000{i:04d}"
                assert crypto.decrypt(c.phone_encrypted, field="phone", ring=only_b) == want
    finally:
        monkeypatch.delenv("PMS_FIELD_KEYS")
        monkeypatch.delenv("PMS_BLIND_INDEX_KEY")
        crypto.reload_keyring()
