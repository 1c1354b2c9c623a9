"""Settings: two writers racing on the same key end with one row (partial unique constraints)."""
from django_tenants.utils import tenant_context

from apps.tenancy.models import Setting
from apps.tenancy.services import setting_set
from tests.fixtures import run_concurrently


def test_concurrent_tenant_wide_setting_writes_leave_one_row(committed_tenant):
    def write(value):
        return setting_set(store=None, group="g", key="k", value=value)

    results = run_concurrently(write, [(str(i),) for i in range(8)], tenant=committed_tenant.tenant)
    assert not [r for r in results if isinstance(r, BaseException)]
    with tenant_context(committed_tenant.tenant):
        assert Setting.objects.filter(store=None, group="g", key="k").count() == 1
