"""Test data for contacts. Contacts are made through the service (encryption, blind
indexes and masks are part of what a row is), so the factory calls it."""
from __future__ import annotations

import itertools

import factory

from apps.contacts.documents import DocumentType, resident_id_check_char
from apps.contacts.models import Contact
from apps.contacts.services import contact_create_or_reuse

_seq = itertools.count(1)


def resident_id(region: str = "110105", born: str = "19900101", seq: str = "123") -> str:
    """A checksum-correct 18-character ID number."""
    first17 = region + born + seq
    return first17 + resident_id_check_char(first17)


def unique_resident_id() -> str:
    n = next(_seq)
    return resident_id(born="19800101", seq=f"{n % 1000:03d}") if n < 1000 else resident_id(born="19810101", seq=f"{n % 1000:03d}")


def unique_mobile() -> str:
    return f"139{next(_seq):08d}"


class ContactFactory(factory.Factory):
    class Meta:
        model = Contact

    full_name = factory.Sequence(lambda n: f"客人{n}")
    phone = factory.LazyFunction(unique_mobile)
    id_type = DocumentType.RESIDENT_ID
    id_number = factory.LazyFunction(unique_resident_id)
    contact_type = Contact.Type.GUEST

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return contact_create_or_reuse(**kwargs).contact

    @classmethod
    def _build(cls, model_class, *args, **kwargs):  # pragma: no cover - always created
        raise NotImplementedError
