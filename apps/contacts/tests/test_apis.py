"""The contacts REST API: store scope, masking, reuse, reveal, export, erase, tenant search."""
import pytest
from django_tenants.utils import tenant_context

from apps.contacts.models import Contact, ContactRevealLog
from apps.contacts.services import contact_find_or_create
from apps.contacts.tests.factories import ContactFactory, resident_id
from tests.errors import error_json
from tests.sql import queries

ID_NUMBER = resident_id("110105", "19900101", "123")  # 110105199001011232


def _url(world, store_key: str, rest: str = "") -> str:
    tw = world.alpha if store_key.startswith("A") else world.beta
    return f"/t/{tw.slug}/api/v1/stores/{tw.stores[store_key].pk}/contacts/{rest}"


def test_create_returns_masked_contact_then_reuses_it(api, world):
    c = api("alpha", "clerk_a1")
    body = {"full_name": "张三", "phone": "138 1234 5678", "id_type": "resident_id", "id_number": ID_NUMBER, "address": "北京"}
    first = c.post(_url(world, "A1"), body, format="json")
    assert first.status_code == 201, first.content
    data = first.json()
    assert {k: data[k] for k in ("full_name", "phone_masked", "id_number_masked", "has_birth_date", "gender", "nationality", "reused", "has_document")} == {
        "full_name": "张三", "phone_masked": "138****5678", "id_number_masked": "**************1232",
        "has_birth_date": True, "gender": "male", "nationality": "CHN", "reused": False, "has_document": True,
    }
    assert ID_NUMBER not in first.content.decode() and "13812345678" not in first.content.decode()
    assert "id_number" not in data and "phone" not in data and "birth_date" not in data

    second = c.post(_url(world, "A1"), {"full_name": "张三", "id_number": ID_NUMBER}, format="json")
    assert second.status_code == 200
    assert (second.json()["id"], second.json()["reused"]) == (data["id"], True)


def test_create_with_invalid_document_answers_a_field_error_in_the_users_language(api, world):
    body = {"full_name": "张三", "id_type": "resident_id", "id_number": "110105199001011233"}
    en = api("alpha", "clerk_a1", language="en").post(_url(world, "A1"), body, format="json")
    zh = api("alpha", "clerk_a1").post(_url(world, "A1"), body, format="json")
    assert en.status_code == zh.status_code == 400
    assert error_json(en) == {
        "detail": "This ID number's check character is wrong; please re-check it.",
        "code": "document_checksum_invalid",
        "extra": {"fields": {"id_number": ["This ID number's check character is wrong; please re-check it."]}},
    }
    assert zh.json()["detail"] == "身份证号码校验位不正确，请重新核对。"
    assert "110105199001011233" not in en.content.decode()
    with tenant_context(world.alpha.tenant):
        assert Contact.objects.count() == 0


def test_list_is_scoped_masked_paginated_and_costs_the_same_whatever_its_rows(api, world):
    with tenant_context(world.alpha.tenant):
        for _ in range(12):
            ContactFactory(store=world.alpha.stores["A1"])
        ContactFactory(store=world.alpha.stores["A2"], full_name="别店客人")
    c = api("alpha", "clerk_a1")
    c.get(_url(world, "A1"))  # warm the per-process caches
    five = queries(lambda: c.get(_url(world, "A1") + "?page_size=5"))
    response = c.get(_url(world, "A1") + "?page_size=5")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 12 and len(data["results"]) == 5
    assert all("*" in row["id_number_masked"] and "*" in row["phone_masked"] for row in data["results"])
    assert "别店客人" not in response.content.decode()
    assert queries(lambda: c.get(_url(world, "A1") + "?page_size=50")) == five  # twelve rows: not one query per row
    with tenant_context(world.alpha.tenant):
        ContactFactory(store=world.alpha.stores["A1"], full_name="王五")
    names = c.get(_url(world, "A1") + "?q=王").json()
    assert [r["full_name"] for r in names["results"]] == ["王五"]


