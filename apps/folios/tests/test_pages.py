"""The folio page: the ledger, postings, void and move with a reason, discounts for
managers, further folios, store scope. Every write goes through the folios services; a
refusal changes nothing and is shown on the form with what was typed."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.folios.models import Folio, FolioTransaction
from apps.folios.tests.factories import ExtraChargeItemFactory, charge, pay
from apps.orders.models import OrderItem

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def desk(browser_login):
    return browser_login("alpha", "clerk_a1")


@pytest.fixture
def base(store):
    return f"/t/alpha/s/{store.pk}"


def _rows(folio):
    return list(FolioTransaction.objects.filter(folio=folio).order_by("id").values_list("transaction_type", "amount"))


def test_the_orders_folio_opens_on_first_use_and_shows_its_forms(store, order, desk, base):
    response = desk.get(f"{base}/orders/{order.pk}/folio/")
    folio = Folio.objects.get(order=order, is_primary=True)
    assert response.status_code == 302 and response["Location"] == f"{base}/folios/{folio.pk}/"
    html = desk.get(response["Location"]).content.decode()
    for testid in ("folio-balance", "payment-form", "charge-form", "refund-form", "ledger", "folio-check-out", "folio-print"):
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="discount-form"' not in html  # managers only
    assert "现金" in html  # the default payment methods exist


def test_post_an_extra_take_payment_and_the_order_follows(store, order, folio, methods, desk, base):
    url = f"{base}/folios/{folio.pk}"
    response = desk.post(f"{url}/charges/", {"charge_type": "extra", "description": "早餐", "unit_price": "38", "quantity": "2"})
    assert response.status_code == 302
    folio.refresh_from_db()
    assert folio.balance == Decimal("76.00")
    assert OrderItem.objects.filter(order=order, kind="extra", description="早餐", total_price=Decimal("76.00")).exists()

    # the two nights (600.00) are not posted yet and are owed with the extra
    response = desk.post(f"{url}/payments/", {"amount": "676.00", "payment_method": methods["wechat"].pk, "gateway_txn_id": "WX123"})
    assert response.status_code == 302
    folio.refresh_from_db()
    order.refresh_from_db()
    assert (folio.balance, folio.amount_due, folio.status) == (Decimal("-600.00"), Decimal("0.00"), "settled")
    assert (order.total_amount, order.paid_amount, order.due_amount) == (Decimal("676.00"), Decimal("676.00"), Decimal("0.00"))
    html = desk.get(f"{url}/").content.decode()
    assert "WX123" in html and "早餐" in html


def test_a_catalogue_item_posts_at_its_price(store, folio, desk, base):
    item = ExtraChargeItemFactory(store=store, name="加床", default_price=Decimal("120.00"))
    desk.post(f"{base}/folios/{folio.pk}/charges/", {"charge_type": "extra", "extra_item": item.pk, "quantity": "1"})
    assert _rows(folio) == [("charge", Decimal("120.00"))]


def test_bad_input_and_refusals_change_nothing_and_keep_the_values(store, folio, methods, desk, base):
    url = f"{base}/folios/{folio.pk}"
    bad = desk.post(f"{url}/payments/", {"amount": "-5", "payment_method": methods["cash"].pk, "description": "前台收款"}, **EN)
    assert bad.status_code == 200 and "errorlist" in bad.content.decode() and 'value="前台收款"' in bad.content.decode()
    no_item = desk.post(f"{url}/charges/", {"charge_type": "extra", "quantity": "1"}, **EN).content.decode()
    assert "Choose an item or describe the charge." in no_item
    refused = desk.post(f"{url}/refunds/", {"refund-amount": "10", "refund-payment_method": methods["cash"].pk, "refund-reason": "多收"})
    html = refused.content.decode()
    assert refused.status_code == 200 and 'data-testid="form-errors"' in html and 'value="多收"' in html
    assert _rows(folio) == []


def test_void_needs_a_reason_and_adds_a_reversal(store, order, folio, desk, base):
    tx = desk.post(f"{base}/folios/{folio.pk}/charges/", {"charge_type": "extra", "description": "洗衣", "unit_price": "20", "quantity": "1"})
    posted = FolioTransaction.objects.get(folio=folio)
    url = f"{base}/folios/{folio.pk}/transactions/{posted.pk}/void/"
    assert desk.post(url, {"void-reason": ""}).status_code == 200
    assert _rows(folio) == [("charge", Decimal("20.00"))]
    tx = desk.post(url, {"void-reason": "客人未使用"})
    assert tx.status_code == 302
    assert _rows(folio) == [("charge", Decimal("20.00")), ("reversal", Decimal("-20.00"))]
    assert not OrderItem.objects.filter(order=order, kind="extra").exists()
    again = desk.post(url, {"void-reason": "再来一次"}, **EN)
    assert again.status_code == 200 and "form-errors" in again.content.decode()


def test_open_another_folio_and_move_a_row_there(store, order, folio, desk, base):
    charge(folio, "50", description="公司会议室")
    response = desk.post(f"{base}/orders/{order.pk}/folios/new/", {"open-name": "公司"})
    company = Folio.objects.get(order=order, is_primary=False)
    assert response["Location"] == f"{base}/folios/{company.pk}/"
    posted = FolioTransaction.objects.get(folio=folio)
    page = desk.get(f"{base}/folios/{folio.pk}/").content.decode()
    assert f'<option value="{company.pk}">F{company.pk} 公司' in page
    desk.post(f"{base}/folios/{folio.pk}/transactions/{posted.pk}/move/", {"move-target_folio": company.pk, "move-reason": "公司支付"})
    folio.refresh_from_db()
    company.refresh_from_db()
    assert (folio.balance, company.balance) == (Decimal("0.00"), Decimal("50.00"))


def test_discounts_are_for_managers(store, folio, browser_login, base):
    charge(folio, "100")
    url = f"{base}/folios/{folio.pk}/discounts/"
    clerk = browser_login("alpha", "clerk_a1")
    assert clerk.post(url, {"discount-amount": "10", "discount-reason": "熟客"}).status_code == 403
    manager = browser_login("alpha", "manager_a1")
    assert 'data-testid="discount-form"' in manager.get(f"{base}/folios/{folio.pk}/").content.decode()
    assert manager.post(url, {"discount-amount": "10", "discount-reason": "熟客"}).status_code == 302
    folio.refresh_from_db()
    assert folio.balance == Decimal("90.00")


def test_deposit_and_its_return(store, folio, methods, desk, base):
    url = f"{base}/folios/{folio.pk}"
    desk.post(f"{url}/deposits/", {"deposit-amount": "200", "deposit-payment_method": methods["cash"].pk})
    folio.refresh_from_db()
    assert (folio.deposit_held, folio.balance) == (Decimal("200.00"), Decimal("0.00"))
    desk.post(f"{url}/deposit-returns/", {"deposit_return-amount": "200", "deposit_return-payment_method": methods["cash"].pk})
    folio.refresh_from_db()
    assert folio.deposit_held == Decimal("0.00")


def test_folio_of_another_store_is_404(world, store, folio, desk):
    a2 = world.alpha.stores["A2"].pk
    assert desk.get(f"/t/alpha/s/{a2}/folios/{folio.pk}/").status_code == 404
    assert desk.post(f"/t/alpha/s/{a2}/folios/{folio.pk}/payments/", {"amount": "1"}).status_code == 404


def test_folio_page_query_count_does_not_grow(store, order, folio, methods, desk, base):
    url = f"{base}/folios/{folio.pk}/"
    charge(folio, "10")
    desk.get(url)
    with CaptureQueriesContext(connection) as few:
        desk.get(url)
    for i in range(6):
        charge(folio, "10", description=f"x{i}")
        pay(folio, "5")
    with CaptureQueriesContext(connection) as many:
        desk.get(url)
    assert len(few) == len(many)
