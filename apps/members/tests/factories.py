"""Test data for members, made through the services (ledgers and triggers are part of what a row is)."""
from __future__ import annotations

from decimal import Decimal

from apps.contacts.selectors import contact_phone_for_sending
from apps.contacts.services import contact_create_or_reuse
from apps.contacts.tests.factories import unique_mobile
from apps.folios.models import PaymentMethod
from apps.folios.services import folio_primary_for_order, payment_methods_ensure
from apps.members import services
from apps.members.models import Member
from apps.orders.models import Order
from apps.orders.services import PersonIn
from apps.orders.tests.factories import make_order


def make_member(store, *, full_name: str = "会员", phone: str | None = None, actor=None) -> Member:
    contact = contact_create_or_reuse(store=store, full_name=full_name, phone=phone or unique_mobile(), actor=actor).contact
    return services.member_enroll(contact=contact, actor=actor)


def cash(store) -> PaymentMethod:
    return {m.method_type: m for m in payment_methods_ensure(store=store)}[PaymentMethod.Type.CASH]


def top_up(member, store, amount: str, bonus: str = "0", *, actor=None):
    return services.stored_value_top_up(member=member, store=store, amount=Decimal(amount), bonus=Decimal(bonus),
                                        payment_method=cash(store), actor=actor)


def member_stay(store, member, *, room_type, room, nights: int = 2, status=Order.Status.CHECKED_IN, arrival=None) -> Order:
    """A stay booked by the member (the booker's profile is the member's, by phone)."""
    phone = contact_phone_for_sending(contact=member.contact)
    booker = PersonIn(full_name=member.contact.full_name, phone=phone)
    return make_order(store, room_type=room_type, room=room, nights=nights, status=status, booker=booker, arrival=arrival)


def folio_of(order):
    return folio_primary_for_order(order=order)
