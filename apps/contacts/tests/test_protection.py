"""Protection at rest: ciphertexts, tenant binding, blind indexes, key rotation."""
import base64
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import tenant_context

from apps.contacts import crypto
from apps.contacts.models import Contact
from apps.contacts.selectors import contact_find_by_document, contact_find_by_phone
from apps.contacts.services import contact_find_or_create, contact_keys_rotate, contact_reveal
from apps.contacts.tests.conftest import BLIND, KEY_A
from apps.contacts.tests.factories import resident_id

ID_NUMBER = resident_id("110105", "19900101", "123")  # 110105199001011232
PHONE = "13812345678"


def _raw_rows(table: str = "contacts_contact") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return cursor.fetchall()


def test_raw_sql_read_shows_no_document_number_or_phone_in_clear(in_alpha):
    contact_find_or_create(store=in_alpha.stores["A1"], full_name="张三", phone=PHONE, id_number=ID_NUMBER)
    rows = _raw_rows()
    assert len(rows) == 1
    dumped = " ".join(str(v) for v in rows[0])
    for clear in (ID_NUMBER, ID_NUMBER[:6], ID_NUMBER[6:14], "1990-01-01", "13812345678", "+8613812345678"):
        assert clear not in dumped, clear
    # what is there: masks, and ciphertexts prefixed with their key id (the dev key in tests):
    # the document number, the phone and the birth date
    assert "**************1232" in dumped and "138****5678" in dumped
    assert len([v for v in rows[0] if isinstance(v, str) and v.startswith("dev:")]) == 3


def test_stored_values_are_authenticated_ciphertexts_under_the_current_key(in_alpha, ring_a):
    contact = contact_find_or_create(store=in_alpha.stores["A1"], full_name="张三", phone=PHONE, id_number=ID_NUMBER)
    contact.refresh_from_db()
    assert contact.id_number_encrypted.startswith("ka:")
    assert contact.phone_encrypted.startswith("ka:")
    assert crypto.decrypt(contact.id_number_encrypted, field="id_number") == ID_NUMBER
    assert crypto.decrypt(contact.phone_encrypted, field="phone") == "+8613812345678"
    # same plaintext twice -> different ciphertexts (random nonce)
    assert crypto.encrypt(ID_NUMBER, field="id_number") != crypto.encrypt(ID_NUMBER, field="id_number")
    # tampering is detected
    raw = bytearray(base64.urlsafe_b64decode(contact.id_number_encrypted[3:]))
    raw[-1] ^= 1
    tampered = "ka:" + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(crypto.ProtectedValueError) as info:
        crypto.decrypt(tampered, field="id_number")
    assert info.value.extra == {"reason": "authentication_failed"}


def test_ciphertext_copied_into_another_tenants_row_does_not_decrypt(world, api):
    with tenant_context(world.alpha.tenant):
        alpha = contact_find_or_create(store=world.alpha.stores["A1"], full_name="张三", id_number=ID_NUMBER)
        stolen = alpha.id_number_encrypted
    with tenant_context(world.beta.tenant):
        beta = contact_find_or_create(store=world.beta.stores["B1"], full_name="李四", id_number=resident_id(seq="125"))
        with connection.cursor() as cursor:
            cursor.execute("UPDATE contacts_contact SET id_number_encrypted = %s WHERE id = %s", [stolen, beta.pk])
        beta.refresh_from_db()
        assert beta.id_number_encrypted == stolen
        with pytest.raises(crypto.ProtectedValueError) as info:
            crypto.decrypt(beta.id_number_encrypted, field="id_number")
        assert info.value.code == "protected_value_unreadable"
        assert info.value.extra == {"reason": "authentication_failed"}
        # and through the API: a clear error, never alpha's number
        response = api("beta", "admin_b").post(
            f"/t/beta/api/v1/stores/{world.beta.stores['B1'].pk}/contacts/{beta.pk}/reveal/", {}, format="json"
        )
    assert response.status_code == 500
    assert response.json()["code"] == "protected_value_unreadable"
    assert ID_NUMBER not in response.content.decode()


