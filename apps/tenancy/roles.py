"""The four preset roles and the per-store permissions each one grants.

- Tenant admin: a superuser inside the tenant's schema (and only there): every store.
- Store manager: ``access_store`` + ``manage_store`` on each granted store.
- Front desk: ``access_store`` on each granted store.
- Housekeeping (客房): ``clean_store`` only: rooms, cleaning and maintenance. Without
  ``access_store`` every page and endpoint of orders, guests, folios and reports answers
  404 (``apps.tenancy.scope``); only views that declare housekeeping work accept it.

Grants are django-guardian object permissions on ``Store`` rows.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.tenancy.models import StaffProfile

ACCESS = "access_store"
MANAGE = "manage_store"
CLEAN = "clean_store"
ALL_STORE_PERMS: tuple[str, ...] = (ACCESS, MANAGE, CLEAN)

Role = StaffProfile.Role

ROLE_STORE_PERMS: dict[str, tuple[str, ...]] = {
    Role.TENANT_ADMIN: (ACCESS, MANAGE),
    Role.STORE_MANAGER: (ACCESS, MANAGE),
    Role.FRONT_DESK: (ACCESS,),
    Role.HOUSEKEEPING: (CLEAN,),
}

# What each preset role may do, as the staff page explains it.
ROLE_DESCRIPTIONS: dict[str, str] = {
    Role.TENANT_ADMIN: _("Every store of the business: staff, stores, settings, prices and every desk operation."),
    Role.STORE_MANAGER: _("The stores granted: their settings, room types and rooms, payment methods, staff, "
                          "discounts, refunds, the night audit, and every desk operation."),
    Role.FRONT_DESK: _("The stores granted: bookings, check-in and check-out, guests, payments and housekeeping."),
    Role.HOUSEKEEPING: _("The stores granted: the rooms' cleaning status and maintenance only; no money and no guests' "
                         "personal data."),
}
