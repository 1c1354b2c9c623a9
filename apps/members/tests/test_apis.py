"""The members' REST API: enrolment, top-up, a folio paid by stored value and by points,
ledgers, manager-only refunds and figures, personal data masked, errors in the one shape."""
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.contacts.services import contact_create_or_reuse
from apps.folios.models import Folio
from apps.folios.services import payment_methods_ensure
from apps.members.models import PointsEntry
from apps.members.tests.factories import folio_of, member_stay, top_up
from apps.tenancy.business_day import business_date

D = Decimal


@pytest.fixture
def clerk_api(api):
    return api("alpha", "clerk_a1", language="en")


@pytest.fixture
def manager_api(api):
    return api("alpha", "manager_a1", language="en")


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def test_enrol_top_up_and_read_the_profile_masked(clerk_api, store):
    contact = contact_create_or_reuse(store=store, full_name="张伟", phone="13800001111").contact
    r = clerk_api.post(url(store, "members/"), {"contact": contact.pk}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    member_id = body["id"]
    assert (body["name"], body["phone_masked"], body["level"]["name"], body["stored_value"], body["points"]) == (
        "张伟", contact.phone_masked, "普通会员", "0.00", 0)
    assert "13800001111" not in r.content.decode() and "1111" in body["phone_masked"]
    again = clerk_api.post(url(store, "members/"), {"contact": contact.pk}, format="json")
    assert (again.status_code, again.json()["code"], again.json()["extra"]) == (409, "already_member", {"member_id": member_id})
    cash = {m.method_type: m for m in payment_methods_ensure(store=store)}["cash"]
    r = clerk_api.post(url(store, f"members/{member_id}/top-ups/"), {"amount": "1000.00", "bonus": "100.00",
                                                                     "payment_method": cash.pk}, format="json")
    assert r.status_code == 201, r.json()
    assert {k: r.json()[k] for k in ("kind", "principal", "bonus", "amount", "store", "origin_store")} == {
        "kind": "top_up", "principal": "1000.00", "bonus": "100.00", "amount": "1100.00", "store": store.pk,
        "origin_store": store.pk}
    detail = clerk_api.get(url(store, f"members/{member_id}/")).json()
    assert (detail["stored_value"], detail["stored_value_principal"], detail["stored_value_bonus"]) == ("1100.00", "1000.00", "100.00")
    assert [c["kind"] for c in detail["level_changes"]] == ["enrolled"]
    listed = clerk_api.get(url(store, "members/?q=张")).json()
    assert [m["id"] for m in listed["results"]] == [member_id]
    assert "13800001111" not in str(listed)


def test_a_folio_paid_by_stored_value_and_points_through_the_api(clerk_api, store, member, rt):
    top_up(member, store, "500.00")
    order = member_stay(store, member, room_type=rt, room=rt.rooms_list[0])
    folio = folio_of(order)
    PointsEntry.objects.create(member=member, store=store, kind="earn", points=10000, order=order,
                               expires_on=business_date(store=store) + timedelta(days=365))
    r = clerk_api.post(url(store, f"folios/{folio.pk}/member-payments/"),
                       {"member": member.pk, "method": "stored_value", "amount": "500.00"}, format="json")
    assert r.status_code == 201, r.json()
    assert {k: r.json()[k] for k in ("transaction_type", "amount", "folio_id", "folio_balance")} == {
        "transaction_type": "payment", "amount": "500.00", "folio_id": folio.pk, "folio_balance": "-500.00"}
    assert r.json()["member"]["stored_value"] == "0.00"
    r = clerk_api.post(url(store, f"folios/{folio.pk}/member-payments/"),
                       {"member": member.pk, "method": "points", "points": 10000}, format="json")
    assert r.status_code == 201, r.json()
    assert (r.json()["amount"], r.json()["member"]["points"]) == ("100.00", 0)
    folio = Folio.objects.get(pk=folio.pk)
    order.refresh_from_db()
    assert (folio.total_payments, order.paid_amount, order.due_amount) == (D("600.00"), D("600.00"), D("0.00"))
    refused = clerk_api.post(url(store, f"folios/{folio.pk}/member-payments/"),
                             {"member": member.pk, "method": "stored_value", "amount": "0.01"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "stored_value_insufficient")
    # a void gives the points back
    tx_id = r.json()["transaction_id"]
    v = clerk_api.post(url(store, f"folios/{folio.pk}/member-payments/{tx_id}/void/"), {"reason": "wrong"}, format="json")
    assert (v.status_code, v.json()["transaction_type"], v.json()["member"]["points"]) == (201, "reversal", 10000)
    ledger = clerk_api.get(url(store, f"members/{member.pk}/points/")).json()["results"]
    assert [(e["kind"], e["points"]) for e in ledger] == [("redeem_void", 10000), ("redeem", -10000), ("earn", 10000)]
    sv = clerk_api.get(url(store, f"members/{member.pk}/stored-value/")).json()["results"]
    assert [(e["kind"], e["amount"]) for e in sv] == [("spend", "-500.00"), ("top_up", "500.00")]


def test_refund_figures_and_levels_are_for_managers(clerk_api, manager_api, store, member):
    top_up(member, store, "200.00", "20.00")
    cash = {m.method_type: m for m in payment_methods_ensure(store=store)}["cash"]
    body = {"payment_method": cash.pk, "reason": "closing the card"}
    r = clerk_api.post(url(store, f"members/{member.pk}/refund/"), body, format="json")
    assert (r.status_code, r.json()["code"]) == (403, "manager_only")
    r = manager_api.post(url(store, f"members/{member.pk}/refund/"), body, format="json")
    assert r.status_code == 201, r.json()
    assert [(e["kind"], e["principal"], e["bonus"]) for e in r.json()] == [("refund", "-200.00", "0.00"),
                                                                          ("bonus_forfeit", "0.00", "-20.00")]
    day = business_date(store=store).isoformat()
    assert clerk_api.get(url(store, f"member-figures/?start={day}&end={day}")).status_code == 403
    figures = manager_api.get(url(store, f"member-figures/?start={day}&end={day}")).json()
    assert {k: figures[k] for k in ("members", "new_members", "stored_value_principal", "points_outstanding")} == {
        "members": 1, "new_members": 1, "stored_value_principal": "0.00", "points_outstanding": 0}
    assert clerk_api.post(url(store, "member-levels/"), {"name": "银卡", "rank": 1}, format="json").status_code == 403
    r = manager_api.post(url(store, "member-levels/"), {"name": "银卡", "rank": 1, "upgrade_nights": 5}, format="json")
    assert r.status_code == 201, r.json()
    dup = manager_api.post(url(store, "member-levels/"), {"name": "银卡", "rank": 2}, format="json")
    assert (dup.status_code, dup.json()["code"]) == (400, "level_name_taken")
    levels = clerk_api.get(url(store, "member-levels/")).json()
    assert [lv["name"] for lv in levels] == ["普通会员", "银卡"]


def test_another_tenant_sees_no_member(api, member, store, world):
    other = api("beta", "clerk_b1", language="en")
    b1 = world.beta.stores["B1"]
    r = other.get(f"/t/beta/api/v1/stores/{b1.pk}/members/")
    assert r.status_code == 200 and r.json()["results"] == []
