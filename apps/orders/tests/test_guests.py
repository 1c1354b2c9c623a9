"""Guests on an existing order: a companion added at the desk, a guest taken off.

Services (contacts found or created as at booking, refusals that change nothing, the
primary guest and the order's display copies), the REST actions (201/200, 404 out of
scope, 409 with stable codes) and the order page's form."""
import json

import pytest
from django.db import IntegrityError, transaction

from apps.common.errors import DomainError, NotFoundError
from apps.contacts.models import Contact
from apps.contacts.tests.factories import resident_id
from apps.orders.models import Order, OrderEvent, OrderGuest
from apps.orders.services import PersonIn, order_cancel, order_guest_add, order_guest_remove
from apps.orders.tests.factories import make_order

S = Order.Status
ID_WANG = resident_id("110105", "19900101", "123")
ID_LI = resident_id("310101", "19920202", "246")
PHONE_WANG, PHONE_LI = "13812345678", "13987654321"


def _order(store, rt, status=S.CONFIRMED, **kwargs):
    kwargs.setdefault("guests", [PersonIn(full_name="王小明", phone=PHONE_WANG, is_primary=True)])
    room = rt.rooms_list[0] if status in (S.CHECKED_IN, S.EXTENDED, S.CHECKED_OUT) else None
    return make_order(store, room_type=rt, room=room, status=status, **kwargs)


def _guests(order):
    return list(OrderGuest.objects.filter(order=order).order_by("id").values_list("contact__full_name", "is_primary"))


def _guest_events(order):
    return list(
        OrderEvent.objects.filter(order=order, kind__in=["guest_added", "guest_removed"]).order_by("id").values_list("kind", "data")
    )


# --- services -----------------------------------------------------------------------------------


def test_add_a_new_guest_creates_the_contact_and_registers_them(store, rt):
    order = _order(store, rt)
    version = Order.objects.get(pk=order.pk).version
    contacts_before = Contact.objects.filter(store=store).count()

    guest = order_guest_add(order=order, actor=None, person=PersonIn(full_name="李 丽", phone=PHONE_LI, id_number=ID_LI))

    contact = guest.contact
    assert Contact.objects.filter(store=store).count() == contacts_before + 1
    assert (contact.full_name, contact.id_type, contact.id_number_masked, contact.phone_masked, contact.contact_type) == (
        "李 丽", "resident_id", "**************" + ID_LI[-4:], "139****4321", "guest",
    )
    assert _guests(order) == [("王小明", True), ("李 丽", False)]
    order.refresh_from_db()
    assert (order.primary_contact_name, order.primary_contact_phone_masked, order.version) == ("王小明", "138****5678", version + 1)
    [(kind, data)] = _guest_events(order)
    assert (kind, data) == ("guest_added", {"contact_id": contact.pk, "name_masked": "李* 丽*", "is_primary": False})
    # no personal data in clear anywhere in the event
    text = json.dumps(OrderEvent.objects.get(order=order, kind="guest_added").data, ensure_ascii=False)
    assert ID_LI not in text and PHONE_LI not in text and "李 丽" not in text


def test_add_an_existing_contact_reuses_it(store, rt):
    order = _order(store, rt)
    other = _order(store, rt, guests=[PersonIn(full_name="李丽", phone=PHONE_LI, id_number=ID_LI, is_primary=True)])
    known = OrderGuest.objects.get(order=other).contact
    before = Contact.objects.filter(store=store).count()

    by_document = order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽", id_number=ID_LI))

    assert by_document.contact_id == known.pk
    assert Contact.objects.filter(store=store).count() == before
    # by phone alone too, on a third order
    third = _order(store, rt, status=S.PENDING_CONFIRMATION)
    by_phone = order_guest_add(order=third, actor=None, person=PersonIn(full_name="李丽", phone=PHONE_LI))
    assert by_phone.contact_id == known.pk
    assert Contact.objects.filter(store=store).count() == before


def test_adding_the_same_person_twice_is_refused_and_changes_nothing(store, rt):
    order = _order(store, rt)
    order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽", id_number=ID_LI))
    version = Order.objects.get(pk=order.pk).version

    with pytest.raises(DomainError) as refused:
        order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽", id_number=ID_LI))

    assert (refused.value.code, refused.value.status) == ("guest_already_on_order", 409)
    assert _guests(order) == [("王小明", True), ("李丽", False)]
    assert Order.objects.get(pk=order.pk).version == version
    assert len(_guest_events(order)) == 1


def test_the_database_refuses_a_contact_twice_on_an_order(store, rt):
    order = _order(store, rt)
    contact = OrderGuest.objects.get(order=order).contact
    with pytest.raises(IntegrityError, match="orderguest_once_per_order"), transaction.atomic():
        OrderGuest.objects.create(order=order, contact=contact, is_primary=False)


