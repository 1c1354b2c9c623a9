"""Ledger rows carry the store's business date: the open one when posted, the audited
night for the audit's room charges; the day's other revenue is added up by it."""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django_tenants.utils import tenant_context

from apps.folios import services as folio_services
from apps.folios.models import FolioTransaction
from apps.night_audit.models import DailyStoreStats
from apps.night_audit.services import night_audit_run
from apps.orders.models import Order
from apps.orders.tests.factories import ChannelFactory, make_order, room_type_with_rooms, stay
from apps.tenancy.business_day import business_date, store_local_date
from tests.fixtures import set_business_date


def _charge(order, amount: str, description: str = "Minibar"):
    folio = folio_services.folio_primary_for_order(order=order)
    return folio_services.folio_post_charge(folio=folio, actor=None, description=description, unit_price=Decimal(amount))


def test_a_posting_carries_the_open_business_date_not_the_wall_clock(store, rt):
    old = store_local_date(store=store) - timedelta(days=5)  # five days not audited
    set_business_date(store, old)
    a = stay(store, rt, 0, arrival=old)

    tx = _charge(a, "45.00")

    assert tx.business_date == old
    assert FolioTransaction.objects.get(pk=tx.pk).business_date == old


def test_the_audit_dates_its_room_charges_with_the_night_and_later_postings_with_the_next_day(store, rt, day):
    a = stay(store, rt, 0, arrival=day, prices=["300.00", "280.00"])
    minibar = _charge(a, "45.00")

    night_audit_run(store=store, trigger="beat")
    after = _charge(a, "12.00", "Water")

    room = FolioTransaction.objects.get(folio__order=a, charge_type="room_night")
    assert (minibar.business_date, room.business_date, after.business_date) == (day, day, day + timedelta(days=1))
    assert DailyStoreStats.objects.get(store=store, date=day).other_revenue == Decimal("45.00")


def test_other_revenue_is_added_up_by_business_date_not_by_posting_time(store, rt, day):
    a = stay(store, rt, 0, arrival=day - timedelta(days=1), nights=3)
    set_business_date(store, day - timedelta(days=1))
    earlier = _charge(a, "30.00", "Laundry")  # business day D - 1, posted a moment ago
    set_business_date(store, day)
    ours = _charge(a, "45.00")
    void = folio_services.folio_transaction_void(tx=ours, actor=None, reason="wrong room")

    night_audit_run(store=store, trigger="beat")

    assert (earlier.business_date, ours.business_date, void.business_date) == (day - timedelta(days=1), day, day)
    # the voided minibar nets to zero on D; D - 1's laundry is not D's revenue
    assert DailyStoreStats.objects.get(store=store, date=day).other_revenue == Decimal("0.00")


def _wait_for_advisory_wait(pid_holder: dict, timeout: float = 10.0) -> bool:
    """True once the audit's connection waits for an advisory lock (the gate)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = pid_holder.get("pid")
        if pid is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory' AND NOT granted", [pid]
                )
                if cursor.fetchone()[0]:
                    return True
        time.sleep(0.02)
    return False


def test_the_audit_waits_for_a_posting_in_flight_and_counts_it(committed_tenant):
    """A posting that read business day D and has not committed yet when the audit adds
    D up: the audit waits for it (the audit gate), so D's other revenue includes it.
    Without the gate the audit would finish first and D's figures would miss 45.00."""
    tenant = committed_tenant.tenant
    with tenant_context(tenant):
        store = committed_tenant.store
        day = store_local_date(store=store) - timedelta(days=1)
        set_business_date(store, day)
        ChannelFactory(store=store, code="direct", name="Direct", channel_type="direct")
        room_type, rooms = room_type_with_rooms(store, 2)
        # Booked for later, with a breakfast package sold today: an order the audit of D does
        # not lock (it locks the orders in the house or due by D), so only the gate orders the two.
        order = make_order(store, room_type=room_type, room=rooms[0], arrival=day + timedelta(days=4), nights=2,
                           status=Order.Status.CONFIRMED)
        folio = folio_services.folio_primary_for_order(order=order)

    posted, release, audit_pid, results = threading.Event(), threading.Event(), {}, {}

    def posting():
        from django.db import connections
        try:
            connection.set_tenant(tenant)
            with transaction.atomic():
                results["tx"] = folio_services.folio_post_charge(
                    folio=folio, actor=None, description="Breakfast package", unit_price=Decimal("45.00"))
                posted.set()
                release.wait(20)
        except BaseException as exc:  # noqa: BLE001
            results["posting_error"] = exc
            posted.set()
        finally:
            connections.close_all()

    def audit():
        from django.db import connections
        try:
            connection.set_tenant(tenant)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                audit_pid["pid"] = cursor.fetchone()[0]
            results["audit"] = night_audit_run(store=store, trigger="beat")
        except BaseException as exc:  # noqa: BLE001
            results["audit_error"] = exc
        finally:
            connections.close_all()

    p = threading.Thread(target=posting)
    p.start()
    assert posted.wait(20) and "posting_error" not in results, results
    a = threading.Thread(target=audit)
    a.start()
    try:
        waited = _wait_for_advisory_wait(audit_pid)
    finally:
        release.set()
        p.join(20)
        a.join(30)
    assert waited, "the audit did not wait for the posting in flight"
    assert "audit_error" not in results and "posting_error" not in results, results
    with tenant_context(tenant):
        assert results["tx"].business_date == day
        assert DailyStoreStats.objects.get(store=store, date=day).other_revenue == Decimal("45.00")
        assert business_date(store=store) == day + timedelta(days=1)
        later = folio_services.folio_post_charge(folio=folio, actor=None, description="Water", unit_price=Decimal("5.00"))
        assert later.business_date == day + timedelta(days=1)
