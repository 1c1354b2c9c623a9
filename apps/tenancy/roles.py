"""The three preset roles and the per-store permissions each one grants.

- Tenant admin: a superuser inside the tenant's schema (and only there): every store.
- Store manager: ``access_store`` + ``manage_store`` on each granted store.
- Front desk: ``access_store`` on each granted store.

Grants are django-guardian object permissions on ``Store`` rows.
"""
from __future__ import annotations

from apps.tenancy.models import StaffProfile

ACCESS = "access_store"
MANAGE = "manage_store"

Role = StaffProfile.Role

ROLE_STORE_PERMS: dict[str, tuple[str, ...]] = {
    Role.TENANT_ADMIN: (ACCESS, MANAGE),
    Role.STORE_MANAGER: (ACCESS, MANAGE),
    Role.FRONT_DESK: (ACCESS,),
}
