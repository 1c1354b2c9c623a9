"""Who a notification about an order goes to, and their address in clear, only inside
the sending code (never stored, never logged).

The recipient is the order's booker, else its primary guest.
"""
from __future__ import annotations

import logging

from django.views.decorators.debug import sensitive_variables

logger = logging.getLogger(__name__)


def order_recipient(order):
    """The contact to notify about ``order``: its booker, else its primary guest, else None."""
    if order.booker_id is not None:
        return order.booker
    guest = order.guests.filter(is_primary=True).select_related("contact").first()
    return guest.contact if guest is not None else None


@sensitive_variables()
def contact_phone_clear(contact) -> str | None:
    """The contact's mobile number in clear, to hand to an SMS provider.

    Contacts offers ``contact_reveal`` for staff (permission + reveal log) but no read for
    a system purpose yet; until it does (docs/notifications.md, "Left to do"), this reads
    the ciphertext with contacts' own crypto module, bound to this tenant and field."""
    from apps.contacts import crypto
    from apps.contacts.selectors import FIELD_PHONE

    if not contact.phone_encrypted or contact.status != "active":
        return None
    try:
        return crypto.decrypt(contact.phone_encrypted, field=FIELD_PHONE)
    except crypto.ProtectedValueError as exc:
        logger.warning("notification.phone_unreadable", extra={"contact_id": contact.pk, "reason": str(exc)})
        return None