@pytest.mark.parametrize("status", [S.CHECKED_OUT, S.CANCELLED, S.NO_SHOW])
def test_closed_orders_take_no_guest(store, rt, status):
    if status == S.CANCELLED:
        order = order_cancel(order=_order(store, rt), actor=None, reason="plans changed")
    else:
        order = _order(store, rt, status=status)
    contacts_before = Contact.objects.filter(store=store).count()

    with pytest.raises(DomainError) as refused:
        order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽", id_number=ID_LI))

    assert refused.value.code == "order_not_active"
    assert _guests(order) == [("王小明", True)] and _guest_events(order) == []
    assert Contact.objects.filter(store=store).count() == contacts_before
    with pytest.raises(DomainError) as refused:
        order_guest_remove(order=order, actor=None, contact_id=OrderGuest.objects.get(order=order).contact_id)
    assert refused.value.code == "order_not_active"


def test_in_the_house_a_new_guest_needs_a_document(store, rt):
    order = _order(store, rt, status=S.CHECKED_IN)
    contacts_before = Contact.objects.filter(store=store).count()

    with pytest.raises(DomainError) as refused:
        order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽", phone=PHONE_LI))

    assert (refused.value.code, refused.value.status) == ("guest_document_required", 400)
    assert refused.value.extra["fields"].keys() == {"id_number"}
    assert Contact.objects.filter(store=store).count() == contacts_before  # rolled back with the refusal
    guest = order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽", phone=PHONE_LI, id_number=ID_LI))
    assert guest.contact.id_type == "resident_id"


def test_primary_guest_may_be_given_and_the_display_follows(store, rt):
    order = _order(store, rt)
    guest = order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽", phone=PHONE_LI, is_primary=True))

    assert guest.is_primary
    assert _guests(order) == [("王小明", False), ("李丽", True)]
    order.refresh_from_db()
    assert (order.primary_contact_name, order.primary_contact_phone_masked) == ("李丽", "139****4321")


def test_remove_the_primary_moves_it_to_the_next_guest(store, rt):
    order = _order(store, rt)
    first = OrderGuest.objects.get(order=order).contact
    second = order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽", phone=PHONE_LI)).contact
    third = order_guest_add(order=order, actor=None, person=PersonIn(full_name="赵六")).contact

    order_guest_remove(order=order, actor=None, contact_id=first.pk)

    assert _guests(order) == [("李丽", True), ("赵六", False)]
    order.refresh_from_db()
    assert (order.primary_contact_name, order.primary_contact_phone_masked) == ("李丽", "139****4321")
    assert _guest_events(order)[-1] == ("guest_removed", {
        "contact_id": first.pk, "name_masked": "王**", "was_primary": True, "primary_contact_id": second.pk,
    })
    assert Contact.objects.filter(pk=first.pk).exists()  # the profile stays; only the stay goes
    # a guest that is not primary: the primary stays
    order_guest_remove(order=order, actor=None, contact_id=third.pk)
    assert _guests(order) == [("李丽", True)]


def test_the_last_guest_stays_unless_a_booker_remains(store, rt):
    # no booker: the only guest cannot go
    order = _order(store, rt)
    only = OrderGuest.objects.get(order=order).contact_id
    with pytest.raises(DomainError) as refused:
        order_guest_remove(order=order, actor=None, contact_id=only)
    assert (refused.value.code, refused.value.status) == ("order_guest_required", 409)
    assert _guests(order) == [("王小明", True)] and _guest_events(order) == []

    # another booker: the last guest may go, the booker is the staying guest again
    booked = _order(store, rt, status=S.PENDING_CONFIRMATION, booker=PersonIn(full_name="张经理", phone="13700001111"))
    order_guest_remove(order=booked, actor=None, contact_id=OrderGuest.objects.get(order=booked).contact_id)
    booked.refresh_from_db()
    assert _guests(booked) == []
    assert (booked.primary_contact_name, booked.primary_contact_phone_masked) == ("张经理", "137****1111")

    # not on the order: not found
    with pytest.raises(NotFoundError):
        order_guest_remove(order=order, actor=None, contact_id=booked.booker_id)


def test_adding_to_an_order_with_only_a_booker_registers_the_booker_first(store, rt):
    order = _order(store, rt, guests=[], booker=PersonIn(full_name="张三", phone="13700001111"))
    assert _guests(order) == []

    order_guest_add(order=order, actor=None, person=PersonIn(full_name="李丽"))

    assert _guests(order) == [("张三", True), ("李丽", False)]
    assert [(k, d["name_masked"], d["is_primary"], d.get("from_booker")) for k, d in _guest_events(order)] == [
        ("guest_added", "张*", True, True), ("guest_added", "李*", False, None),
    ]


# --- REST -----------------------------------------------------------------------------------------


@pytest.fixture
def clerk(api):
    return api("alpha", "clerk_a1", language="en")


def _url(store, path=""):
    return f"/t/alpha/api/v1/stores/{store.pk}/{path}"


