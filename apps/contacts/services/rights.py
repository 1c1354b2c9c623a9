"""The data subject's rights and staff's reads: reveal a document or phone (permission,
reason, logged), export everything held about a guest, erase it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apps.common.errors import DomainError, DomainValidationError
from apps.contacts import crypto
from apps.contacts.error_codes import ContactErrorCode
from apps.contacts.models import Contact, ContactRevealLog
from apps.contacts.selectors import (
    FIELD_BIRTH_DATE,
    FIELD_ID_NUMBER,
    FIELD_PHONE,
    contact_can_reveal,
)
from apps.contacts.services.protection import _protect_document, _protect_phone, _user, logger
from apps.contacts.services.updates import _ensure_active
from apps.tenancy.roles import MANAGE
from apps.tenancy.scope import ManagerOnly
from apps.tenancy.selectors import store_perms_for_user

ERASED_NAME = "已删除"
# What a reveal can show in clear (ISO date for the birth date).
REVEALABLE = (FIELD_ID_NUMBER, FIELD_PHONE, FIELD_BIRTH_DATE)


class RevealForbidden(DomainError):
    status = 403

    def __init__(self):
        super().__init__(
            ContactErrorCode.REVEAL_FORBIDDEN, _("You are not allowed to see ID documents and phone numbers in clear."),
        )


@sensitive_variables()
def _clear_values(contact: Contact, fields: tuple[str, ...]) -> dict[str, str]:
    values = {}
    if FIELD_ID_NUMBER in fields:
        values[FIELD_ID_NUMBER] = (
            crypto.decrypt(contact.id_number_encrypted, field=FIELD_ID_NUMBER) if contact.id_number_encrypted else ""
        )
    if FIELD_PHONE in fields:
        values[FIELD_PHONE] = crypto.decrypt(contact.phone_encrypted, field=FIELD_PHONE) if contact.phone_encrypted else ""
    if FIELD_BIRTH_DATE in fields:
        values[FIELD_BIRTH_DATE] = (
            crypto.decrypt(contact.birth_date_encrypted, field=FIELD_BIRTH_DATE) if contact.birth_date_encrypted else ""
        )
    return values


def _record_reveal(*, contact: Contact, actor, action: str, fields: tuple[str, ...], reason: str) -> ContactRevealLog:
    entry = ContactRevealLog.objects.create(
        contact=contact, user=_user(actor), action=action, fields=",".join(fields), reason=(reason or "")[:200]
    )
    logger.info(
        f"contact.{action}",
        extra={"contact_id": contact.pk, "store_id": contact.store_id, "user_id": getattr(actor, "pk", None), "fields": list(fields)},
    )
    return entry


@sensitive_variables("values")
def contact_reveal(
    *, contact: Contact, actor, fields: tuple[str, ...] = REVEALABLE, reason: str = ""
) -> dict[str, str]:
    """The clear document number, phone and/or birth date (which would rebuild the
    document's hidden digits), for staff allowed to see them; every call is logged."""
    fields = tuple(f for f in REVEALABLE if f in fields)
    if not fields:
        raise DomainValidationError("invalid", _("Choose what to reveal."), extra={"fields": {"fields": [_("Choose what to reveal.")]}})
    if not contact_can_reveal(user=actor, store=contact.store):
        logger.warning("contact.reveal_refused", extra={"contact_id": contact.pk, "user_id": getattr(actor, "pk", None)})
        raise RevealForbidden()
    _ensure_active(contact)
    values = _clear_values(contact, fields)
    _record_reveal(contact=contact, actor=actor, action=ContactRevealLog.Action.REVEAL, fields=fields, reason=reason)
    return values


# Other apps may add a section to a contact's data export (e.g. orders: stays) by
# registering ``fn(contact) -> JSON-serialisable``; an explicit registry, not a signal.
EXPORT_SECTIONS: dict[str, Callable[[Contact], Any]] = {}


def contact_export_section_register(*, name: str, fn: Callable[[Contact], Any]) -> None:
    EXPORT_SECTIONS[name] = fn


@sensitive_variables("clear", "data")
def contact_export(*, contact: Contact, actor) -> dict[str, Any]:
    """Everything we hold about one person, in clear (PIPL right of access and portability).

    Needs the reveal permission and is logged as an export.
    """
    if not contact_can_reveal(user=actor, store=contact.store):
        raise RevealForbidden()
    fields = REVEALABLE
    clear = _clear_values(contact, fields)
    data: dict[str, Any] = {
        "contact": {
            "id": contact.pk,
            "store": {"id": contact.store_id, "name": contact.store.name},
            "contact_type": contact.contact_type,
            "full_name": contact.full_name,
            "phone": clear[FIELD_PHONE],
            "email": contact.email,
            "gender": contact.gender,
            "nationality": contact.nationality,
            "birth_date": clear[FIELD_BIRTH_DATE] or None,
            "address": contact.address,
            "id_type": contact.id_type,
            "id_number": clear[FIELD_ID_NUMBER],
            "status": contact.status,
            "notes": contact.notes,
            "created_at": contact.created_at.isoformat(),
            "updated_at": contact.updated_at.isoformat(),
            "erased_at": contact.erased_at.isoformat() if contact.erased_at else None,
        },
        "access_log": [
            {"at": row.created_at.isoformat(), "action": row.action, "fields": row.fields.split(","), "user_id": row.user_id}
            for row in ContactRevealLog.objects.filter(contact=contact).order_by("pk")
        ],
    }
    for name, fn in EXPORT_SECTIONS.items():
        data[name] = fn(contact)
    _record_reveal(contact=contact, actor=actor, action=ContactRevealLog.Action.EXPORT, fields=fields, reason="export")
    data["exported_at"] = timezone.now().isoformat()
    return data


def contact_erase(*, contact: Contact, actor) -> Contact:
    """Anonymise a contact (PIPL right to erasure): personal data gone, row kept.

    Orders, folios and payments keep pointing at the same row, so their amounts and
    balances are untouched; only who the person was is forgotten. Managers only.
    """
    if not (getattr(actor, "is_superuser", False) or MANAGE in store_perms_for_user(user=actor, store=contact.store)):
        raise ManagerOnly()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if Contact.Status.ERASED not in Contact.TRANSITIONS[contact.status]:
            raise DomainError(ContactErrorCode.CONTACT_ERASED, _("This contact's personal data has been erased."))
        update = {
            "full_name": ERASED_NAME,
            "email": "", "gender": "", "nationality": "", "birth_date_encrypted": "", "address": "", "notes": "",
            **_protect_phone(None), **_protect_document(None),
            "status": Contact.Status.ERASED, "erased_at": timezone.now(), "erased_by": _user(actor),
        }
        for key, value in update.items():
            setattr(contact, key, value)
        contact.save(update_fields=[*update, "updated_at"])
    logger.info("contact.erased", extra={"contact_id": contact.pk, "store_id": contact.store_id, "user_id": getattr(actor, "pk", None)})
    return contact
