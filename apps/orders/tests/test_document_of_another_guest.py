"""A known document never silently replaces the guest typed at the desk: 孙悟空 typed with
刘洋's ID must not become 刘洋's order (刘洋 would be in house in two rooms). The API
answers 409 ``document_belongs_to_other_contact`` with the existing guest masked and
accepts an explicit choice; the page warns, keeps everything typed and offers both ways."""
from __future__ import annotations

from datetime import timedelta

import pytest

from apps.contacts.models import Contact
from apps.contacts.services import DocumentBelongsToOtherContact, contact_create_or_reuse, contact_find_or_create
from apps.contacts.tests.factories import resident_id
from apps.orders.models import Order, OrderGuest
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order

LIU_ID = resident_id("110105", "19900101", "123")  # 刘洋's


@pytest.fixture
def liu(store):
    return contact_find_or_create(store=store, full_name="刘洋", phone="13812345678", id_number=LIU_ID)


def url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def _body(rt, tomorrow, **person):
    guest = {"full_name": "孙悟空", "id_type": "resident_id", "id_number": LIU_ID} | person
    return {
        "room_type": rt.pk, "arrival": tomorrow.isoformat(), "departure": (tomorrow + timedelta(days=1)).isoformat(),
        "adults": 1, "guests": [guest],
    }


def test_service_refuses_another_name_and_reuses_the_same_name(store, liu):
    with pytest.raises(DocumentBelongsToOtherContact) as info:
        contact_create_or_reuse(store=store, full_name="孙悟空", id_number=LIU_ID)
    assert (info.value.status, info.value.code) == (409, "document_belongs_to_other_contact")
    assert {k: info.value.extra[k] for k in ("contact_id", "masked_name", "id_number_masked")} == {
        "contact_id": liu.pk, "masked_name": "刘*", "id_number_masked": "**************1232",
    }
    assert LIU_ID not in str(info.value.message) and "刘洋" not in str(info.value.message)
    # same name (spacing and case aside): the profile, as before
    assert contact_create_or_reuse(store=store, full_name=" 刘 洋", id_number=LIU_ID).contact.pk == liu.pk
    # the clerk's explicit choice: the existing profile, its name kept
    chosen = contact_create_or_reuse(store=store, full_name="孙悟空", id_number=LIU_ID, existing_contact_id=liu.pk)
    assert (chosen.contact.pk, chosen.created) == (liu.pk, False)
    liu.refresh_from_db()
    assert liu.full_name == "刘洋"
    # a choice naming someone else does not unlock it
    other = contact_find_or_create(store=store, full_name="王五", phone="13900000000")
    with pytest.raises(DocumentBelongsToOtherContact):
        contact_create_or_reuse(store=store, full_name="孙悟空", id_number=LIU_ID, existing_contact_id=other.pk)
    assert Contact.objects.filter(store=store).count() == 2


def test_api_booking_answers_409_then_accepts_the_explicit_choice(api, store, rt, tomorrow, direct, liu):
    clerk = api("alpha", "clerk_a1")
    # 刘洋 is already in house
    make_order(store, room_type=rt, room=rt.rooms_list[0], status=Order.Status.CHECKED_IN,
               guests=[PersonIn(full_name="刘洋", id_number=LIU_ID)])
    refused = clerk.post(url(store, "orders/"), _body(rt, tomorrow), format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "document_belongs_to_other_contact"
    assert {k: body["extra"][k] for k in ("contact_id", "masked_name", "id_number_masked", "person")} == {
        "contact_id": liu.pk, "masked_name": "刘*", "id_number_masked": "**************1232", "person": "guests[0]",
    }
    assert LIU_ID not in refused.content.decode() and "刘洋" not in refused.content.decode()
    assert Order.objects.filter(store=store).count() == 1  # nothing booked
    # the clerk says: it is 刘洋 after all
    chosen = clerk.post(url(store, "orders/"), _body(rt, tomorrow, existing_contact_id=liu.pk), format="json")
    assert chosen.status_code == 201, chosen.content
    assert OrderGuest.objects.get(order_id=chosen.json()["id"]).contact_id == liu.pk
    # or corrects the number: a guest of his own
    corrected = clerk.post(url(store, "orders/"), _body(rt, tomorrow, id_number=resident_id(seq="125")), format="json")
    assert corrected.status_code == 201, corrected.content
    sun = OrderGuest.objects.select_related("contact").get(order_id=corrected.json()["id"]).contact
    assert (sun.full_name, sun.pk != liu.pk) == ("孙悟空", True)


def test_api_contact_create_and_guest_add_refuse_too(api, store, rt, liu, world):
    clerk = api("alpha", "clerk_a1")
    created = clerk.post(f"/t/alpha/api/v1/stores/{store.pk}/contacts/",
                         {"full_name": "孙悟空", "id_number": LIU_ID}, format="json")
    assert created.status_code == 409 and created.json()["extra"]["contact_id"] == liu.pk
    order = make_order(store, room_type=rt, guests=[PersonIn(full_name="王五")])
    added = clerk.post(url(store, f"orders/{order.pk}/guests/"), {"full_name": "孙悟空", "id_number": LIU_ID}, format="json")
    assert added.status_code == 409 and added.json()["code"] == "document_belongs_to_other_contact"
    assert not OrderGuest.objects.filter(order=order, contact=liu).exists()


def test_booking_page_warns_keeps_what_was_typed_and_offers_both_ways(browser_login, store, rt, today, liu):
    clerk = browser_login("alpha", "clerk_a1")
    base = f"/t/alpha/s/{store.pk}"
    typed = {
        "kind": "reservation", "room_type": rt.pk, "arrival": today + timedelta(days=1), "departure": today + timedelta(days=2),
        "adults": 1, "children": 0, "guest_name": "孙悟空", "guest_phone": "13900001234", "id_type": "resident_id",
        "id_number": LIU_ID, "notes": "要安静的房间", "confirm": "on",
    }
    page = clerk.post(f"{base}/orders/new/", typed)
    html = page.content.decode()
    assert page.status_code == 200 and Order.objects.filter(store=store).count() == 0
    assert 'data-testid="document-conflict"' in html
    assert "刘*" in html and "**************1232" in html and "刘洋" not in html
    # everything typed is still in the form (the number the clerk typed included)
    for value in ("孙悟空", "13900001234", LIU_ID, "要安静的房间"):
        assert value in html, value
    assert f'name="existing_contact_id" value="{liu.pk}"' in html and 'data-testid="correct-typed"' in html
    # "use the existing guest": the same form posted with the choice
    chosen = clerk.post(f"{base}/orders/new/", typed | {"existing_contact_id": liu.pk})
    assert chosen.status_code == 302
    order = Order.objects.get(store=store)
    assert OrderGuest.objects.get(order=order).contact_id == liu.pk


def test_guest_add_page_warns_and_keeps_what_was_typed(browser_login, store, rt, liu):
    order = make_order(store, room_type=rt, guests=[PersonIn(full_name="王五")])
    clerk = browser_login("alpha", "clerk_a1")
    page = clerk.post(f"/t/alpha/s/{store.pk}/orders/{order.pk}/guests/",
                      {"guest_name": "孙悟空", "guest_phone": "", "id_type": "resident_id", "id_number": LIU_ID})
    html = page.content.decode()
    assert 'data-testid="document-conflict"' in html and "刘*" in html and "孙悟空" in html and LIU_ID in html
    assert not OrderGuest.objects.filter(order=order, contact=liu).exists()
