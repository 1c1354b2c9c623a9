"""The desk's check-in (``stay_check_in``): the guests' documents and the check-in, all of it
or nothing; a refused document names its guest."""
import pytest

from apps.contacts.models import Contact
from apps.contacts.tests.factories import resident_id
from apps.frontdesk.services import GuestDocumentRefused, stay_check_in
from apps.orders.models import Order, OrderEvent
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order

S = Order.Status


def test_documents_are_registered_and_the_order_checked_in(store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[1], arrival=today, guests=[PersonIn(full_name="王芳")])
    guest = order.guests.get().contact
    assert guest.id_type == ""

    number = resident_id(seq="124")
    checked_in = stay_check_in(order=order, actor=None, documents=[(guest, "resident_id", number)])

    assert checked_in.status == S.CHECKED_IN
    guest.refresh_from_db()
    assert guest.id_type == "resident_id" and guest.id_number_masked.endswith(number[-4:])


def test_a_refused_document_names_its_guest_and_nothing_is_written(store, rt, today):
    order = make_order(store, room_type=rt, room=rt.rooms_list[1], arrival=today,
                       guests=[PersonIn(full_name="王芳"), PersonIn(full_name="李雷")])
    first, second = [g.contact for g in order.guests.order_by("id")]
    valid = resident_id(seq="125")
    bad_checksum = valid[:-1] + ("0" if valid[-1] != "0" else "1")

    with pytest.raises(GuestDocumentRefused) as refused:
        stay_check_in(order=order, actor=None, documents=[
            (first, "resident_id", resident_id(seq="124")), (second, "resident_id", bad_checksum),
        ])

    assert refused.value.extra["contact_id"] == second.pk and refused.value.status == 400
    order.refresh_from_db()
    assert order.status == S.CONFIRMED
    assert not OrderEvent.objects.filter(order=order, kind="checked_in").exists()
    assert Contact.objects.get(pk=first.pk).id_type == ""  # the first guest's document went with the rollback
