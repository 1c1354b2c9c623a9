"""The guest profile links to the orders booked under the guest's name (the back office)."""
from django_tenants.utils import tenant_context

from apps.contacts.services import contact_find_or_create


def test_profile_links_to_the_orders_under_the_guests_name(browser_login, world):
    a1 = world.alpha.stores["A1"]
    with tenant_context(world.alpha.tenant):
        guest = contact_find_or_create(store=a1, full_name="欧阳娜娜")
    html = browser_login("alpha", "clerk_a1").get(f"/t/alpha/s/{a1.pk}/guests/{guest.pk}/").content.decode()
    assert f'/t/alpha/s/{a1.pk}/orders/?q=%E6%AC%A7%E9%98%B3%E5%A8%9C%E5%A8%9C' in html
