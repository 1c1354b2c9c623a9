"""One audited day of store A1 with known figures, shared by the reports' tests.

Business day D, six rooms of "Deluxe King" (300.00), room 6 out of order on night D:
- A: arrives D for two nights (388.00, 420.00), checked in, direct; a food extra of 50.00
  (catalogue item) and a deposit of 200.00 cash;
- B: arrived D-1 for three nights (300.00, 305.50, 310.00), checked in through Ctrip;
  pays 100.00 by WeChat, 10.00 of it refunded;
- C: confirmed for D (direct), never arrives: the audit marks it a no-show and charges
  its first night (280.00, the store's default no-show terms);
- E: booked through Ctrip for D+3, cancelled on D (free: more than 24 h ahead).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from apps.folios import services as folios
from apps.folios.tests.factories import ExtraChargeItemFactory, methods_for
from apps.night_audit.models import NightAudit
from apps.night_audit.services import night_audit_run
from apps.orders.models import Channel, Order
from apps.orders.tests.factories import stay
from apps.rooms import inventory
from apps.rooms.tests.factories import RoomLockFactory

Status = Order.Status
D = Decimal


def build(store, rt, day, clerk):
    ctrip = Channel.objects.get(store=store, code="ctrip")
    a = stay(store, rt, 0, arrival=day, prices=["388.00", "420.00"])
    b = stay(store, rt, 1, arrival=day - timedelta(days=1), nights=3, prices=["300.00", "305.50", "310.00"], channel=ctrip)
    c = stay(store, rt, 2, arrival=day, status=Status.CONFIRMED, prices=["280.00", "280.00"])
    e = stay(store, rt, None, arrival=day + timedelta(days=3), status=Status.CANCELLED, channel=ctrip)
    lock = RoomLockFactory(room=rt.rooms_list[5], start_date=day, end_date=day + timedelta(days=1))
    inventory.hold_lock(store_id=store.pk, lock_id=lock.pk, room=rt.rooms_list[5], nights=[day])
    m = methods_for(store)
    fa = folios.folio_primary_for_order(order=a)
    food = ExtraChargeItemFactory(store=store, name="Breakfast", default_price=D("50.00"))
    folios.folio_post_charge(folio=fa, actor=clerk, extra_item=food)
    folios.folio_post_deposit(folio=fa, actor=clerk, amount=D("200.00"), payment_method=m["cash"])
    fb = folios.folio_primary_for_order(order=b)
    folios.folio_post_payment(folio=fb, actor=clerk, amount=D("100.00"), payment_method=m["wechat"])
    folios.folio_post_refund(folio=fb, actor=clerk, amount=D("10.00"), payment_method=m["wechat"], reason="owed back")
    outcome = night_audit_run(store=store, trigger=NightAudit.Trigger.API)
    assert outcome.ran
    return {"a": a, "b": b, "c": c, "e": e}