def test_ciphertext_moved_to_another_field_does_not_decrypt(in_alpha):
    contact = contact_find_or_create(store=in_alpha.stores["A1"], full_name="张三", phone=PHONE, id_number=ID_NUMBER)
    with pytest.raises(crypto.ProtectedValueError):
        crypto.decrypt(contact.id_number_encrypted, field="phone")


def test_blind_indexes_differ_between_tenants_and_fields(world):
    with tenant_context(world.alpha.tenant):
        in_alpha = crypto.blind_index(ID_NUMBER, field="id_number")
        as_phone = crypto.blind_index(ID_NUMBER, field="phone")
    with tenant_context(world.beta.tenant):
        in_beta = crypto.blind_index(ID_NUMBER, field="id_number")
    assert len({in_alpha, as_phone, in_beta}) == 3
    assert len(in_alpha) == 64 and ID_NUMBER not in in_alpha


def test_lookup_by_document_and_phone_uses_the_blind_index(in_alpha, django_assert_num_queries):
    a1, a2 = in_alpha.stores["A1"], in_alpha.stores["A2"]
    contact = contact_find_or_create(store=a1, full_name="张三", phone=PHONE, id_number=ID_NUMBER)
    with django_assert_num_queries(1) as captured:
        found = contact_find_by_document(store=a1, id_number=ID_NUMBER.lower())
    assert found == contact
    assert ID_NUMBER not in captured.captured_queries[0]["sql"]
    assert contact_find_by_phone(store=a1, phone="+86 138 1234 5678") == contact
    assert contact_find_by_document(store=a2, id_number=ID_NUMBER) is None
    assert contact_find_by_document(store=a1, id_number=resident_id(seq="125")) is None
    assert contact_find_by_phone(store=a1, phone="13900000000") is None


def test_keys_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PMS_FIELD_KEYS", f"k2:{KEY_A}, k1:{base64.b64encode(b'x' * 32).decode()}")
    monkeypatch.setenv("PMS_BLIND_INDEX_KEY", BLIND)
    try:
        ring = crypto.reload_keyring()
        assert ring.current_id == "k2"
        assert [i for i, _k in ring.keys] == ["k2", "k1"]
        monkeypatch.setenv("PMS_FIELD_KEYS", "k2:c2hvcnQ=")
        with pytest.raises(crypto.KeysNotConfigured):
            crypto.reload_keyring()
    finally:
        monkeypatch.delenv("PMS_FIELD_KEYS")
        monkeypatch.delenv("PMS_BLIND_INDEX_KEY")
        crypto.reload_keyring()


def test_missing_keys_are_an_error_outside_development(monkeypatch, settings):
    monkeypatch.delenv("PMS_FIELD_KEYS", raising=False)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.prod")
    settings.DEBUG = False
    try:
        with pytest.raises(crypto.KeysNotConfigured) as info:
            crypto.reload_keyring()
        assert info.value.code == "field_keys_not_configured"
        assert info.value.extra == {"setting": "PMS_FIELD_KEYS"}
    finally:
        monkeypatch.undo()
        crypto.reload_keyring()


def test_keyring_repr_shows_key_ids_only(ring_a):
    assert repr(ring_a) == "Keyring(key_ids=['ka'])"


