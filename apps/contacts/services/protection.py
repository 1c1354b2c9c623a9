"""What is stored of a phone or an identity document: the ciphertext, a blind index to find
it without decrypting the table, a mask to show; and the profile fields, cleaned."""
from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apps.common.errors import DomainValidationError
from apps.contacts import crypto
from apps.contacts.documents import DocumentInfo, DocumentType, Gender, mask_document, validate_document
from apps.contacts.error_codes import ContactErrorCode
from apps.contacts.phones import mask_phone, normalize_phone
from apps.contacts.selectors import (
    FIELD_BIRTH_DATE,
    FIELD_ID_NUMBER,
    FIELD_PHONE,
    document_blind_index,
    phone_blind_index,
)

logger = logging.getLogger(__name__)


PROFILE_FIELDS = ("email", "gender", "nationality", "birth_date", "address", "notes")


@sensitive_variables()
def _protect_phone(phone: str | None) -> dict[str, Any]:
    if not phone or not phone.strip():
        return {"phone_encrypted": "", "phone_blind_index": None, "phone_masked": ""}
    e164 = normalize_phone(phone)
    return {
        "phone_encrypted": crypto.encrypt(e164, field=FIELD_PHONE),
        "phone_blind_index": phone_blind_index(e164),
        "phone_masked": mask_phone(e164),
    }


@sensitive_variables()
def _protect_document(info: DocumentInfo | None) -> dict[str, Any]:
    if info is None:
        return {"id_type": "", "id_number_encrypted": "", "id_number_blind_index": None, "id_number_masked": ""}
    return {
        "id_type": info.id_type,
        "id_number_encrypted": crypto.encrypt(info.number, field=FIELD_ID_NUMBER),
        "id_number_blind_index": document_blind_index(info.identity),
        "id_number_masked": mask_document(info.number),
    }


@sensitive_variables()
def _document(id_type: str | None, id_number: str | None, nationality: str | None) -> DocumentInfo | None:
    if not id_number or not id_number.strip():
        return None
    return validate_document(id_type=id_type or DocumentType.RESIDENT_ID, id_number=id_number, nationality=nationality)


def _clean_name(full_name: str) -> str:
    name = " ".join((full_name or "").split())
    if not name:
        message = _("Enter the contact's name.")
        raise DomainValidationError(ContactErrorCode.NAME_REQUIRED, message, extra={"fields": {"full_name": [message]}})
    return name[:255]


def _clean_profile(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key in PROFILE_FIELDS:
        if key not in values or values[key] is None:
            continue
        value = values[key]
        if key == "email" and value:
            try:
                validate_email(value)
            except DjangoValidationError:
                message = _("Enter a valid email address.")
                raise DomainValidationError(ContactErrorCode.EMAIL_INVALID, message, extra={"fields": {"email": [message]}}) from None
        if key == "gender" and value and value not in Gender.values:
            message = _("Unknown gender.")
            raise DomainValidationError("invalid", message, extra={"fields": {"gender": [message]}})
        if key == "nationality":
            value = (value or "").strip().upper()[:3]
        cleaned[key] = value
    return cleaned


def _with_document_facts(profile: dict[str, Any], info: DocumentInfo | None) -> dict[str, Any]:
    """Birth date and gender come from a resident ID (the document wins over typing);
    nationality from the document when none was given."""
    if info is None:
        return profile
    if info.birth_date:
        profile["birth_date"] = info.birth_date
    if info.gender:
        profile["gender"] = info.gender
    if info.nationality and not profile.get("nationality"):
        profile["nationality"] = info.nationality
    return profile


@sensitive_variables()
def _seal_birth_date(profile: dict[str, Any]) -> dict[str, Any]:
    """``birth_date`` (a date or ISO text, or empty) becomes ``birth_date_encrypted``: the
    birth date is stored like the document number whose hidden digits it would give."""
    if "birth_date" not in profile:
        return profile
    profile = dict(profile)
    value = profile.pop("birth_date")
    if value in ("", None):
        profile["birth_date_encrypted"] = ""
        return profile
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            message = _("Enter a valid date.")
            raise DomainValidationError("invalid", message, extra={"fields": {"birth_date": [message]}}) from None
    profile["birth_date_encrypted"] = crypto.encrypt(value.isoformat(), field=FIELD_BIRTH_DATE)
    return profile


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
