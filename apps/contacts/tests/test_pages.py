"""Back-office guest pages: store scope, masked by default, reveal/export/erase as POST."""
import json

from django_tenants.utils import tenant_context

from apps.contacts.models import Contact, ContactRevealLog
from apps.contacts.services import contact_find_or_create
from apps.contacts.tests.factories import resident_id

ID_NUMBER = resident_id("110105", "19900101", "123")


def _guest(world, store_key="A1", **kwargs):
    with tenant_context(world.alpha.tenant):
        defaults = {"full_name": "张三", "phone": "13812345678", "id_number": ID_NUMBER}
        return contact_find_or_create(store=world.alpha.stores[store_key], **(defaults | kwargs))


def test_guest_list_shows_masked_numbers_and_searches_names(browser_login, world):
    guest = _guest(world)
    _guest(world, full_name="李四", phone="13900001111", id_number=resident_id(seq="125"))
    client = browser_login("alpha", "clerk_a1")
    a1 = world.alpha.stores["A1"].pk
    page = client.get(f"/t/alpha/s/{a1}/guests/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "**************1232" in html and "138****5678" in html
    assert ID_NUMBER not in html and "13812345678" not in html
    assert f"/t/alpha/s/{a1}/guests/{guest.pk}/" in html
    found = client.get(f"/t/alpha/s/{a1}/guests/?q=李").content.decode()
    assert "李四" in found and "张三" not in found


def test_number_lookup_is_posted_not_put_in_the_url(browser_login, world):
    _guest(world)
    _guest(world, full_name="李四", phone="13900001111", id_number=resident_id(seq="125"))
    client = browser_login("alpha", "clerk_a1")
    html = client.post(f"/t/alpha/s/{world.alpha.stores['A1'].pk}/guests/", {"number": ID_NUMBER}).content.decode()
    assert "张三" in html and "李四" not in html
    html = client.post(f"/t/alpha/s/{world.alpha.stores['A1'].pk}/guests/", {"number": "139 0000 1111"}).content.decode()
    assert "李四" in html and "张三" not in html


def test_guest_of_another_store_is_404(browser_login, world):
    other = _guest(world, "A2")
    client = browser_login("alpha", "clerk_a1")
    assert client.get(f"/t/alpha/s/{world.alpha.stores['A1'].pk}/guests/{other.pk}/").status_code == 404
    assert client.get(f"/t/alpha/s/{world.alpha.stores['A2'].pk}/guests/").status_code == 404


def test_profile_is_masked_and_front_desk_cannot_reveal(browser_login, world):
    guest = _guest(world)
    client = browser_login("alpha", "clerk_a1")
    url = f"/t/alpha/s/{world.alpha.stores['A1'].pk}/guests/{guest.pk}/"
    html = client.get(url).content.decode()
    assert "**************1232" in html and ID_NUMBER not in html
    assert 'data-testid="reveal"' not in html and 'data-testid="erase"' not in html
    response = client.post(url, {"action": "reveal"})
    assert response.status_code == 302
    assert ID_NUMBER not in client.get(url).content.decode()
    with tenant_context(world.alpha.tenant):
        assert ContactRevealLog.objects.count() == 0


def test_manager_reveals_exports_and_erases(browser_login, world):
    guest = _guest(world)
    client = browser_login("alpha", "manager_a1")
    url = f"/t/alpha/s/{world.alpha.stores['A1'].pk}/guests/{guest.pk}/"
    revealed = client.post(url, {"action": "reveal", "reason": "公安登记"}).content.decode()
    assert ID_NUMBER in revealed and "+8613812345678" in revealed
    assert ID_NUMBER not in client.get(url).content.decode()  # masked again on the next view
    export = client.post(url, {"action": "export"})
    assert export["Content-Type"] == "application/json"
    assert json.loads(export.content)["contact"]["id_number"] == ID_NUMBER
    erased = client.post(url, {"action": "erase"})
    assert erased.status_code == 302
    with tenant_context(world.alpha.tenant):
        assert Contact.objects.get(pk=guest.pk).status == "erased"
        assert list(ContactRevealLog.objects.order_by("pk").values_list("action", "reason")) == [
            ("reveal", "公安登记"), ("export", "export"),
        ]
    assert "已删除" in client.get(url).content.decode()
