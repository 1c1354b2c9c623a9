"""The day the owner-app tests play: built through the services (never raw SQL).

Store "Committed Store" (the committed tenant's): 大床房 101-103 at 300, 双床房 201-202 at 260;
张三 arrives today in 101 (2 nights, confirmed); 李四 has been in 102 since yesterday and
leaves today; 201 is dirty. Store "湖畔店": one room, 王五 arriving today (so the two stores'
figures differ). Users: admin_c (tenant admin, both stores), clerk_c (front desk of the first).
"""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.folios import services as folio_services
from apps.folios.services import payment_methods_ensure
from apps.orders.models import Order
from apps.orders.services import PersonIn, channel_defaults_ensure
from apps.orders.tests.factories import make_order
from apps.rooms import services as rooms
from apps.tenancy.business_day import business_day_roll, store_local_date
from apps.tenancy.models import StaffProfile
from apps.tenancy.services import staff_create, store_create
from tests.fixtures import set_business_date
from tests.world import PASSWORD


def owner_day(committed_tenant) -> SimpleNamespace:
    store = committed_tenant.store
    with tenant_context(committed_tenant.tenant):
        lake = store_create(name="湖畔店", code="lake")
        staff_create(username="clerk_c", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[store])
        for s in (store, lake):
            channel_defaults_ensure(store=s)
            payment_methods_ensure(store=s)
        king = rooms.room_type_create(store=store, name="大床房", default_price=300, capacity=2, sort_order=0)
        twin = rooms.room_type_create(store=store, name="双床房", default_price=260, capacity=2, sort_order=1)
        room = {n: rooms.room_create(store=store, room_type=rt, number=n, floor=n[0])
                for n, rt in (("101", king), ("102", king), ("103", king), ("201", twin), ("202", twin))}
        lake_type = rooms.room_type_create(store=lake, name="湖景房", default_price=480, capacity=2)
        lake_room = rooms.room_create(store=lake, room_type=lake_type, number="8", floor="1")
        today = store_local_date(store=store)
        yesterday = today - timedelta(days=1)
        # 李四 came yesterday: the store's business day was yesterday, then its audit rolled it
        set_business_date(store, yesterday)
        leaving = make_order(store, room_type=king, room=room["102"], arrival=yesterday, nights=1,
                             status=Order.Status.CHECKED_IN, guests=[PersonIn(full_name="李四")])
        # he paid at check-in, and last night was charged as the audit does before it rolls the day
        folios = folio_services.folio_primary_for_order(order=leaving)
        folio_services.folio_post_room_night(order=leaving, night=yesterday)
        cash = next(m for m in payment_methods_ensure(store=store) if m.method_type == "cash")
        folio_services.folio_post_payment(folio=folios, actor=None, amount=leaving.total_amount, payment_method=cash)
        business_day_roll(store=store, day=yesterday, now=timezone.now())
        arriving = make_order(store, room_type=king, room=room["101"], arrival=today, nights=2,
                              status=Order.Status.CONFIRMED, guests=[PersonIn(full_name="张三")])
        make_order(lake, room_type=lake_type, room=lake_room, arrival=today, nights=1,
                   status=Order.Status.CONFIRMED, guests=[PersonIn(full_name="王五")])
        rooms.room_housekeeping_set(room=room["201"], status="dirty", actor=None)
    connection.set_schema_to_public()
    return SimpleNamespace(tenant=committed_tenant.tenant, slug=committed_tenant.tenant.slug, store=store, lake=lake,
                           room=room, king=king, twin=twin, today=today, arriving=arriving, leaving=leaving,
                           password=PASSWORD)


def order_status(w, order_id: int) -> str:
    with tenant_context(w.tenant):
        status = Order.objects.get(pk=order_id).status
    connection.set_schema_to_public()
    return status


def figures(w, store) -> dict:
    """The overview's figures of ``store`` from their one definition (apps.reports.overview)."""
    from apps.reports.overview import overview_figures

    with tenant_context(w.tenant):
        result = overview_figures(stores=[store])
    connection.set_schema_to_public()
    return result["stores"][0]
