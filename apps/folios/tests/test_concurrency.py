"""Real connections, real commits: clerks posting to the same folio at the same moment.
Totals and the order's paid amount must equal the ledger; the refund limit must hold."""
from decimal import Decimal

from django_tenants.utils import tenant_context

from apps.common.errors import DomainError
from apps.folios import selectors, services
from apps.folios.models import Folio, FolioTransaction
from apps.folios.tests.factories import methods_for
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from tests.fixtures import run_concurrently

D = Decimal


def _setup(ct, orders: int = 1):
    with tenant_context(ct.tenant):
        ChannelFactory(store=ct.store, code="direct", name="Direct")
        room_type, rooms = room_type_with_rooms(ct.store, orders)
        made = [make_order(ct.store, room_type=room_type, room=room, status=Order.Status.CHECKED_IN) for room in rooms]
        folios = [services.folio_primary_for_order(order=o) for o in made]
        methods_for(ct.store)
    return made, folios


def _post(folio_id, kind, amount, actor_id):
    folio = Folio.objects.get(pk=folio_id)
    method = methods_for(folio.store)["cash"]
    if kind == "charge":
        tx = services.folio_post_charge(folio=folio, actor=None, description="Minibar", unit_price=D(amount))
    elif kind == "payment":
        tx = services.folio_post_payment(folio=folio, actor=None, amount=D(amount), payment_method=method)
    else:
        tx = services.folio_post_refund(folio=folio, actor=None, amount=D(amount), payment_method=method, reason="race")
    return tx.pk


def test_sixteen_clerks_posting_to_one_folio(committed_tenant):
    (order,), (folio,) = _setup(committed_tenant)
    args = [(folio.pk, "charge" if i % 2 else "payment", f"{10 + i}.25", None) for i in range(16)]
    results = run_concurrently(_post, args, tenant=committed_tenant.tenant)
    assert all(isinstance(r, int) for r in results), results
    with tenant_context(committed_tenant.tenant):
        folio.refresh_from_db()
        charges = sum(D(f"{10 + i}.25") for i in range(16) if i % 2)
        payments = sum(D(f"{10 + i}.25") for i in range(16) if not i % 2)
        assert (folio.total_charges, folio.total_payments, folio.balance) == (charges, payments, charges - payments)
        assert FolioTransaction.objects.filter(folio=folio).count() == 16
        order.refresh_from_db()
        assert (order.paid_amount, order.due_amount) == (payments, order.total_amount - payments)
        assert selectors.folio_reconcile()["diff"] == D("0.00")


def test_racing_refunds_never_exceed_what_was_paid(committed_tenant):
    (order,), (folio,) = _setup(committed_tenant)
    with tenant_context(committed_tenant.tenant):
        _post(folio.pk, "payment", "100.00", None)
    results = run_concurrently(_post, [(folio.pk, "refund", "30.00", None)] * 16, tenant=committed_tenant.tenant)
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if not isinstance(r, int)]
    assert len(won) == 3, results
    assert all(isinstance(r, DomainError) and r.code == "refund_exceeds_paid" for r in lost), lost
    with tenant_context(committed_tenant.tenant):
        folio.refresh_from_db()
        assert (folio.total_payments, folio.total_refunds) == (D("100.00"), D("90.00"))
        order.refresh_from_db()
        assert order.paid_amount == D("10.00")


def _void(tx_id):
    return services.folio_transaction_void(tx=FolioTransaction.objects.get(pk=tx_id), actor=None, reason="race").pk


def test_racing_voids_void_once(committed_tenant):
    (order,), (folio,) = _setup(committed_tenant)
    with tenant_context(committed_tenant.tenant):
        tx_id = _post(folio.pk, "payment", "100.00", None)
    results = run_concurrently(_void, [(tx_id,)] * 8, tenant=committed_tenant.tenant)
    assert len([r for r in results if isinstance(r, int)]) == 1, results
    assert all(r.code == "already_voided" for r in results if not isinstance(r, int)), results
    with tenant_context(committed_tenant.tenant):
        order.refresh_from_db()
        assert order.paid_amount == D("0.00")


def _primary(order_id):
    return services.folio_primary_for_order(order=Order.objects.get(pk=order_id)).pk


def test_concurrent_first_use_opens_one_primary_folio(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        ChannelFactory(store=committed_tenant.store, code="direct", name="Direct")
        room_type, rooms = room_type_with_rooms(committed_tenant.store, 1)
        order = make_order(committed_tenant.store, room_type=room_type, room=rooms[0], status=Order.Status.CHECKED_IN)
    results = run_concurrently(_primary, [(order.pk,)] * 8, tenant=committed_tenant.tenant)
    assert len(set(results)) == 1 and isinstance(results[0], int), results
    with tenant_context(committed_tenant.tenant):
        assert Folio.objects.filter(order=order).count() == 1


def _move_back_and_forth(tx_ids, target_id):
    """Move each row to ``target`` (two threads run opposite directions at once)."""
    target = Folio.objects.get(pk=target_id)
    for tx_id in tx_ids:
        services.folio_transaction_move(tx=FolioTransaction.objects.get(pk=tx_id), target=target, actor=None, reason="route")
    return len(tx_ids)


def test_moves_in_opposite_directions_do_not_deadlock(committed_tenant):
    orders, (a, b) = _setup(committed_tenant, orders=2)
    with tenant_context(committed_tenant.tenant):
        on_a = [_post(a.pk, "payment", "10.00", None) for _ in range(10)]
        on_b = [_post(b.pk, "payment", "20.00", None) for _ in range(10)]
    args = [(on_a[i::4], b.pk) for i in range(4)] + [(on_b[i::4], a.pk) for i in range(4)]
    results = run_concurrently(_move_back_and_forth, args, tenant=committed_tenant.tenant)
    assert all(isinstance(r, int) for r in results), results
    with tenant_context(committed_tenant.tenant):
        a.refresh_from_db()
        b.refresh_from_db()
        assert (a.total_payments, b.total_payments) == (D("200.00"), D("100.00"))
        paid = {o.pk: o.paid_amount for o in Order.objects.all()}
        assert paid == {orders[0].pk: D("200.00"), orders[1].pk: D("100.00")}
        assert selectors.folio_reconcile()["diff"] == D("0.00")
