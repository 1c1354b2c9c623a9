"""Folios of an order: the primary one, opened on first use, and further ones (another
guest's share, a company's bill)."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError
from apps.folios.error_codes import FolioErrorCode as Code
from apps.folios.models import Folio, FolioEvent
from apps.folios.services.recipe import ORDER_CLOSED_STATES, _user
from apps.orders.models import Order
from apps.orders.services import orders_lock


def folio_primary_for_order(*, order: Order, actor=None, for_check_out: bool = False) -> Folio:
    """The order's primary folio, opened on first use (one per order: a UNIQUE partial
    index decides between concurrent first uses). An order that checked out before its
    folio existed gets it closed, unless it is opened by that check-out itself
    (``for_check_out``: it charges the stay, then closes it)."""
    folio = Folio.objects.filter(order_id=order.pk, is_primary=True).first()
    if folio is not None:
        return folio
    closed_at = order.checked_out_at if order.status in ORDER_CLOSED_STATES and not for_check_out else None
    with transaction.atomic():
        folio, created = Folio.objects.get_or_create(
            order_id=order.pk, is_primary=True,
            defaults={"store_id": order.store_id, "currency": order.currency, "closed_at": closed_at, "created_by": _user(actor)},
        )
        if created:
            FolioEvent.objects.create(folio=folio, kind=FolioEvent.Kind.OPENED, actor=_user(actor), data={"primary": True})
    return folio


@transaction.atomic
def folio_open(*, order: Order, actor, name: str = "", notes: str = "") -> Folio:
    """A further folio on ``order`` (another guest's share, a company's bill)."""
    order = orders_lock(order_ids=[order.pk])[order.pk]
    if order.status in ORDER_CLOSED_STATES:
        raise DomainError(Code.ORDER_CLOSED, _("This order has checked out; its folios are closed."))
    folio_primary_for_order(order=order, actor=actor)
    folio = Folio.objects.create(
        store_id=order.store_id, order=order, name=name.strip()[:100], notes=notes, currency=order.currency,
        created_by=_user(actor),
    )
    FolioEvent.objects.create(folio=folio, kind=FolioEvent.Kind.OPENED, actor=_user(actor), data={"primary": False})
    return folio
