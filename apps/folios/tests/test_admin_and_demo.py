"""The admin is read-only for the ledger; the demo seed posts a consistent ledger, once."""
from decimal import Decimal

from django.contrib.admin.sites import site
from django.test import RequestFactory

from apps.folios import demo, selectors
from apps.folios.models import ExtraChargeItem, Folio, FolioEvent, FolioTransaction, PaymentMethod
from apps.orders.models import Order
from apps.orders.tests.factories import make_order


def test_admin_never_adds_changes_or_deletes_ledger_rows_events_or_folios(world):
    request = RequestFactory().get("/")
    request.user = world.alpha.users["admin_a"]
    for model in (FolioTransaction, Folio):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    assert FolioEvent not in site._registry  # shown inline on the folio only
    assert not site._registry[PaymentMethod].has_delete_permission(request)


def test_demo_seed_posts_a_reconciled_ledger_once(store, rt, today):
    make_order(store, room_type=rt, room=rt.rooms_list[0], status=Order.Status.CHECKED_IN)
    make_order(store, room_type=rt, room=rt.rooms_list[1], status=Order.Status.CONFIRMED)
    demo.seed(store=store)
    assert PaymentMethod.objects.filter(store=store).count() == 6
    assert ExtraChargeItem.objects.filter(store=store).count() == len(demo.EXTRAS)
    kinds = sorted(FolioTransaction.objects.filter(store=store).values_list("transaction_type", "charge_type"))
    assert kinds == [("charge", "extra"), ("deposit", ""), ("payment", ""), ("payment", "")]
    assert selectors.folio_reconcile(store=store)["diff"] == Decimal("0.00")
    count = FolioTransaction.objects.count()
    demo.seed(store=store)
    assert FolioTransaction.objects.count() == count


def test_admin_payment_method_details_jsonb_cannot_store_are_form_errors_not_500(browser_login, world):
    from django_tenants.utils import tenant_context

    from apps.folios.services import payment_methods_ensure

    a1 = world.alpha.stores["A1"]
    with tenant_context(world.alpha.tenant):
        method = next(m for m in payment_methods_ensure(store=a1) if m.method_type == "cash")
    client = browser_login("alpha", "admin_a")
    path = f"/t/alpha/admin/folios/paymentmethod/{method.pk}/change/"
    form = {"name": method.name, "method_type": "cash", "is_active": "on", "sort_order": "0"}
    for details in ['{"limit": 1e400}', '{"a": "\\u0000"}', '{"\\ud800": 1}']:
        response = client.post(path, form | {"details": details}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200  # the form again, with the error
        assert "errorlist" in response.content.decode()
    assert client.post(path, form | {"details": '{"merchant_id": 10000000000000000000000}'}).status_code == 302
    with tenant_context(world.alpha.tenant):
        method.refresh_from_db()
        assert method.details == {"merchant_id": 10**22}
