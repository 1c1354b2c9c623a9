"""Contact services: reuse instead of duplicate, updates, reveal log, export, erase."""
import json
import logging
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, connection, transaction

from apps.common.errors import DomainError, DomainValidationError
from apps.contacts.models import Contact, ContactRevealLog
from apps.contacts.selectors import contact_birth_date
from apps.contacts.services import (
    ERASED_NAME,
    contact_create_or_reuse,
    contact_erase,
    contact_export,
    contact_find_or_create,
    contact_reveal,
    contact_update,
)
from apps.contacts.tests.factories import ContactFactory, resident_id
from apps.tenancy.scope import ManagerOnly

ID_NUMBER = resident_id("110105", "19900101", "123")  # 110105199001011232, male


def test_create_derives_birth_date_gender_and_nationality_from_resident_id(in_alpha):
    result = contact_create_or_reuse(
        store=in_alpha.stores["A1"], full_name="  张  三 ", phone="138 1234 5678", id_number=ID_NUMBER,
        birth_date=date(2000, 1, 1), gender="female", address="北京市东城区 1 号", email="zs@example.com",
    )
    c = result.contact
    assert result.created is True
    assert (c.full_name, c.id_type, contact_birth_date(contact=c), c.gender, c.nationality) == (
        "张 三", "resident_id", date(1990, 1, 1), "male", "CHN",
    )
    assert (c.id_number_masked, c.phone_masked, c.address, c.email) == ("**************1232", "138****5678", "北京市东城区 1 号", "zs@example.com")
    assert c.status == "active" and c.contact_type == "guest"


def test_same_document_in_the_store_returns_the_existing_profile(in_alpha):
    a1 = in_alpha.stores["A1"]
    first = contact_find_or_create(store=a1, full_name="张三", id_number=ID_NUMBER)
    # another name is never taken for this profile silently: the caller must choose it
    with pytest.raises(DomainError) as info:
        contact_create_or_reuse(store=a1, full_name="张三丰", id_number=ID_NUMBER.lower(), phone="13812345678")
    assert info.value.code == "document_belongs_to_other_contact"
    again = contact_create_or_reuse(
        store=a1, full_name="张三丰", id_number=ID_NUMBER.lower(), phone="13812345678", address="新地址",
        existing_contact_id=first.pk,
    )
    assert again.created is False and again.contact.pk == first.pk
    again.contact.refresh_from_db()
    # an existing profile only gains what it lacked; its name is kept
    assert (again.contact.full_name, again.contact.phone_masked, again.contact.address) == ("张三", "138****5678", "新地址")
    assert Contact.objects.count() == 1


def test_same_document_in_another_store_is_another_profile(in_alpha):
    one = contact_find_or_create(store=in_alpha.stores["A1"], full_name="张三", id_number=ID_NUMBER)
    two = contact_find_or_create(store=in_alpha.stores["A2"], full_name="张三", id_number=ID_NUMBER)
    assert one.pk != two.pk and one.id_number_blind_index == two.id_number_blind_index


def test_same_phone_without_document_returns_the_existing_profile(in_alpha):
    a1 = in_alpha.stores["A1"]
    booker = contact_find_or_create(store=a1, full_name="赵先生", phone="18612345678", contact_type="booker")
    assert contact_find_or_create(store=a1, full_name="赵", phone="+86 186 1234 5678") == booker
    assert Contact.objects.count() == 1


def test_phone_only_profile_receives_the_document_of_the_same_person(in_alpha):
    a1 = in_alpha.stores["A1"]
    booker = contact_find_or_create(store=a1, full_name="张三", phone="13812345678", contact_type="booker")
    guest = contact_find_or_create(store=a1, full_name="张三", phone="13812345678", id_number=ID_NUMBER)
    assert guest.pk == booker.pk
    guest.refresh_from_db()
    assert (guest.id_number_masked, contact_birth_date(contact=guest), guest.gender) == ("**************1232", date(1990, 1, 1), "male")


