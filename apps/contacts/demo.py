"""Demo contacts for each demo store: made-up people with checksum-correct numbers."""
from __future__ import annotations

from apps.contacts.documents import DocumentType, resident_id_check_char
from apps.contacts.models import Contact
from apps.contacts.services import contact_find_or_create


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


# (name, phone, id_type, number, extra profile)
PEOPLE = [
    ("张伟", "13800138000", DocumentType.RESIDENT_ID, _resident_id("33010619850312001"), {"address": "浙江省杭州市西湖区文三路 1 号"}),
    ("王芳", "13912345678", DocumentType.RESIDENT_ID, _resident_id("53290119920708002"), {"address": "云南省大理市下关镇 2 号"}),
    ("李娜", "15000001234", DocumentType.RESIDENT_ID, _resident_id("11010519881120004"), {"email": "lina@example.com"}),
    ("陈家豪", "+852 5123 4567", DocumentType.HK_MACAU_PERMIT, "H12345678", {}),
    ("林志明", "+886 912 345 678", DocumentType.TAIWAN_PERMIT, "01234567", {}),
    ("Emma Schmidt", "+49 1512 3456789", DocumentType.PASSPORT, "C01X00T47", {"nationality": "DEU"}),
]


def seed(*, store) -> list[Contact]:
    contacts = []
    for name, phone, id_type, number, profile in PEOPLE:
        contacts.append(
            contact_find_or_create(store=store, full_name=name, phone=phone, id_type=id_type, id_number=number, **profile)
        )
    # A booker known only by phone (booked by phone, ID registered at check-in).
    contacts.append(contact_find_or_create(store=store, full_name="赵先生", phone="18612345678", contact_type=Contact.Type.BOOKER))
    return contacts
