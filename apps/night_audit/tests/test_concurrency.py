"""Real connections, real commits: two audits of one store at the same time."""
from __future__ import annotations

from datetime import timedelta

from django_tenants.utils import tenant_context

from apps.common.errors import DomainError
from apps.folios.models import FolioTransaction
from apps.night_audit.models import NightAudit
from apps.night_audit.services import night_audit_run
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms
from apps.tenancy.business_day import business_date, store_local_date
from tests.fixtures import run_concurrently, set_business_date


def _audit(store):
    return night_audit_run(store=store, trigger="beat")


def test_four_audits_at_once_close_the_day_once(committed_tenant):
    with tenant_context(committed_tenant.tenant):
        store = committed_tenant.store
        day = store_local_date(store=store) - timedelta(days=1)
        set_business_date(store, day)
        ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
        room_type, rooms = room_type_with_rooms(store, 8)
        orders = [
            make_order(store, room_type=room_type, room=room, arrival=day, nights=2, status=Order.Status.CHECKED_IN,
                       allow_past_arrival=True)
            for room in rooms[:6]
        ]

    results = run_concurrently(_audit, [(store,)] * 4, tenant=committed_tenant.tenant)

    ran = [r for r in results if not isinstance(r, Exception) and r.ran]
    others = [r for r in results if r not in ran]
    assert len(ran) == 1, results
    assert all(
        (isinstance(r, DomainError) and r.code == "audit_in_progress") or (not isinstance(r, Exception) and not r.ran)
        for r in others
    ), results
    with tenant_context(committed_tenant.tenant):
        postings = FolioTransaction.objects.filter(charge_type="room_night", service_date=day)
        assert sorted(postings.values_list("folio__order_id", flat=True)) == sorted(o.pk for o in orders)
        assert business_date(store=store) == day + timedelta(days=1)
        audit = NightAudit.objects.get(store=store)
        assert audit.status == "done" and audit.counts["posted"] == 6 and 1 <= audit.attempts <= 4
