"""A profile edited at the desk (documents registered at check-in included): what was given
replaces what was on file, refused if another profile has this document or phone."""
from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apps.common.errors import DomainError, DomainValidationError
from apps.contacts.error_codes import ContactErrorCode
from apps.contacts.models import Contact
from apps.contacts.services.protection import (
    PROFILE_FIELDS,
    _clean_name,
    _clean_profile,
    _document,
    _protect_document,
    _protect_phone,
    _seal_birth_date,
    _with_document_facts,
    logger,
)

_UNSET: Any = object()


def _ensure_active(contact: Contact) -> None:
    if contact.status != Contact.Status.ACTIVE:
        raise DomainError(ContactErrorCode.CONTACT_ERASED, _("This contact's personal data has been erased."))


@sensitive_variables("phone", "id_number", "info", "update")
def contact_update(
    *,
    contact: Contact,
    actor=None,
    full_name: str | None = None,
    contact_type: str | None = None,
    phone: str | None = _UNSET,
    id_type: str | None = None,
    id_number: str | None = _UNSET,
    **profile_values: Any,
) -> Contact:
    """Change a contact. ``phone=""`` / ``id_number=""`` remove them; a document or phone
    that belongs to another profile of the store is refused (``document_taken``)."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        _ensure_active(contact)
        update: dict[str, Any] = {}
        if full_name is not None:
            update["full_name"] = _clean_name(full_name)
        if contact_type is not None:
            if contact_type not in Contact.Type.values:
                raise DomainValidationError("invalid", _("Unknown contact type."), extra={"fields": {"contact_type": [_("Unknown contact type.")]}})
            update["contact_type"] = contact_type
        profile = _clean_profile(profile_values)
        unknown = set(profile_values) - set(PROFILE_FIELDS)
        if unknown:
            raise TypeError(f"unexpected profile fields: {sorted(unknown)}")
        if phone is not _UNSET:
            update.update(_protect_phone(phone))
        if id_number is not _UNSET:
            info = _document(id_type or contact.id_type or None, id_number, profile.get("nationality", contact.nationality))
            update.update(_protect_document(info))
            profile = _with_document_facts(profile, info)
        elif id_type and id_type != contact.id_type:
            raise DomainValidationError(
                ContactErrorCode.DOCUMENT_REQUIRED, _("Enter the document number."),
                extra={"fields": {"id_number": [_("Enter the document number.")]}},
            )
        update.update(_seal_birth_date(profile))
        _check_not_taken(contact, update)
        for key, value in update.items():
            setattr(contact, key, value)
        try:
            with transaction.atomic():
                contact.save(update_fields=[*update, "updated_at"])
        except IntegrityError:
            raise _taken_error(None) from None
    logger.info("contact.updated", extra={"contact_id": contact.pk, "store_id": contact.store_id, "fields": sorted(update)})
    return contact


def _taken_error(other: Contact | None) -> DomainError:
    extra = {"contact_id": other.pk} if other is not None else {}
    return DomainError(
        ContactErrorCode.DOCUMENT_TAKEN, _("Another profile of this store already has this document or phone."), extra=extra,
    )


def _check_not_taken(contact: Contact, update: dict[str, Any]) -> None:
    others = Contact.objects.filter(store_id=contact.store_id, status=Contact.Status.ACTIVE).exclude(pk=contact.pk)
    doc_index = update.get("id_number_blind_index", contact.id_number_blind_index)
    id_type = update.get("id_type", contact.id_type)
    if doc_index and "id_number_blind_index" in update:
        other = others.filter(id_type=id_type, id_number_blind_index=doc_index).first()
        if other:
            raise _taken_error(other)
    phone_index = update.get("phone_blind_index", contact.phone_blind_index)
    if phone_index and not doc_index and ("phone_blind_index" in update or "id_number_blind_index" in update):
        other = others.filter(phone_blind_index=phone_index, id_number_blind_index__isnull=True).first()
        if other:
            raise _taken_error(other)
