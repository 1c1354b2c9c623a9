"""Admin: masked values, exact search through the blind index, writes through services."""
from django_tenants.utils import tenant_context

from apps.contacts.models import Contact
from apps.contacts.services import contact_find_or_create
from apps.contacts.tests.factories import resident_id

ID_NUMBER = resident_id("110105", "19900101", "123")


def test_admin_changelist_is_masked_and_finds_exact_numbers(browser_login, world):
    with tenant_context(world.alpha.tenant):
        guest = contact_find_or_create(store=world.alpha.stores["A1"], full_name="张三", phone="13812345678", id_number=ID_NUMBER)
        contact_find_or_create(store=world.alpha.stores["A2"], full_name="李四", id_number=resident_id(seq="125"))
    client = browser_login("alpha", "admin_a")
    listing = client.get("/t/alpha/admin/contacts/contact/").content.decode()
    assert "**************1232" in listing and ID_NUMBER not in listing
    by_number = client.get("/t/alpha/admin/contacts/contact/", {"q": ID_NUMBER}).content.decode()
    assert "张三" in by_number and "李四" not in by_number
    by_phone = client.get("/t/alpha/admin/contacts/contact/", {"q": "138 1234 5678"}).content.decode()
    assert "张三" in by_phone and "李四" not in by_phone
    change = client.get(f"/t/alpha/admin/contacts/contact/{guest.pk}/change/").content.decode()
    assert ID_NUMBER not in change and "13812345678" not in change


def test_admin_add_and_change_go_through_the_services(browser_login, world):
    client = browser_login("alpha", "admin_a")
    a1 = world.alpha.stores["A1"]
    form = {
        "store": a1.pk, "contact_type": "guest", "full_name": "王五", "email": "", "gender": "", "nationality": "",
        "birth_date": "", "address": "", "notes": "", "new_phone": "13700001111", "new_id_type": "resident_id",
        "new_id_number": ID_NUMBER,
    }
    response = client.post("/t/alpha/admin/contacts/contact/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(world.alpha.tenant):
        contact = Contact.objects.get(full_name="王五")
        assert (contact.id_number_masked, contact.phone_masked, contact.gender) == ("**************1232", "137****1111", "male")
        assert contact.id_number_encrypted.startswith("dev:")
    bad = client.post(f"/t/alpha/admin/contacts/contact/{contact.pk}/change/", form | {"new_id_number": "110105199001011233"})
    assert bad.status_code == 200
    assert "校验位" in bad.content.decode() or "check character" in bad.content.decode()
    ok = client.post(f"/t/alpha/admin/contacts/contact/{contact.pk}/change/", form | {"new_phone": "", "new_id_number": "", "notes": "VIP"})
    assert ok.status_code == 302
    with tenant_context(world.alpha.tenant):
        contact.refresh_from_db()
        assert (contact.notes, contact.phone_masked) == ("VIP", "137****1111")
