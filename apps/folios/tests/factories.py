"""Factories for folios. Orders come from the orders factories (through their services);
folios and postings go through the folios services, so totals always follow the ledger."""
from __future__ import annotations

from decimal import Decimal

import factory

from apps.folios import services
from apps.folios.models import ExtraChargeItem, Folio, PaymentMethod
from apps.orders.models import OrderItem


class ExtraChargeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtraChargeItem

    name = factory.Sequence(lambda n: f"Extra {n}")
    default_price = Decimal("38.00")
    category = ExtraChargeItem.Category.FOOD


def methods_for(store) -> dict[str, PaymentMethod]:
    """The store's default payment methods by type (created if missing)."""
    return {m.method_type: m for m in services.payment_methods_ensure(store=store)}


def primary_folio(order) -> Folio:
    return services.folio_primary_for_order(order=order)


def charge(folio, amount: str, *, actor=None, description: str = "Minibar") -> object:
    return services.folio_post_charge(folio=folio, actor=actor, description=description, unit_price=Decimal(amount))


def pay(folio, amount: str, *, actor=None, method: PaymentMethod | None = None):
    method = method or methods_for(folio.store)[PaymentMethod.Type.CASH]
    return services.folio_post_payment(folio=folio, actor=actor, amount=Decimal(amount), payment_method=method)


def post_nights(order, *, actor=None) -> list:
    """Post every room night of ``order`` to its primary folio at its locked rate, as the
    night audit does night after night."""
    nights = OrderItem.objects.filter(order=order, kind=OrderItem.Kind.ROOM_NIGHT).order_by("service_date")
    return [services.folio_post_room_night(order=order, night=line.service_date, actor=actor) for line in nights]


def pay_due(order, *, actor=None):
    """Take what ``order`` owes (its ``due_amount``: the nights not posted yet included) on
    its primary folio, as the desk does before check-out; None when nothing is due."""
    order.refresh_from_db(fields=["due_amount"])
    if order.due_amount <= 0:
        return None
    return pay(services.folio_primary_for_order(order=order), str(order.due_amount), actor=actor)
