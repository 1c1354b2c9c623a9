"""Demo payment methods, extra-charge catalogue and a few postings on the demo orders
(``manage.py seed_demo``; runs after apps/orders/demo.py)."""
from __future__ import annotations

from decimal import Decimal

from apps.folios import services
from apps.folios.models import ExtraChargeItem, FolioTransaction, PaymentMethod
from apps.orders.models import Order
from apps.orders.selectors import order_list, room_night_line
from apps.tenancy.business_day import business_date

Category = ExtraChargeItem.Category
# (name, price, category, taxable, description)
EXTRAS = [
    ("早餐", Decimal("38.00"), Category.FOOD, True, "中式早餐，每位"),
    ("矿泉水", Decimal("5.00"), Category.MINIBAR, True, ""),
    ("啤酒", Decimal("15.00"), Category.MINIBAR, True, "本地精酿"),
    ("洗衣", Decimal("30.00"), Category.LAUNDRY, True, "每袋"),
    ("接送机", Decimal("120.00"), Category.SERVICE, True, "市区至机场单程"),
    ("延迟退房", Decimal("100.00"), Category.SERVICE, True, "至 16:00"),
    ("物品损坏", Decimal("50.00"), Category.DAMAGE, False, "按实际损坏计价"),
]


def seed(*, store) -> None:
    """Idempotent per store: does nothing once the store has a posting."""
    methods = {m.method_type: m for m in services.payment_methods_ensure(store=store)}
    if not ExtraChargeItem.objects.filter(store=store).exists():
        for i, (name, price, category, taxable, description) in enumerate(EXTRAS):
            services.extra_item_create(
                store=store, name=name, default_price=price, category=category, is_taxable=taxable,
                description=description, sort_order=i,
            )
    if FolioTransaction.objects.filter(store=store).exists():
        return
    breakfast = ExtraChargeItem.objects.get(store=store, name="早餐")
    today = business_date(store=store)
    S = Order.Status
    for order in order_list(store=store, filters={"status": [S.CONFIRMED, S.CHECKED_IN, S.EXTENDED]}).order_by("id")[:8]:
        folio = services.folio_primary_for_order(order=order)
        if order.status == S.CONFIRMED:
            first_night = room_night_line(order_id=order.pk, night=order.arrival)
            if first_night is not None:
                services.folio_post_payment(
                    folio=folio, actor=None, amount=first_night.total_price, payment_method=methods[PaymentMethod.Type.ALIPAY],
                    gateway_txn_id=f"2026{order.pk:08d}", description="定金",
                )
            continue
        services.folio_post_deposit(folio=folio, actor=None, amount=Decimal("200.00"), payment_method=methods[PaymentMethod.Type.CASH])
        for night in sorted(order.items.filter(kind="room_night", service_date__lt=today).values_list("service_date", flat=True)):
            services.folio_post_room_night(order=order, night=night)
        services.folio_post_charge(folio=folio, actor=None, extra_item=breakfast, quantity=order.adults)
        folio.refresh_from_db()
        if folio.balance > 0:
            services.folio_post_payment(
                folio=folio, actor=None, amount=folio.balance, payment_method=methods[PaymentMethod.Type.WECHAT],
                description="微信扫码",
            )