def test_lookup_by_document_number_and_phone_in_the_body(api, world):
    with tenant_context(world.alpha.tenant):
        target = contact_find_or_create(store=world.alpha.stores["A1"], full_name="张三", phone="13812345678", id_number=ID_NUMBER)
        ContactFactory(store=world.alpha.stores["A1"])
    c = api("alpha", "clerk_a1")
    by_doc = c.post(_url(world, "A1", "lookup/"), {"id_number": ID_NUMBER.lower()}, format="json")
    by_phone = c.post(_url(world, "A1", "lookup/"), {"phone": "+86 138-1234-5678"}, format="json")
    both = c.post(_url(world, "A1", "lookup/"), {"phone": "13812345678", "id_number": resident_id(seq="999")}, format="json")
    assert [r["id"] for r in by_doc.json()] == [target.pk]
    assert [r["id"] for r in by_phone.json()] == [target.pk]
    assert both.json() == []
    empty = c.post(_url(world, "A1", "lookup/"), {}, format="json")
    assert (empty.status_code, empty.json()["code"]) == (400, "invalid")


def test_other_store_contact_answers_404_like_a_missing_one(api, world):
    with tenant_context(world.alpha.tenant):
        other = ContactFactory(store=world.alpha.stores["A2"])
    c = api("alpha", "clerk_a1")
    hidden = c.get(_url(world, "A1", f"{other.pk}/"))
    missing = c.get(_url(world, "A1", "999999/"))
    assert hidden.status_code == missing.status_code == 404
    assert error_json(hidden) == error_json(missing)
    assert c.post(_url(world, "A1", f"{other.pk}/reveal/"), {}, format="json").status_code == 404
    assert c.get(_url(world, "A2", f"{other.pk}/")).status_code == 404  # store not granted


def test_update_through_patch(api, world):
    with tenant_context(world.alpha.tenant):
        contact = ContactFactory(store=world.alpha.stores["A1"], id_number=None, id_type=None)
    c = api("alpha", "clerk_a1")
    response = c.patch(_url(world, "A1", f"{contact.pk}/"), {"id_type": "hk_macau_permit", "id_number": "H12345678", "notes": "VIP"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["id_number_masked"], response.json()["nationality"], response.json()["notes"]) == ("******678", "HKG", "VIP")


def test_reveal_forbidden_for_front_desk_allowed_for_manager_and_logged(api, world):
    with tenant_context(world.alpha.tenant):
        contact = contact_find_or_create(store=world.alpha.stores["A1"], full_name="张三", phone="13812345678", id_number=ID_NUMBER)
    url = _url(world, "A1", f"{contact.pk}/reveal/")
    refused = api("alpha", "clerk_a1", language="en").post(url, {}, format="json")
    assert refused.status_code == 403
    assert error_json(refused) == {
        "detail": "You are not allowed to see ID documents and phone numbers in clear.", "code": "reveal_forbidden", "extra": {},
    }
    shown = api("alpha", "manager_a1").post(url, {"fields": ["id_number"], "reason": "公安登记"}, format="json")
    assert shown.status_code == 200
    assert shown.json() == {"id_number": ID_NUMBER}
    # an empty choice is refused by the serializer, as the schema's minItems says, and nothing is logged
    empty = api("alpha", "manager_a1", language="en").post(url, {"fields": []}, format="json")
    assert empty.status_code == 400
    assert (empty.json()["code"], empty.json()["extra"]["fields"]["fields"]) == ("invalid", ["Choose what to reveal."])
    log = api("alpha", "manager_a1").get(_url(world, "A1", f"{contact.pk}/reveal-log/")).json()["results"]
    assert [(r["username"], r["action"], r["fields"], r["reason"]) for r in log] == [("manager_a1", "reveal", "id_number", "公安登记")]


def test_export_is_json_attachment_for_allowed_staff(api, world):
    with tenant_context(world.alpha.tenant):
        contact = contact_find_or_create(store=world.alpha.stores["A1"], full_name="张三", phone="13812345678", id_number=ID_NUMBER)
    url = _url(world, "A1", f"{contact.pk}/export/")
    assert api("alpha", "clerk_a1").get(url).status_code == 403
    response = api("alpha", "admin_a").get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="contact-{contact.pk}.json"'
    assert response["Cache-Control"] == "no-store"
    assert (response.json()["contact"]["id_number"], response.json()["contact"]["phone"]) == (ID_NUMBER, "+8613812345678")
    with tenant_context(world.alpha.tenant):
        assert list(ContactRevealLog.objects.values_list("action", flat=True)) == ["export"]


def test_erase_is_manager_only(api, world):
    with tenant_context(world.alpha.tenant):
        contact = contact_find_or_create(store=world.alpha.stores["A1"], full_name="张三", id_number=ID_NUMBER)
    url = _url(world, "A1", f"{contact.pk}/erase/")
    refused = api("alpha", "clerk_a1").post(url)
    assert (refused.status_code, refused.json()["code"]) == (403, "manager_only")
    with tenant_context(world.alpha.tenant):
        assert Contact.objects.get(pk=contact.pk).status == "active"
    done = api("alpha", "manager_a1").post(url)
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["full_name"], done.json()["id_number_masked"]) == ("erased", "已删除", "")
    again = api("alpha", "manager_a1").post(_url(world, "A1", f"{contact.pk}/reveal/"), {}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "contact_erased")


