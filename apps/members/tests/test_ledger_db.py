"""PostgreSQL itself keeps the members' ledgers: raw SQL, bypassing every service, cannot
change or delete a posted row, write a balance, take a balance below zero, or top up a
member without a name and phone. Tenant ``alpha`` is a clone of the template schema, so
these also prove the triggers survived cloning."""
from decimal import Decimal

from apps.contacts.services import contact_erase
from apps.members import services
from apps.members.models import Member, PointsEntry, StoredValueEntry, StoredValuePocket
from apps.members.tests.factories import folio_of, member_stay, top_up
from tests.sql import refused, run

D = Decimal


INSERT = """
    INSERT INTO members_storedvalueentry (member_id, store_id, origin_store_id, kind, principal, bonus, payment_method_id,
        folio_transaction_id, reverses_id, reason, created_at)
    VALUES (%(member)s, %(store)s, %(store)s, %(kind)s, %(principal)s, %(bonus)s, %(method)s, NULL, NULL, %(reason)s, now())
"""


def test_update_and_delete_of_a_stored_value_row_are_refused(member, store):
    entry = top_up(member, store, "1000.00", "100.00")
    message = refused("UPDATE members_storedvalueentry SET principal = 1 WHERE id = %s", [entry.pk], sqlstate="23L01")
    assert "members_storedvalueentry rows are append-only; UPDATE refused" in message
    assert "DELETE refused" in refused("DELETE FROM members_storedvalueentry WHERE id = %s", [entry.pk], sqlstate="23L01")
    run("SET CONSTRAINTS ALL IMMEDIATE")
    assert "TRUNCATE refused" in refused("TRUNCATE members_storedvalueentry CASCADE", sqlstate="23L01")
    entry.refresh_from_db()
    assert (entry.principal, entry.bonus) == (D("1000.00"), D("100.00"))


def test_balances_and_pockets_are_written_by_the_ledger_only(member, store):
    top_up(member, store, "100.00")
    assert "written by the members' ledgers only" in refused(
        "UPDATE members_member SET sv_principal = 5000 WHERE id = %s", [member.pk], sqlstate="23M02")
    refused("UPDATE members_member SET points = 5000 WHERE id = %s", [member.pk], sqlstate="23M02")
    refused("UPDATE members_storedvaluepocket SET principal = 5000 WHERE member_id = %s", [member.pk], sqlstate="23M02")
    refused("INSERT INTO members_storedvaluepocket (member_id, origin_store_id, principal, bonus) VALUES (%s, %s, 9, 0)",
            [member.pk, store.pk], sqlstate="23M02")
    refused("DELETE FROM members_storedvaluepocket WHERE member_id = %s", [member.pk], sqlstate="23L01")
    run("UPDATE members_member SET notes = 'VIP' WHERE id = %s", [member.pk])  # other columns are free
    member.refresh_from_db()
    assert (member.sv_principal, member.notes) == (D("100.00"), "VIP")


def test_a_negative_balance_is_refused_by_the_database(member, store):
    top_up(member, store, "100.00", "10.00")
    row = {"member": member.pk, "store": store.pk, "kind": "bonus_forfeit", "principal": D("0"), "bonus": D("-10.01"),
           "method": None, "reason": ""}
    refused(INSERT, row, constraint="svpocket_not_negative")
    # a refund of more principal than is held (the service would never write it)
    method = StoredValueEntry.objects.get().payment_method_id
    refused(INSERT, {**row, "kind": "refund", "principal": D("-100.01"), "bonus": D("0"), "method": method, "reason": "x"},
            constraint="svpocket_not_negative")
    member.refresh_from_db()
    assert (member.sv_principal, member.sv_bonus) == (D("100.00"), D("10.00"))
    assert StoredValueEntry.objects.count() == 1


def test_a_top_up_needs_a_named_member_with_a_phone_in_the_database_too(member, store, manager):
    method = top_up(member, store, "10.00").payment_method_id
    contact_erase(contact=member.contact, actor=manager)  # no phone any more
    row = {"member": member.pk, "store": store.pk, "kind": "top_up", "principal": D("50.00"), "bonus": D("0"),
           "method": method, "reason": ""}
    assert "a top-up needs a member named with real name and phone" in refused(INSERT, row, sqlstate="23M01")


def test_points_rows_are_append_only_and_the_balance_never_negative(member, store):
    refused("INSERT INTO members_pointsentry (member_id, store_id, kind, points, reason, created_at) "
            "VALUES (%s, %s, 'expire', -1, '', now())", [member.pk, store.pk], constraint="member_points_not_negative")
    assert not PointsEntry.objects.exists()
    assert Member.objects.get(pk=member.pk).points == 0
    assert not StoredValuePocket.objects.exists()


def test_a_spend_voided_must_give_back_exactly_its_spend(member, store, rt):
    top_up(member, store, "300.00")
    folio = folio_of(member_stay(store, member, room_type=rt, room=rt.rooms_list[0]))
    paid = services.stored_value_spend(member=member, folio=folio, amount=D("100.00"), actor=None)
    [spend] = paid.entries
    sql = """INSERT INTO members_storedvalueentry (member_id, store_id, origin_store_id, kind, principal, bonus,
             folio_transaction_id, reverses_id, reason, created_at)
             VALUES (%s, %s, %s, 'spend_void', %s, 0, %s, %s, 'x', now())"""
    refused(sql, [member.pk, store.pk, store.pk, D("150.00"), paid.transaction.pk, spend.pk], sqlstate="23M03")
