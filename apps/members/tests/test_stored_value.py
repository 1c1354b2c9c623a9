"""Stored value (储值): top-up with bonus, spend on a folio of the tenant (the folio and the
order move as for any payment), voids, refunds of principal only, pockets by store."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.common.errors import DomainError
from apps.contacts.services import contact_create_or_reuse
from apps.folios.models import FolioTransaction, PaymentMethod
from apps.folios.services import folio_post_payment, folio_post_refund, folio_transaction_void
from apps.members import selectors, services
from apps.members.models import StoredValueEntry, StoredValuePocket
from apps.members.tests.factories import cash, folio_of, member_stay, top_up
from apps.orders.tests.factories import ChannelFactory, room_type_with_rooms

D = Decimal


def _pockets(member):
    return {p.origin_store_id: (p.principal, p.bonus) for p in StoredValuePocket.objects.filter(member=member)}


def test_top_up_with_bonus_credits_principal_and_bonus_apart(member, store, clerk):
    entry = top_up(member, store, "1000.00", "100.00", actor=clerk)
    member.refresh_from_db()
    assert (entry.kind, entry.principal, entry.bonus, entry.store_id, entry.origin_store_id) == ("top_up", D("1000.00"), D("100.00"), store.pk, store.pk)
    assert (member.sv_principal, member.sv_bonus, member.stored_value) == (D("1000.00"), D("100.00"), D("1100.00"))
    assert _pockets(member) == {store.pk: (D("1000.00"), D("100.00"))}
    assert entry.payment_method.method_type == "cash" and entry.actor == clerk


def test_top_up_refused_without_a_phone_and_bonus_above_principal(store, clerk, member):
    with pytest.raises(DomainError) as err:
        top_up(member, store, "100.00", "100.01")
    assert err.value.code == "bonus_invalid"
    nameless = contact_create_or_reuse(store=store, full_name="李雷").contact  # no phone
    with pytest.raises(DomainError) as err:
        services.member_enroll(contact=nameless, actor=clerk)
    assert err.value.code == "member_not_named"
    assert not StoredValueEntry.objects.exists()


def test_one_member_per_person_across_stores(member, store2, clerk):
    same_person = contact_create_or_reuse(store=store2, full_name="王芳", phone="13912345678").contact
    with pytest.raises(DomainError) as err:
        services.member_enroll(contact=same_person, actor=clerk)
    assert (err.value.code, err.value.extra) == ("already_member", {"member_id": member.pk})


def test_spend_on_a_folio_moves_folio_order_and_member_together(member, store, rt, clerk):
    top_up(member, store, "1000.00", "100.00")
    order = member_stay(store, member, room_type=rt, room=rt.rooms_list[0])
    folio = folio_of(order)
    paid = services.stored_value_spend(member=member, folio=folio, amount=D("550.00"), actor=clerk)
    tx = paid.transaction
    assert (tx.transaction_type, tx.amount, tx.payment_method.method_type) == ("payment", D("550.00"), "stored_value")
    [entry] = paid.entries
    # in proportion: 550 of 1100 is 500 principal + 50 bonus
    assert (entry.kind, entry.principal, entry.bonus, entry.folio_transaction_id) == ("spend", D("-500.00"), D("-50.00"), tx.pk)
    member.refresh_from_db()
    folio.refresh_from_db()
    order.refresh_from_db()
    assert (member.sv_principal, member.sv_bonus) == (D("500.00"), D("50.00"))
    assert (folio.total_payments, folio.balance) == (D("550.00"), folio.total_charges - D("550.00"))
    assert (order.paid_amount, order.due_amount) == (D("550.00"), D("600.00") - D("550.00"))
    assert selectors.stored_value_reconcile()["diff"] == D("0.00")


def test_spend_beyond_the_balance_writes_nothing(member, store, rt):
    top_up(member, store, "100.00")
    folio = folio_of(member_stay(store, member, room_type=rt, room=rt.rooms_list[0]))
    with pytest.raises(DomainError) as err:
        services.stored_value_spend(member=member, folio=folio, amount=D("100.01"), actor=None)
    assert (err.value.code, err.value.extra) == ("stored_value_insufficient", {"stored_value": "100.00"})
    folio.refresh_from_db()
    assert folio.total_payments == D("0.00") and not FolioTransaction.objects.filter(folio=folio).exists()
    assert StoredValueEntry.objects.filter(kind="spend").count() == 0


def test_member_methods_are_refused_on_the_folio_itself(member, store, rt):
    top_up(member, store, "300.00")
    folio = folio_of(member_stay(store, member, room_type=rt, room=rt.rooms_list[0]))
    method = services.member_payment_method(store=store, kind=PaymentMethod.Type.STORED_VALUE)
    with pytest.raises(DomainError) as err:
        folio_post_payment(folio=folio, actor=None, amount=D("10.00"), payment_method=method)
    assert err.value.code == "payment_method_members_only"
    tx = services.stored_value_spend(member=member, folio=folio, amount=D("100.00"), actor=None).transaction
    with pytest.raises(DomainError) as err:
        folio_transaction_void(tx=tx, actor=None, reason="oops")
    assert err.value.code == "payment_method_members_only"
    with pytest.raises(DomainError) as err:
        folio_post_refund(folio=folio, actor=None, amount=D("10.00"), payment_method=method, reason="x")
    assert err.value.code == "payment_method_members_only"


def test_void_of_a_spend_gives_the_value_back(member, store, rt, clerk):
    top_up(member, store, "1000.00", "100.00")
    folio = folio_of(member_stay(store, member, room_type=rt, room=rt.rooms_list[0]))
    tx = services.stored_value_spend(member=member, folio=folio, amount=D("550.00"), actor=clerk).transaction
    voided = services.member_payment_void(tx=tx, actor=clerk, reason="wrong card")
    [back] = voided.entries
    assert (back.kind, back.principal, back.bonus, back.reverses.folio_transaction_id) == ("spend_void", D("500.00"), D("50.00"), tx.pk)
    member.refresh_from_db()
    folio.refresh_from_db()
    assert (member.sv_principal, member.sv_bonus, folio.total_payments) == (D("1000.00"), D("100.00"), D("0.00"))
    with pytest.raises(DomainError) as err:
        services.member_payment_void(tx=tx, actor=clerk, reason="again")
    assert err.value.code == "already_voided"


def test_spend_at_another_store_draws_from_its_own_pocket_first_then_settles(member, store, store2, rt, clerk):
    top_up(member, store, "200.00")
    top_up(member, store2, "100.00", "10.00")
    folio = folio_of(member_stay(store, member, room_type=rt, room=rt.rooms_list[0]))
    entries = services.stored_value_spend(member=member, folio=folio, amount=D("250.00"), actor=clerk).entries
    assert [(e.store_id, e.origin_store_id, e.principal, e.bonus) for e in entries] == [
        (store.pk, store.pk, D("-200.00"), D("0.00")),
        (store.pk, store2.pk, D("-45.45"), D("-4.55")),
    ]
    now = timezone.now()
    assert selectors.stored_value_settlement(start=now - timedelta(days=1), end=now + timedelta(days=1)) == [
        {"owed_by_id": store2.pk, "owed_by": store2.name, "owed_to_id": store.pk, "owed_to": store.name,
         "principal": D("45.45"), "bonus": D("4.55")},
    ]
    assert selectors.stored_value_by_store() == [
        {"store_id": store.pk, "store": store.name, "principal": D("0.00"), "bonus": D("0.00")},
        {"store_id": store2.pk, "store": store2.name, "principal": D("54.55"), "bonus": D("5.45")},
    ]


def test_refund_returns_principal_only_and_forfeits_the_bonus(member, store, store2, clerk, rt):
    top_up(member, store, "1000.00", "100.00")
    top_up(member, store2, "200.00", "20.00")
    folio = folio_of(member_stay(store, member, room_type=rt, room=rt.rooms_list[0]))
    services.stored_value_spend(member=member, folio=folio, amount=D("110.00"), actor=clerk)  # 100 + 10 from A1
    entries = services.stored_value_refund(member=member, store=store, payment_method=cash(store), actor=clerk, reason="moving away")
    assert [(e.kind, e.origin_store_id, e.principal, e.bonus) for e in entries] == [
        ("refund", store.pk, D("-900.00"), D("0.00")),
        ("bonus_forfeit", store.pk, D("0.00"), D("-90.00")),
        ("refund", store2.pk, D("-200.00"), D("0.00")),
        ("bonus_forfeit", store2.pk, D("0.00"), D("-20.00")),
    ]
    member.refresh_from_db()
    assert (member.sv_principal, member.sv_bonus) == (D("0.00"), D("0.00"))
    with pytest.raises(DomainError) as err:
        services.stored_value_refund(member=member, store=store, payment_method=cash(store), actor=clerk, reason="again")
    assert err.value.code == "stored_value_empty"
    assert selectors.stored_value_reconcile()["diff"] == D("0.00")


def test_a_member_of_the_tenant_pays_at_any_store(store2, clerk, member, store):
    top_up(member, store, "300.00")
    ChannelFactory(store=store2, code="direct", name="Direct", channel_type="direct")
    rt2, rooms = room_type_with_rooms(store2, 1)
    folio = folio_of(member_stay(store2, member, room_type=rt2, room=rooms[0]))
    paid = services.stored_value_spend(member=member, folio=folio, amount=D("300.00"), actor=clerk)
    assert paid.transaction.payment_method.store_id == store2.pk
    assert [(e.store_id, e.origin_store_id) for e in paid.entries] == [(store2.pk, store.pk)]
