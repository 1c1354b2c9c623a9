"""The desk's order search by a guest's phone or document number: the same limit and log
as every lookup by number (``apps.contacts.services.contact_lookup``)."""
from __future__ import annotations

import re
from typing import Any

from apps.contacts.selectors import contact_ids_by_number, contact_number_kinds
from apps.contacts.services import contact_lookup
from apps.tenancy.models import Store

# An order number (yymmdd-id) is searched as such, never as a phone.
_ORDER_CODE = re.compile(r"^\d{6}-\d+$")


def order_search_filters(*, actor, store: Store, filters: dict[str, Any]) -> dict[str, Any]:
    """``filters`` for ``selectors.order_list``, with ``q`` also matching the orders of the
    guest or booker whose phone or document is exactly ``q`` (``contact_ids``). Only a
    whole number is looked up, and it counts against ``actor``'s lookup limit (429
    ``throttled`` beyond it) and is logged. A name, an order number or a part of a
    number is searched as before, unlimited."""
    q = (filters.get("q") or "").strip()
    if not q or _ORDER_CODE.match(q):
        return filters
    kinds = contact_number_kinds(q)
    if not kinds:
        return filters
    ids = contact_lookup(
        actor=actor, store=store, kinds=kinds[:1], place="order_search",
        run=lambda: contact_ids_by_number(store=store, text=q),
    )
    return {**filters, "contact_ids": ids}
