"""The tenants, stores and staff every test can use (built once per test session).

alpha: stores A1, A2; admin_a (tenant admin), manager_a1 (manager of A1),
       clerk_a1 (front desk A1), clerk_a2 (front desk A2)
beta:  store B1; admin_b (tenant admin), clerk_b1 (front desk B1)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django_tenants.utils import tenant_context

from apps.tenancy.auth_services import integration_token_create
from apps.tenancy.models import StaffProfile
from apps.tenancy.public.services import tenant_provision
from apps.tenancy.services import staff_create, store_create

PASSWORD = "test-pass-123"


@dataclass
class TenantWorld:
    tenant: object
    stores: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.tenant.slug


@dataclass
class World:
    alpha: TenantWorld
    beta: TenantWorld


def _staff(tw: TenantWorld, username: str, role: str, store_keys: list[str]) -> None:
    user = staff_create(username=username, password=PASSWORD, role=role, stores=[tw.stores[k] for k in store_keys])
    tw.users[username] = user


def build_world() -> World:
    Role = StaffProfile.Role
    tenant, a1, admin_a = tenant_provision(
        slug="alpha", name="Alpha Inns", store_name="Alpha One", store_code="a1",
        admin_username="admin_a", admin_password=PASSWORD,
    )
    alpha = TenantWorld(tenant=tenant, stores={"A1": a1}, users={"admin_a": admin_a})
    with tenant_context(tenant):
        alpha.stores["A2"] = store_create(name="Alpha Two", code="a2")
        _staff(alpha, "manager_a1", Role.STORE_MANAGER, ["A1"])
        _staff(alpha, "clerk_a1", Role.FRONT_DESK, ["A1"])
        _staff(alpha, "clerk_a2", Role.FRONT_DESK, ["A2"])
        alpha.tokens = {name: integration_token_create(user=u, name='tests')[1] for name, u in alpha.users.items()}

    tenant_b, b1, admin_b = tenant_provision(
        slug="beta", name="Beta Lodge", store_name="Beta One", store_code="b1",
        admin_username="admin_b", admin_password=PASSWORD,
    )
    beta = TenantWorld(tenant=tenant_b, stores={"B1": b1}, users={"admin_b": admin_b})
    with tenant_context(tenant_b):
        _staff(beta, "clerk_b1", Role.FRONT_DESK, ["B1"])
        beta.tokens = {name: integration_token_create(user=u, name='tests')[1] for name, u in beta.users.items()}
    return World(alpha=alpha, beta=beta)
