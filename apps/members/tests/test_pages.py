"""Back-office pages of members (Django test client): 会员统计 and the settlement between
stores for managers; the member list masked; a refund refused to a clerk."""
from decimal import Decimal

from apps.members import services
from apps.members.tests.factories import cash, folio_of, member_stay, top_up

D = Decimal


def test_report_shows_figures_liability_and_settlement(browser_login, member, store, store2, rt):
    top_up(member, store2, "300.00", "30.00")
    folio = folio_of(member_stay(store, member, room_type=rt, room=rt.rooms_list[0]))
    services.stored_value_spend(member=member, folio=folio, amount=D("110.00"), actor=None)  # A2's money served at A1
    client = browser_login("alpha", "manager_a1")
    page = client.get(f"/t/alpha/s/{store.pk}/members/report/").content.decode()
    assert '<dd data-testid="new-members">1</dd>' in page
    assert '<dd data-testid="sv-liability">200.00 / 20.00</dd>' in page
    assert f"<tr><td>{store2.name}</td><td>{store.name}</td><td class=\"num\">100.00</td><td class=\"num\">10.00</td></tr>" in page
    assert browser_login("alpha", "clerk_a1").get(f"/t/alpha/s/{store.pk}/members/report/").status_code == 403


def test_member_list_is_masked_and_a_clerk_cannot_refund(browser_login, member, store):
    top_up(member, store, "100.00")
    client = browser_login("alpha", "clerk_a1")
    page = client.get(f"/t/alpha/s/{store.pk}/members/").content.decode()
    assert "王芳" in page and member.contact.phone_masked in page and "13912345678" not in page
    r = client.post(f"/t/alpha/s/{store.pk}/members/{member.pk}/", {"action": "refund", "payment_method": cash(store).pk,
                                                                    "reason": "x"})
    assert r.status_code == 403
    member.refresh_from_db()
    assert member.sv_principal == D("100.00")