def test_api_add_and_remove_a_guest(clerk, store, rt):
    order = _order(store, rt)

    added = clerk.post(_url(store, f"orders/{order.pk}/guests/"),
                       {"full_name": "李丽", "phone": PHONE_LI, "id_type": "resident_id", "id_number": ID_LI}, format="json")

    assert added.status_code == 201, added.json()
    body = added.json()
    new_id = Contact.objects.get(store=store, full_name="李丽").pk
    assert [(g["full_name"], g["phone"], g["id_number"], g["is_primary"]) for g in body["guests"]] == [
        ("王小明", "138****5678", "", True), ("李丽", "139****4321", "**************" + ID_LI[-4:], False),
    ]
    assert body["events"][-1]["kind"] == "guest_added"
    assert body["events"][-1]["data"] == {"contact_id": new_id, "name_masked": "李*", "is_primary": False}

    again = clerk.post(_url(store, f"orders/{order.pk}/guests/"), {"full_name": "李丽", "id_number": ID_LI}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "guest_already_on_order"

    first_id = body["guests"][0]["contact_id"]
    removed = clerk.delete(_url(store, f"orders/{order.pk}/guests/{first_id}/"))
    assert removed.status_code == 200
    data = removed.json()
    assert [(g["contact_id"], g["is_primary"]) for g in data["guests"]] == [(new_id, True)]
    assert (data["guest_name"], data["guest_phone"]) == ("李丽", "139****4321")

    last = clerk.delete(_url(store, f"orders/{order.pk}/guests/{new_id}/"))
    assert last.status_code == 409 and last.json()["code"] == "order_guest_required"
    assert clerk.delete(_url(store, f"orders/{order.pk}/guests/{first_id}/")).status_code == 404


def test_api_refusals_and_bad_input(clerk, store, rt):
    order = _order(store, rt, status=S.CHECKED_OUT)
    closed = clerk.post(_url(store, f"orders/{order.pk}/guests/"), {"full_name": "李丽"}, format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "order_not_active"
    open_order = _order(store, rt, status=S.PENDING_CONFIRMATION)
    bad = clerk.post(_url(store, f"orders/{open_order.pk}/guests/"), {"phone": PHONE_LI}, format="json")
    assert bad.status_code == 400 and "full_name" in bad.json()["extra"]["fields"]
    bad_id = clerk.post(_url(store, f"orders/{open_order.pk}/guests/"), {"full_name": "李丽", "id_number": "123"}, format="json")
    assert bad_id.status_code == 400
    assert _guests(open_order) == [("王小明", True)]


def test_api_another_stores_order_is_404(api, store, rt, world):
    order = _order(store, rt)
    a2 = world.alpha.stores["A2"]
    clerk_a2 = api("alpha", "clerk_a2", language="en")
    guest_id = OrderGuest.objects.get(order=order).contact_id

    assert clerk_a2.post(_url(a2, f"orders/{order.pk}/guests/"), {"full_name": "李丽"}, format="json").status_code == 404
    assert clerk_a2.post(_url(store, f"orders/{order.pk}/guests/"), {"full_name": "李丽"}, format="json").status_code == 404
    assert clerk_a2.delete(_url(a2, f"orders/{order.pk}/guests/{guest_id}/")).status_code == 404
    assert _guests(order) == [("王小明", True)] and _guest_events(order) == []
    assert not Contact.objects.filter(full_name="李丽").exists()


# --- back office --------------------------------------------------------------------------------------


@pytest.fixture
def desk(browser_login):
    return browser_login("alpha", "clerk_a1")


def test_order_page_adds_and_removes_a_guest(desk, store, rt):
    order = _order(store, rt)
    page = f"/t/alpha/s/{store.pk}/orders/{order.pk}/"
    html = desk.get(page).content.decode()
    assert 'data-testid="guest-add-form"' in html and "csrfmiddlewaretoken" in html

    response = desk.post(page + "guests/", {
        "guest_name": "李丽", "guest_phone": PHONE_LI, "id_type": "resident_id", "id_number": ID_LI,
    }, follow=True)

    assert response.redirect_chain == [(page, 302)]
    html = response.content.decode()
    assert "李丽" in html and "已登记" in html  # the success message, in Chinese
    assert _guests(order) == [("王小明", True), ("李丽", False)]

    # twice: refused, the page shows why and keeps what was typed
    again = desk.post(page + "guests/", {"guest_name": "李丽", "id_number": ID_LI})
    html = again.content.decode()
    assert again.status_code == 200 and "已在此订单" in html and f'value="{ID_LI}"' in html

    first = OrderGuest.objects.get(order=order, is_primary=True).contact_id
    removed = desk.post(page + f"guests/{first}/remove/", follow=True)
    assert removed.redirect_chain == [(page, 302)]
    assert _guests(order) == [("李丽", True)]
    assert Order.objects.get(pk=order.pk).primary_contact_name == "李丽"


def test_order_page_in_english_and_out_of_scope(desk, browser_login, store, rt, world):
    order = _order(store, rt)
    page = f"/t/alpha/s/{store.pk}/orders/{order.pk}/"
    only = OrderGuest.objects.get(order=order).contact_id
    refused = desk.post(page + f"guests/{only}/remove/", follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "An order needs at least one staying guest" in refused.content.decode()
    assert _guests(order) == [("王小明", True)]
    a2 = world.alpha.stores["A2"]
    assert desk.post(f"/t/alpha/s/{a2.pk}/orders/{order.pk}/guests/", {"guest_name": "李丽"}).status_code == 404