def test_family_members_sharing_a_phone_keep_their_own_documented_profiles(in_alpha):
    a1 = in_alpha.stores["A1"]
    parent = contact_find_or_create(store=a1, full_name="张三", phone="13812345678", id_number=ID_NUMBER)
    child = contact_find_or_create(store=a1, full_name="张小三", phone="13812345678", id_number=resident_id(born="20150101", seq="124"))
    assert parent.pk != child.pk
    # looked up by that phone and the parent's name: the parent
    assert contact_find_or_create(store=a1, full_name="张三", phone="13812345678") == parent


def test_partial_unique_constraints_make_one_profile_per_document_and_phone_only(in_alpha):
    a1 = in_alpha.stores["A1"]
    c = contact_find_or_create(store=a1, full_name="张三", id_number=ID_NUMBER)
    p = contact_find_or_create(store=a1, full_name="赵", phone="18612345678")
    for source in (c, p):
        with pytest.raises(IntegrityError), transaction.atomic():
            Contact.objects.create(
                store=a1, full_name="dup", id_type=source.id_type, id_number_encrypted=source.id_number_encrypted,
                id_number_blind_index=source.id_number_blind_index, phone_encrypted=source.phone_encrypted,
                phone_blind_index=source.phone_blind_index,
            )


def test_invalid_input_creates_nothing(in_alpha):
    a1 = in_alpha.stores["A1"]
    with pytest.raises(DomainValidationError) as info:
        contact_find_or_create(store=a1, full_name="张三", id_number="110105199001011233")
    assert info.value.code == "document_checksum_invalid"
    with pytest.raises(DomainValidationError) as info:
        contact_find_or_create(store=a1, full_name="张三", phone="123")
    assert info.value.code == "phone_invalid"
    with pytest.raises(DomainValidationError) as info:
        contact_find_or_create(store=a1, full_name="  ")
    assert info.value.code == "contact_name_required"
    with pytest.raises(DomainValidationError) as info:
        contact_create_or_reuse(store=a1, full_name="张三", email="not-an-email")
    assert info.value.code == "email_invalid"
    assert Contact.objects.count() == 0


def test_update_changes_document_and_refuses_one_of_another_profile(in_alpha):
    a1 = in_alpha.stores["A1"]
    c = contact_find_or_create(store=a1, full_name="张三", phone="13812345678")
    other = contact_find_or_create(store=a1, full_name="李四", id_number=ID_NUMBER)
    updated = contact_update(contact=c, id_type="passport", id_number="E12345678", nationality="CHN", full_name="张 三")
    assert (updated.id_type, updated.id_number_masked, updated.full_name) == ("passport", "******678", "张 三")
    with pytest.raises(DomainError) as info:
        contact_update(contact=c, id_type="resident_id", id_number=ID_NUMBER)
    assert (info.value.code, info.value.status, info.value.extra) == ("document_taken", 409, {"contact_id": other.pk})
    c.refresh_from_db()
    assert c.id_type == "passport"
    removed = contact_update(contact=c, phone="")
    assert (removed.phone_masked, removed.phone_blind_index, removed.phone_encrypted) == ("", None, "")