def test_rotation_reencrypts_every_row_and_old_rows_stay_readable_until_then(in_alpha, ring_a, rotate_to_b):
    store = in_alpha.stores["A1"]
    people = [
        contact_find_or_create(store=store, full_name=f"客人{i}", phone=f"1390000{i:04d}", id_number=resident_id(seq=f"{i:03d}"))
        for i in range(7)
    ]
    phone_only = contact_find_or_create(store=store, full_name="赵先生", phone="18612345678")
    admin = in_alpha.users["admin_a"]
    with rotate_to_b():
        # new writes use B; rows under A still decrypt
        newcomer = contact_find_or_create(store=store, full_name="新客", id_number=resident_id(seq="900"))
        assert newcomer.id_number_encrypted.startswith("kb:")
        assert contact_reveal(contact=people[0], actor=admin)["id_number"] == resident_id(seq="000")
        assert Contact.objects.filter(id_number_encrypted__startswith="ka:").count() == 7

        seen = []
        progress = contact_keys_rotate(batch_size=3, on_batch=lambda p: seen.append((p.batches, p.rotated)))
        assert (progress.rotated, progress.failures) == (8, 0)
        assert seen == [(1, 3), (2, 6), (3, 8)]
        for contact in [*people, phone_only, newcomer]:
            contact.refresh_from_db()
            assert contact.id_number_encrypted == "" or contact.id_number_encrypted.startswith("kb:")
            assert contact.phone_encrypted == "" or contact.phone_encrypted.startswith("kb:")
        # key A can now go: everything decrypts with B alone
        only_b = crypto.Keyring(keys=(crypto.keyring().keys[0],), blind_key=crypto.keyring().blind_key)
        for i, contact in enumerate(people):
            assert crypto.decrypt(contact.id_number_encrypted, field="id_number", ring=only_b) == resident_id(seq=f"{i:03d}")
        assert crypto.decrypt(phone_only.phone_encrypted, field="phone", ring=only_b) == "+8618612345678"
        # blind indexes are untouched: lookups still work
        assert contact_find_by_document(store=store, id_number=resident_id(seq="003")) == people[3]
        # a rerun has nothing to do (resumable: finished rows are skipped)
        assert contact_keys_rotate(batch_size=3).rotated == 0


def test_rotation_counts_unreadable_rows_as_failures_and_leaves_them(in_alpha, ring_a, rotate_to_b):
    store = in_alpha.stores["A1"]
    good = contact_find_or_create(store=store, full_name="好", id_number=resident_id(seq="001"))
    bad = contact_find_or_create(store=store, full_name="坏", id_number=resident_id(seq="003"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contacts_contact SET id_number_encrypted = 'ka:AAAA' WHERE id = %s", [bad.pk])
    with rotate_to_b():
        progress = contact_keys_rotate(batch_size=10)
    assert (progress.rotated, progress.failures) == (1, 1)
    bad.refresh_from_db()
    assert bad.id_number_encrypted == "ka:AAAA"


def test_rotate_command_reports_progress_per_tenant(world, ring_a, rotate_to_b):
    with tenant_context(world.alpha.tenant):
        for i in range(5):
            contact_find_or_create(store=world.alpha.stores["A1"], full_name=f"客{i}", id_number=resident_id(seq=f"{i:03d}"))
    out = io.StringIO()
    with rotate_to_b():
        call_command("rotate_contact_keys", "--tenant", "alpha", "--batch", "2", stdout=out)
        with tenant_context(world.alpha.tenant):
            assert not Contact.objects.filter(id_number_encrypted__startswith="ka:").exists()
    text = out.getvalue()
    assert "current key: kb; keys configured: kb, ka" in text
    assert "batch 3, up to id" in text
    assert "alpha: rotated 5, failures 0" in text
    assert "done: rotated 5, failures 0" in text
    assert "110105" not in text


def test_rotation_matches_key_ids_literally_not_as_like_patterns(in_alpha):
    # "_" is a LIKE wildcard: "k_1:%" would wrongly match a value written under "kx1".
    old = crypto.Keyring.from_strings(f"kx1:{KEY_A}", BLIND)
    new = crypto.Keyring.from_strings(f"k_1:{base64.b64encode(b'n' * 32).decode()},kx1:{KEY_A}", BLIND)
    with crypto.use_keyring(old):
        contact = contact_find_or_create(store=in_alpha.stores["A1"], full_name="张三", id_number=ID_NUMBER)
    with crypto.use_keyring(new):
        assert contact_keys_rotate(batch_size=10).rotated == 1
    contact.refresh_from_db()
    assert contact.id_number_encrypted.startswith("k_1:")