def test_tenant_admin_searches_every_store_others_get_403(api, world):
    with tenant_context(world.alpha.tenant):
        one = contact_find_or_create(store=world.alpha.stores["A1"], full_name="王小明", id_number=ID_NUMBER)
        two = contact_find_or_create(store=world.alpha.stores["A2"], full_name="王小明", id_number=ID_NUMBER)
        contact_find_or_create(store=world.alpha.stores["A2"], full_name="李雷")
    admin = api("alpha", "admin_a")
    found = admin.get("/t/alpha/api/v1/contacts/?q=小明").json()
    assert [(r["id"], r["store_name"]) for r in found["results"]] == [(two.pk, "Alpha Two"), (one.pk, "Alpha One")]
    by_number = admin.post("/t/alpha/api/v1/contacts/lookup/", {"id_number": ID_NUMBER}, format="json").json()
    assert sorted(r["id"] for r in by_number) == sorted([one.pk, two.pk])
    for user in ("manager_a1", "clerk_a1"):
        refused = api("alpha", user, language="en").get("/t/alpha/api/v1/contacts/?q=小明")
        assert refused.status_code == 403
        assert error_json(refused) == {"detail": "Only a tenant admin can search every store.", "code": "tenant_admin_only", "extra": {}}
        assert api("alpha", user).post("/t/alpha/api/v1/contacts/lookup/", {"id_number": ID_NUMBER}, format="json").status_code == 403
    # beta's admin sees none of alpha's contacts
    assert api("beta", "admin_b").get("/t/beta/api/v1/contacts/?q=小明").json()["count"] == 0


