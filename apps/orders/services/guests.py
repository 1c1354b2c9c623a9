"""The people staying on an order, added and removed at the desk. Events keep the
contact's id and a masked name only: they are the outbox and the API's timeline, never a
place for a clear phone or document number."""
from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, NotFoundError
from apps.contacts.models import Contact
from apps.contacts.services import contact_find_or_create
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import Order, OrderEvent, OrderGuest
from apps.orders.services.inputs import PersonIn
from apps.orders.services.outbox import _after_commit
from apps.orders.services.recipe import _event, _invalid, _lock, _save


def _mask_name(name: str) -> str:
    """A name as the event log keeps it: the first letter of each word, the rest starred
    (张三 -> 张*, 欧阳娜娜 -> 欧***, John Smith -> J*** S****)."""
    return " ".join(word[0] + "*" * max(len(word) - 1, 1) for word in name.split())


def _guest_data(contact, **more: Any) -> dict:
    # Ids and a masked name only: events are the outbox and the API's timeline, never a
    # place for a clear phone or document number.
    return {"contact_id": contact.pk, "name_masked": _mask_name(contact.full_name), **more}


def _show_primary(order: Order, contact) -> list[str]:
    """Point the order's display copies at ``contact`` (the primary guest, else the
    booker: as ``order_create`` sets them); the fields that changed."""
    values = {
        "primary_contact_name": (contact.full_name if contact else "")[:100],
        "primary_contact_phone_masked": contact.phone_masked if contact else "",
    }
    changed = [k for k, v in values.items() if getattr(order, k) != v]
    for key in changed:
        setattr(order, key, values[key])
    return changed


def _guest_taken() -> DomainError:
    return DomainError(OrderErrorCode.GUEST_ALREADY_ON_ORDER, _("This guest is already registered on this order."))


def _check_guests_open(order: Order) -> None:
    if order.status not in Order.ACTIVE:
        raise DomainError(OrderErrorCode.ORDER_NOT_ACTIVE, _("Guests of a closed order cannot change."))


@transaction.atomic
def order_guest_add(*, order: Order, actor, person: PersonIn) -> OrderGuest:
    """Register one more person staying on an open order (a companion at the desk).

    The person becomes a contact of the store exactly as at booking (an existing profile
    with the same document or phone is reused). Refused on a closed order
    (``order_not_active``), for someone already on it (``guest_already_on_order``;
    ``UNIQUE (order, contact)`` decides under concurrency) and, in the house, for someone
    without an identity document given or on file (``guest_document_required``). The
    first guest is primary; ``person.is_primary`` makes the new one primary instead. An order without guest rows
    has its booker as the staying guest (what the pages and the check-in show): the
    booker is registered first, as primary, so adding a companion does not drop them."""

    order = _lock(order)
    _check_guests_open(order)
    contact = contact_find_or_create(
        store=order.store, full_name=person.full_name, phone=person.phone, id_type=person.id_type,
        id_number=person.id_number, contact_type=Contact.Type.GUEST, actor=actor,
        existing_contact_id=person.existing_contact_id,
    )
    rows = list(OrderGuest.objects.filter(order=order).select_related("contact"))
    if any(row.contact_id == contact.pk for row in rows):
        raise _guest_taken()
    if order.status in Order.IN_HOUSE and not contact.id_type:
        # Documents are registered at check-in (the check-in form asks for every guest's);
        # a guest joining a stay already in the house is registered now or not at all.
        # The contact just created, if any, goes with the rollback.
        raise _invalid(
            OrderErrorCode.GUEST_DOCUMENT_REQUIRED,
            _("A guest joining a stay in the house must be registered with an identity document."), "id_number",
        )
    events: list[dict] = []
    if not rows and order.booker_id is not None and order.booker_id != contact.pk:
        booker_row = OrderGuest.objects.create(order=order, contact=order.booker, is_primary=True)
        rows.append(booker_row)
        events.append(_guest_data(order.booker, is_primary=True, from_booker=True))
    current = next((row for row in rows if row.is_primary), None)
    is_primary = current is None or person.is_primary
    if is_primary and current is not None:
        # One primary per order (a partial unique index): the old one steps down first.
        OrderGuest.objects.filter(pk=current.pk).update(is_primary=False)
    try:
        with transaction.atomic():
            guest = OrderGuest.objects.create(order=order, contact=contact, is_primary=is_primary)
    except IntegrityError as exc:
        if "orderguest_once_per_order" in str(exc):
            raise _guest_taken() from exc
        raise
    events.append(_guest_data(contact, is_primary=is_primary))
    primary = contact if is_primary else current.contact
    _save(order, _show_primary(order, primary))
    for data in events:
        _event(order, OrderEvent.Kind.GUEST_ADDED, actor=actor, from_status=order.status, to_status=order.status, data=data)
    _after_commit("order.guest_added", order, contact_id=contact.pk)
    return guest


@transaction.atomic
def order_guest_remove(*, order: Order, actor, contact_id: int) -> Order:
    """Take a person off an open order's guests (``not_found`` if they are not on it).

    Removing the primary guest makes the next one (earliest added) primary. The last
    guest can go only when the order has a booker other than them: the booker is then
    the staying guest again (as for an order booked without guests); otherwise the order
    would have nobody to register (``order_guest_required``)."""
    order = _lock(order)
    _check_guests_open(order)
    rows = list(OrderGuest.objects.filter(order=order).select_related("contact").order_by("-is_primary", "id"))
    target = next((row for row in rows if row.contact_id == contact_id), None)
    if target is None:

        raise NotFoundError("not_found", _("Not found."))
    remaining = [row for row in rows if row is not target]
    if not remaining and (order.booker_id is None or order.booker_id == contact_id):
        raise DomainError(
            OrderErrorCode.ORDER_GUEST_REQUIRED,
            _("An order needs at least one staying guest: add the other guest before removing this one."),
        )
    target.delete()
    primary = next((row for row in remaining if row.is_primary), None)
    if primary is None and remaining:
        primary = remaining[0]
        OrderGuest.objects.filter(pk=primary.pk).update(is_primary=True)
        primary.is_primary = True
    _save(order, _show_primary(order, primary.contact if primary else order.booker))
    _event(order, OrderEvent.Kind.GUEST_REMOVED, actor=actor, from_status=order.status, to_status=order.status,
           data=_guest_data(target.contact, was_primary=target.is_primary,
                            primary_contact_id=primary.contact_id if primary else order.booker_id))
    _after_commit("order.guest_removed", order, contact_id=contact_id)
    return order
