"""Lookups by phone or document number are not an oracle: a limit per user (30 an hour by
default, shared by the API, the guest page, the desk's order search and the admin), an
atomic count made before the lookup runs, a log row per lookup (never the number) and
whole numbers only."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from apps.contacts.models import ContactLookupLog
from apps.contacts.services import contact_find_or_create
from apps.contacts.services.lookups import _take
from apps.contacts.tests.factories import resident_id
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order, room_type_with_rooms
from tests.errors import error_json

ID_NUMBER = resident_id("110105", "19900101", "123")  # 110105199001011232
PHONE = "13812345678"


def _url(world, rest: str = "lookup/") -> str:
    return f"/t/alpha/api/v1/stores/{world.alpha.stores['A1'].pk}/contacts/{rest}"


def _guest(world, **kwargs):
    with tenant_context(world.alpha.tenant):
        defaults = {"full_name": "刘洋", "phone": PHONE, "id_number": ID_NUMBER}
        return contact_find_or_create(store=world.alpha.stores["A1"], **(defaults | kwargs))


def _logs(world) -> list[tuple]:
    with tenant_context(world.alpha.tenant):
        return list(ContactLookupLog.objects.order_by("pk").values_list("user__username", "kind", "place", "matches", "throttled"))


def test_the_31st_phone_lookup_answers_429_throttled_with_retry_after(api, world):
    guest = _guest(world)
    c = api("alpha", "clerk_a1")
    # 29 numbers that are not the guest's, then the guest's: the whole space is out of reach
    for i in range(29):
        assert c.post(_url(world), {"phone": f"1390000{i:04d}"}, format="json").json() == []
    found = c.post(_url(world), {"phone": PHONE}, format="json").json()
    assert [row["id"] for row in found] == [guest.pk]
    refused = c.post(_url(world), {"phone": "13900009999"}, format="json")
    assert refused.status_code == 429
    body = error_json(refused)
    assert body["code"] == "throttled" and set(body) == {"detail", "code", "extra"}
    assert "30" in body["detail"] and "分钟" in body["detail"]  # zh-Hans by default
    retry = int(refused["Retry-After"])
    assert 3500 <= retry <= 3600 and body["extra"] == {"retry_after_s": retry}
    # the document lookup shares the limit
    assert c.post(_url(world), {"id_number": ID_NUMBER}, format="json").status_code == 429
    # another clerk has lookups of his own; the limit is per user
    other = api("alpha", "clerk_a2")
    assert other.post(f"/t/alpha/api/v1/stores/{world.alpha.stores['A1'].pk}/contacts/lookup/", {"phone": PHONE},
                      format="json").status_code in (200, 403, 404)

    logs = [row for row in _logs(world) if row[0] == "clerk_a1"]
    assert len(logs) == 32
    assert logs[:29] == [("clerk_a1", "phone", "api", 0, False)] * 29
    assert logs[29] == ("clerk_a1", "phone", "api", 1, False)
    assert logs[30:] == [("clerk_a1", "phone", "api", None, True), ("clerk_a1", "id_number", "api", None, True)]
    # the log never holds a number: its columns are who, when, kind, place, matches, refused
    assert {f.name for f in ContactLookupLog._meta.concrete_fields} == {
        "id", "user", "store", "kind", "place", "matches", "throttled", "created_at",
    }


def test_the_limit_is_a_setting_and_the_api_document_lookup_counts_each_number(api, world, settings):
    settings.PMS_CONTACT_LOOKUPS_PER_WINDOW = 3
    _guest(world)
    c = api("alpha", "clerk_a1", language="en")
    both = c.post(_url(world), {"phone": PHONE, "id_number": ID_NUMBER}, format="json")  # two numbers: two lookups
    assert both.status_code == 200 and len(both.json()) == 1
    assert c.post(_url(world), {"id_number": ID_NUMBER}, format="json").status_code == 200
    refused = c.post(_url(world), {"id_number": ID_NUMBER}, format="json")
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Too many lookups by phone or document number (at most 3 per hour)")


def test_a_part_of_a_number_finds_nothing_anywhere(api, world, browser_login):
    guest = _guest(world)
    c = api("alpha", "clerk_a1")
    a1 = world.alpha.stores["A1"].pk
    for partial in (PHONE[:-1], PHONE[3:], "5678", ID_NUMBER[:-1], ID_NUMBER[-4:], ID_NUMBER[:6]):
        assert c.post(_url(world), {"phone": partial}, format="json").json() == [], partial
        assert c.post(_url(world), {"id_number": partial}, format="json").json() == [], partial
        assert c.get(_url(world, f"?q={partial}")).json()["results"] == [], partial
        assert c.get(f"/t/alpha/api/v1/stores/{a1}/orders/?q={partial}").json()["results"] == [], partial
    page = browser_login("alpha", "clerk_a1")
    html = page.post(f"/t/alpha/s/{a1}/guests/", {"number": PHONE[:-1]}).content.decode()
    assert f"/guests/{guest.pk}/" not in html and "完整" in html  # "enter a whole number"
    html = page.post(f"/t/alpha/s/{a1}/guests/", {"number": PHONE}).content.decode()
    assert f"/guests/{guest.pk}/" in html


def test_the_guest_page_and_the_order_search_share_the_limit_and_names_are_not_limited(api, world, browser_login, settings):
    settings.PMS_CONTACT_LOOKUPS_PER_WINDOW = 3
    store = world.alpha.stores["A1"]
    with tenant_context(world.alpha.tenant):
        room_type, _rooms = room_type_with_rooms(store, 1)
        order = make_order(store, room_type=room_type, guests=[PersonIn(full_name="刘洋", phone=PHONE, is_primary=True)])
        booked = make_order(store, room_type=room_type, arrival=order.departure + timedelta(days=1),
                            booker=PersonIn(full_name="王五", id_number=ID_NUMBER), guests=[PersonIn(full_name="赵六")])
    c = api("alpha", "clerk_a1")
    orders = f"/t/alpha/api/v1/stores/{store.pk}/orders/"
    assert [o["id"] for o in c.get(orders, {"q": PHONE}).json()["results"]] == [order.pk]  # a guest's phone
    assert [o["id"] for o in c.get(orders, {"q": ID_NUMBER}).json()["results"]] == [booked.pk]  # a booker's ID
    page = browser_login("alpha", "clerk_a1")
    assert page.post(f"/t/alpha/s/{store.pk}/guests/", {"number": PHONE}).status_code == 200
    # the 4th lookup, on any of these places, is refused: API order search, page order search, guest page
    refused = c.get(orders, {"q": PHONE})
    assert refused.status_code == 429 and refused.json()["code"] == "throttled" and refused["Retry-After"]
    listing = page.post(f"/t/alpha/s/{store.pk}/orders/", {"q": PHONE})  # the page's search form posts
    assert listing.status_code == 429
    assert "查询" in listing.content.decode() and f"order-row-{order.pk}" not in listing.content.decode()
    guests = page.post(f"/t/alpha/s/{store.pk}/guests/", {"number": ID_NUMBER})
    assert guests.status_code == 429 and "查询" in guests.content.decode()
    # names and order numbers are searched as before
    assert [o["id"] for o in c.get(orders, {"q": "刘洋"}).json()["results"]] == [order.pk]
    assert [o["id"] for o in c.get(orders, {"q": order.code}).json()["results"]] == [order.pk]
    assert page.get(f"/t/alpha/s/{store.pk}/guests/", {"q": "刘"}).status_code == 200
    places = [(place, throttled) for _u, _k, place, _m, throttled in _logs(world)]
    assert places == [
        ("order_search", False), ("order_search", False), ("guest_page", False),
        ("order_search", True), ("order_search", True), ("guest_page", True),
    ]


def test_parallel_lookups_cannot_pass_the_limit(world, settings):
    """The count is one Redis INCR before the lookup: 20 requests at once, 5 allowed."""
    settings.PMS_CONTACT_LOOKUPS_PER_WINDOW = 5
    barrier = threading.Barrier(20)
    totals: list[int] = []
    schema = world.alpha.tenant.schema_name

    def one():
        connection.set_schema(schema)  # the cache key is the tenant's
        barrier.wait()
        totals.append(_take(12345, 1)[0])

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(totals) == list(range(1, 21))
    assert sum(1 for t in totals if t <= 5) == 5


@pytest.mark.parametrize("field", ["phone", "id_number"])
def test_tenant_wide_lookup_is_limited_too(api, world, settings, field):
    settings.PMS_CONTACT_LOOKUPS_PER_WINDOW = 1
    _guest(world)
    admin = api("alpha", "admin_a")
    value = PHONE if field == "phone" else ID_NUMBER
    assert admin.post("/t/alpha/api/v1/contacts/lookup/", {field: value}, format="json").status_code == 200
    assert admin.post("/t/alpha/api/v1/contacts/lookup/", {field: value}, format="json").status_code == 429


def test_the_admin_search_by_number_is_limited_and_logged(browser_login, world, settings):
    settings.PMS_CONTACT_LOOKUPS_PER_WINDOW = 1
    guest = _guest(world)
    admin = browser_login("alpha", "admin_a")
    change = f"/t/alpha/admin/contacts/contact/{guest.pk}/change/"
    assert change in admin.get("/t/alpha/admin/contacts/contact/", {"q": PHONE}).content.decode()
    refused = admin.get("/t/alpha/admin/contacts/contact/", {"q": ID_NUMBER}).content.decode()
    assert change not in refused and "次数过多" in refused
    # a name is not a lookup
    assert change in admin.get("/t/alpha/admin/contacts/contact/", {"q": "刘洋"}).content.decode()
    assert [(kind, place, throttled) for _u, kind, place, _m, throttled in _logs(world)] == [
        ("phone", "admin", False), ("id_number", "admin", True),
    ]