def test_contacts_endpoints_are_in_the_openapi_schema(client, world):
    response = client.get("/t/alpha/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/stores/{store_id}/contacts/", "/api/v1/stores/{store_id}/contacts/{id}/",
        "/api/v1/stores/{store_id}/contacts/lookup/", "/api/v1/stores/{store_id}/contacts/{id}/reveal/",
        "/api/v1/stores/{store_id}/contacts/{id}/reveal-log/", "/api/v1/stores/{store_id}/contacts/{id}/export/",
        "/api/v1/stores/{store_id}/contacts/{id}/erase/", "/api/v1/contacts/", "/api/v1/contacts/lookup/",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/stores/{store_id}/contacts/"]) == {"get", "post"}
    assert set(paths["/api/v1/stores/{store_id}/contacts/{id}/"]) == {"get", "patch"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_unauthenticated_is_refused(api, world, language):
    assert api("alpha", language=language).get(_url(world, "A1")).status_code == 401


def test_lookup_answers_the_plain_list_its_schema_describes(api, world, client):
    # the schema described a page object ({count, next, previous, results}); the answer is a list
    with tenant_context(world.alpha.tenant):
        target = contact_find_or_create(store=world.alpha.stores["A1"], full_name="张三", phone="13812345678")
    c = api("alpha", "clerk_a1")
    found = c.post(_url(world, "A1", "lookup/") + "?page=0&page_size=0", {"phone": "13812345678"}, format="json")
    assert (found.status_code, [r["id"] for r in found.json()]) == (200, [target.pk])
    schema = client.get("/t/alpha/api/schema/?format=json").json()
    for path in ("/api/v1/stores/{store_id}/contacts/lookup/", "/api/v1/contacts/lookup/"):
        ok = schema["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["type"] == "array", path
    assert "page" not in {p["name"] for p in schema["paths"]["/api/v1/stores/{store_id}/contacts/lookup/"]["post"].get("parameters", [])}


def _documented_codes(schema, path, method, status):
    response = schema["paths"]["/api/v1/stores/{store_id}/contacts/" + path][method]["responses"][status]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    return {e["value"]["code"] for e in response["content"]["application/json"]["examples"].values()}


def test_conflicts_the_contacts_api_answers_are_documented(api, world, client):
    with tenant_context(world.alpha.tenant):
        taken = contact_find_or_create(store=world.alpha.stores["A1"], full_name="李雷", phone="13900000001")
        contact = contact_find_or_create(store=world.alpha.stores["A1"], full_name="张三", phone="13900000002")
    manager = api("alpha", "manager_a1", language="en")
    schema = client.get("/t/alpha/api/schema/?format=json").json()

    clash = manager.patch(_url(world, "A1", f"{contact.pk}/"), {"phone": "13900000001"}, format="json")
    assert (clash.status_code, clash.json()["code"], clash.json()["extra"]) == (409, "document_taken", {"contact_id": taken.pk})
    assert manager.post(_url(world, "A1", f"{contact.pk}/erase/")).status_code == 200
    answers = {
        ("{id}/", "patch"): manager.patch(_url(world, "A1", f"{contact.pk}/"), {}, format="json"),
        ("{id}/reveal/", "post"): manager.post(_url(world, "A1", f"{contact.pk}/reveal/"), {}, format="json"),
        ("{id}/erase/", "post"): manager.post(_url(world, "A1", f"{contact.pk}/erase/")),
    }
    for (path, method), response in answers.items():
        assert (response.status_code, response.json()["code"]) == (409, "contact_erased"), path
        assert "contact_erased" in _documented_codes(schema, path, method, "409"), path
    assert _documented_codes(schema, "{id}/", "patch", "409") == {"contact_erased", "document_taken"}
    assert _documented_codes(schema, "{id}/reveal/", "post", "403") == {"reveal_forbidden", "permission_denied"}
    assert _documented_codes(schema, "{id}/export/", "get", "403") == {"reveal_forbidden", "permission_denied"}
    assert _documented_codes(schema, "{id}/erase/", "post", "403") == {"manager_only", "permission_denied"}


def test_search_text_with_a_nul_is_a_field_error_not_a_server_error(api, world):
    # PostgreSQL cannot compare text with NUL: the raw query parameter used to reach it (500)
    admin = api("alpha", "admin_a", language="en")
    for url in (_url(world, "A1") + "?q=%C2%90%006", "/t/alpha/api/v1/contacts/?q=a%00b"):
        response = admin.get(url)
        assert response.status_code == 400, url
        assert error_json(response) == {
            "detail": "Some fields are not valid.", "code": "invalid", "extra": {"fields": {"q": ["Null characters are not allowed."]}},
        }
    unknown = admin.get(_url(world, "A1") + "?status=gone")
    assert (unknown.status_code, list(unknown.json()["extra"]["fields"])) == (400, ["status"])
    assert admin.get(_url(world, "A1") + "?q=").json()["count"] == 0  # a blank search: nobody
    for blank in ("status=", "contact_type="):  # not in the schema's enum: a 400, not "no filter"
        refused = admin.get(_url(world, "A1") + "?" + blank)
        assert (refused.status_code, list(refused.json()["extra"]["fields"])) == (400, [blank[:-1]])
    # the tenant-wide search requires q, as documented
    missing = admin.get("/t/alpha/api/v1/contacts/")
    assert (missing.status_code, missing.json()["extra"]["fields"]) == (400, {"q": ["This field is required."]})
