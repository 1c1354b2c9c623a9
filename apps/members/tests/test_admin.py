"""Admin: read-only, phones masked."""
from django_tenants.utils import tenant_context

from apps.members.tests.factories import make_member, top_up


def test_admin_lists_members_masked_and_writes_nothing(browser_login, world):
    with tenant_context(world.alpha.tenant):
        member = make_member(world.alpha.stores["A1"], full_name="张三", phone="13812345678")
        top_up(member, world.alpha.stores["A1"], "100.00")
    client = browser_login("alpha", "admin_a")
    listing = client.get("/t/alpha/admin/members/member/").content.decode()
    assert "张三" in listing and "138****5678" in listing and "13812345678" not in listing
    change = client.get(f"/t/alpha/admin/members/member/{member.pk}/change/").content.decode()
    assert "13812345678" not in change
    assert client.get("/t/alpha/admin/members/storedvalueentry/").status_code == 200
    assert client.get("/t/alpha/admin/members/storedvalueentry/add/").status_code == 403