def test_reveal_needs_permission_and_every_reveal_is_logged(in_alpha):
    a1 = in_alpha.stores["A1"]
    c = contact_find_or_create(store=a1, full_name="张三", phone="13812345678", id_number=ID_NUMBER)
    clerk, manager, admin = (in_alpha.users[u] for u in ("clerk_a1", "manager_a1", "admin_a"))
    with pytest.raises(DomainError) as info:
        contact_reveal(contact=c, actor=clerk)
    assert (info.value.code, info.value.status) == ("reveal_forbidden", 403)
    assert ContactRevealLog.objects.count() == 0

    assert contact_reveal(contact=c, actor=manager, reason="police registration") == {
        "id_number": ID_NUMBER, "phone": "+8613812345678", "birth_date": "1990-01-01",
    }
    assert contact_reveal(contact=c, actor=admin, fields=("phone",)) == {"phone": "+8613812345678"}
    log = list(ContactRevealLog.objects.order_by("pk").values_list("contact_id", "user_id", "action", "fields", "reason"))
    assert log == [
        (c.pk, manager.pk, "reveal", "id_number,phone,birth_date", "police registration"),
        (c.pk, admin.pk, "reveal", "phone", ""),
    ]

    # a clerk given the model permission may reveal too
    clerk.user_permissions.add(Permission.objects.get(codename="reveal_document"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    assert contact_reveal(contact=c, actor=clerk, fields=("id_number",)) == {"id_number": ID_NUMBER}


def test_manager_of_another_store_cannot_reveal(in_alpha):
    c = contact_find_or_create(store=in_alpha.stores["A2"], full_name="张三", id_number=ID_NUMBER)
    with pytest.raises(DomainError) as info:
        contact_reveal(contact=c, actor=in_alpha.users["manager_a1"])
    assert info.value.code == "reveal_forbidden"


def test_log_lines_never_carry_a_number_in_clear(in_alpha, caplog):
    caplog.set_level(logging.DEBUG)
    a1 = in_alpha.stores["A1"]
    c = contact_find_or_create(store=a1, full_name="张三", phone="13812345678", id_number=ID_NUMBER)
    contact_reveal(contact=c, actor=in_alpha.users["admin_a"])
    contact_update(contact=c, phone="13900001111")
    with pytest.raises(DomainError):
        contact_reveal(contact=c, actor=in_alpha.users["clerk_a1"])
    logging.getLogger("test").info("contact %s / %r", c, c)
    records = [r for r in caplog.records if r.name.startswith(("apps.contacts", "test"))]
    assert {r.getMessage() for r in records} >= {"contact.created", "contact.reveal", "contact.updated", "contact.reveal_refused"}
    text = " ".join(f"{r.getMessage()} {r.__dict__}" for r in records)
    for clear in (ID_NUMBER, "13812345678", "13900001111"):
        assert clear not in text
    assert "**************1232" in text  # str()/repr() of a contact are masked


def test_export_returns_all_personal_data_in_clear_and_is_logged(in_alpha):
    a1 = in_alpha.stores["A1"]
    c = contact_find_or_create(
        store=a1, full_name="张三", phone="13812345678", id_number=ID_NUMBER, address="北京市东城区 1 号", email="zs@example.com",
    )
    admin = in_alpha.users["admin_a"]
    contact_reveal(contact=c, actor=admin, fields=("phone",))
    data = contact_export(contact=c, actor=admin)
    json.dumps(data)  # serialisable
    assert data["contact"] | {"created_at": None, "updated_at": None} == {
        "id": c.pk, "store": {"id": a1.pk, "name": "Alpha One"}, "contact_type": "guest", "full_name": "张三",
        "phone": "+8613812345678", "email": "zs@example.com", "gender": "male", "nationality": "CHN",
        "birth_date": "1990-01-01", "address": "北京市东城区 1 号", "id_type": "resident_id", "id_number": ID_NUMBER,
        "status": "active", "notes": "", "created_at": None, "updated_at": None, "erased_at": None,
    }
    assert [(e["action"], e["fields"], e["user_id"]) for e in data["access_log"]] == [("reveal", ["phone"], admin.pk)]
    assert list(ContactRevealLog.objects.order_by("pk").values_list("action", "fields")) == [
        ("reveal", "phone"), ("export", "id_number,phone,birth_date"),
    ]
    with pytest.raises(DomainError) as info:
        contact_export(contact=c, actor=in_alpha.users["clerk_a1"])
    assert info.value.code == "reveal_forbidden"


def test_erase_anonymises_but_keeps_the_row_and_its_links(in_alpha):
    a1 = in_alpha.stores["A1"]
    c = contact_find_or_create(
        store=a1, full_name="张三", phone="13812345678", id_number=ID_NUMBER, address="北京市东城区 1 号",
        email="zs@example.com", notes="likes a quiet room",
    )
    manager = in_alpha.users["manager_a1"]
    contact_reveal(contact=c, actor=manager)
    erased = contact_erase(contact=c, actor=manager)
    assert erased.pk == c.pk
    row = Contact.objects.values().get(pk=c.pk)
    assert {k: row[k] for k in (
        "full_name", "phone_encrypted", "phone_blind_index", "phone_masked", "email", "gender", "nationality", "birth_date_encrypted",
        "address", "id_type", "id_number_encrypted", "id_number_blind_index", "id_number_masked", "notes", "status",
        "erased_by_id", "store_id",
    )} == {
        "full_name": ERASED_NAME, "phone_encrypted": "", "phone_blind_index": None, "phone_masked": "", "email": "",
        "gender": "", "nationality": "", "birth_date_encrypted": "", "address": "", "id_type": "", "id_number_encrypted": "",
        "id_number_blind_index": None, "id_number_masked": "", "notes": "", "status": "erased",
        "erased_by_id": manager.pk, "store_id": a1.pk,
    }
    assert row["erased_at"] is not None
    # the audit trail stays; nothing personal is in it
    assert ContactRevealLog.objects.filter(contact_id=c.pk).count() == 1
    # nothing is left to find, and the person can be registered again as a new profile
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM contacts_contact WHERE id = %s", [c.pk])
        assert "张三" not in str(cursor.fetchone())
    again = contact_find_or_create(store=a1, full_name="张三", id_number=ID_NUMBER)
    assert again.pk != c.pk
    # erasing twice, or by a clerk, is refused
    with pytest.raises(DomainError) as info:
        contact_erase(contact=c, actor=manager)
    assert info.value.code == "contact_erased"
    with pytest.raises(ManagerOnly):
        contact_erase(contact=again, actor=in_alpha.users["clerk_a1"])
    with pytest.raises(DomainError) as info:
        contact_update(contact=c, full_name="复活")
    assert info.value.code == "contact_erased"


def test_erased_contact_row_cannot_be_deleted_while_reveal_log_points_at_it(in_alpha):
    c = ContactFactory(store=in_alpha.stores["A1"])
    contact_reveal(contact=c, actor=in_alpha.users["admin_a"])
    with pytest.raises(Exception) as info, transaction.atomic():
        c.delete()
    assert "ProtectedError" in type(info.value).__name__


def test_error_reports_hide_clear_numbers(in_alpha, monkeypatch, rf):
    import sys

    from django.views.debug import ExceptionReporter

    from apps.contacts.services import reuse as services

    def boom(contact):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_insert_values", boom)
    try:
        contact_find_or_create(store=in_alpha.stores["A1"], full_name="张三", phone="13812345678", id_number=ID_NUMBER)
    except RuntimeError:
        frames = ExceptionReporter(rf.get("/x"), *sys.exc_info()).get_traceback_frames()
    ours = [f for f in frames if "/apps/contacts/" in f["filename"] and "/tests/" not in f["filename"]]
    assert [f["function"] for f in ours] == ["contact_find_or_create", "contact_create_or_reuse", "_find_or_insert"]
    shown = repr([f["vars"] for f in ours])
    assert "'phone', '********************'" in shown and "'id_number', '********************'" in shown
    assert "'protected', '********************'" in shown
    for clear in (ID_NUMBER, "13812345678", "+8613812345678"):
        assert clear not in shown


def test_demo_seed_makes_valid_contacts_and_is_idempotent(in_alpha):
    from apps.contacts import demo

    first = demo.seed(store=in_alpha.stores["A1"])
    again = demo.seed(store=in_alpha.stores["A1"])
    assert [c.pk for c in first] == [c.pk for c in again]
    assert Contact.objects.filter(store=in_alpha.stores["A1"]).count() == 7
    assert sorted(Contact.objects.values_list("id_type", flat=True)) == sorted(
        ["resident_id"] * 3 + ["hk_macau_permit", "taiwan_permit", "passport", ""]
    )


def test_a_profile_completed_meanwhile_is_not_overwritten(in_alpha):
    from apps.contacts.documents import validate_document
    from apps.contacts.services.protection import _protect_document
    from apps.contacts.services.reuse import _ChangedMeanwhile, _fill_missing, _missing

    a1 = in_alpha.stores["A1"]
    booker = contact_find_or_create(store=a1, full_name="张三", phone="13812345678")
    stale = Contact.objects.get(pk=booker.pk)  # read before the other desk's write
    contact_find_or_create(store=a1, full_name="张三", phone="13812345678", id_number=ID_NUMBER)
    other_doc = _protect_document(validate_document(id_type="resident_id", id_number=resident_id(seq="125")))
    with pytest.raises(_ChangedMeanwhile):
        update, conditions = _missing(stale, protected=other_doc, profile={}, take_document=True)
        _fill_missing(stale, update=update, conditions=conditions)
    booker.refresh_from_db()
    assert booker.id_number_masked == "**************1232"
