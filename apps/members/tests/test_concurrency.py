"""Real connections, real commits: sixteen desks spending one member's stored value at the
same moment never take it below zero, and the ledger sums to the balance."""
from decimal import Decimal

from django_tenants.utils import tenant_context

from apps.common.errors import DomainError
from apps.folios.models import Folio
from apps.folios.selectors import folio_reconcile
from apps.folios.services import folio_primary_for_order
from apps.members import selectors, services
from apps.members.models import Member, StoredValueEntry
from apps.members.tests.factories import make_member, top_up
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from tests.fixtures import run_concurrently

D = Decimal


def _spend(member_id, folio_id):
    paid = services.stored_value_spend(member=Member.objects.get(pk=member_id), folio=Folio.objects.get(pk=folio_id),
                                       amount=D("70.00"), actor=None)
    return paid.transaction.pk


def test_sixteen_concurrent_spends_never_go_below_zero(committed_tenant):
    ct = committed_tenant
    with tenant_context(ct.tenant):
        ChannelFactory(store=ct.store, code="direct", name="Direct")
        room_type, rooms = room_type_with_rooms(ct.store, 16)
        folios = [folio_primary_for_order(order=make_order(ct.store, room_type=room_type, room=room,
                                                           status=Order.Status.CHECKED_IN)) for room in rooms]
        member = make_member(ct.store, full_name="王芳")
        top_up(member, ct.store, "1000.00", "100.00")  # 1100.00: 15 spends of 70.00 fit, the 16th does not
    results = run_concurrently(_spend, [(member.pk, f.pk) for f in folios], tenant=ct.tenant)
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if not isinstance(r, int)]
    assert len(won) == 15, results
    assert [(type(e), e.code) for e in lost] == [(DomainError, "stored_value_insufficient")], lost
    with tenant_context(ct.tenant):
        member.refresh_from_db()
        assert member.stored_value == D("1100.00") - 15 * D("70.00") == D("50.00")
        assert member.sv_principal >= 0 and member.sv_bonus >= 0
        sums = StoredValueEntry.objects.filter(member=member)
        assert sum(e.principal for e in sums) == member.sv_principal
        assert sum(e.bonus for e in sums) == member.sv_bonus
        assert sums.filter(kind="spend").count() == 15
        assert selectors.stored_value_reconcile()["diff"] == D("0.00")
        # every folio agrees: 15 paid 70.00, the refused one nothing
        paid = sorted(Folio.objects.filter(pk__in=[f.pk for f in folios]).values_list("total_payments", flat=True))
        assert paid == [D("0.00")] + [D("70.00")] * 15
        assert folio_reconcile()["diff"] == D("0.00")
