"""Who a notification about an order goes to: the order's booker, else its primary guest.
Their address in clear is read by the channel that sends, from contacts
(``apps.contacts.selectors.contact_phone_for_sending``), never stored or logged here."""
from __future__ import annotations


def order_recipient(order):
    """The contact to notify about ``order``: its booker, else its primary guest, else None."""
    if order.booker_id is not None:
        return order.booker
    guest = order.guests.filter(is_primary=True).select_related("contact").first()
    return guest.contact if guest is not None else None
