"""A booking's booker or guest: the store's existing profile for this document or phone,
else a new one. Two concurrent calls for one person make one row."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
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
    _same_name,
    _seal_birth_date,
    _user,
    _with_document_facts,
    logger,
)
from apps.tenancy.models import Store


@dataclass(frozen=True)
class ContactResult:
    contact: Contact
    created: bool


def mask_name(name: str) -> str:
    """``刘*`` for 刘洋, ``J*** S****`` for John Smith: enough to recognise a guest one
    already knows, not to learn who holds a document."""
    return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())


class DocumentBelongsToOtherContact(DomainError):
    """The document typed for a guest is on file for a profile with another name (409).

    Never resolved silently: the clerk either uses the existing guest (calls again with
    ``existing_contact_id``) or corrects what was typed. ``extra``: the existing
    profile's ``contact_id``, ``masked_name`` and ``id_number_masked``."""

    status = 409

    def __init__(self, existing: Contact):
        masked = mask_name(existing.full_name)
        message = _(
            "This document number is on file for another guest (%(name)s). Use the existing guest, "
            "or correct the name or the number you typed."
        ) % {"name": masked}
        super().__init__(
            ContactErrorCode.DOCUMENT_BELONGS_TO_OTHER_CONTACT, message,
            extra={
                "contact_id": existing.pk, "masked_name": masked, "id_number_masked": existing.id_number_masked,
                "fields": {"id_number": [message]},
            },
        )


def _match(
    candidates: list[tuple[str, Contact]], *, full_name: str, doc_index: str | None, phone_index: str | None,
    existing_contact_id: int | None = None,
) -> tuple[Contact | None, bool]:
    """The existing profile for these identifiers and whether it may receive the document.

    A document identifies a person: its profile, if the typed name is its name (or the
    caller chose it, ``existing_contact_id``); another name is refused
    (``DocumentBelongsToOtherContact``), never silently replaced by the profile. Without
    a document, the phone does: the store's phone-only profile, else a documented profile
    with that phone and the same name.
    ``candidates``: the store's active profiles with the document (``"doc"``, at most
    one) and with the phone (``"phone"``, the first 20 by id), as ``_FIND_OR_INSERT``
    reads them.
    """
    if doc_index:
        found = next((c for source, c in candidates if source == "doc"), None)
        if found:
            if not _same_name(found.full_name, full_name) and found.pk != existing_contact_id:
                raise DocumentBelongsToOtherContact(found)
            return found, False
    if phone_index:
        by_phone = [c for source, c in candidates if source == "phone"]
        phone_only = next((c for c in by_phone if c.id_number_blind_index is None), None)
        if doc_index:
            # A phone-only profile of the same person (booked by phone, now shows an ID).
            if phone_only is not None and _same_name(phone_only.full_name, full_name):
                return phone_only, True
            return None, False
        if phone_only is not None:
            return phone_only, False
        named = next((c for c in by_phone if _same_name(c.full_name, full_name)), None)
        if named is not None:
            return named, False
    return None, False


# Find and, when the store has nobody with this document or phone (the usual new guest),
# create in the same statement. A profile created meanwhile by someone else makes the
# insert do nothing (ON CONFLICT, any of the partial unique indexes): we look again.
# Hand-written: a find-or-create that is one statement under concurrency, the partial
# unique indexes deciding; its rows come back as instances through ``Contact.objects.raw``.
_INSERT_FIELDS = [f for f in Contact._meta.concrete_fields if not f.primary_key]


_INSERT_SQL = (
    f"INSERT INTO contacts_contact AS c ({', '.join(connection.ops.quote_name(f.column) for f in _INSERT_FIELDS)}) "
    f"SELECT {', '.join(f'%s::{f.db_type(connection)}' for f in _INSERT_FIELDS)} {{where}} "
    f"ON CONFLICT DO NOTHING RETURNING c.*"
)


_FIND_OR_INSERT = f"""
    WITH found AS (
        (SELECT 'doc' AS source, c.* FROM contacts_contact c
         WHERE %s::text IS NOT NULL AND c.store_id = %s AND c.status = 'active' AND c.id_type = %s
           AND c.id_number_blind_index = %s
         ORDER BY c.id DESC LIMIT 1)
        UNION ALL
        (SELECT 'phone', c.* FROM contacts_contact c
         WHERE %s::text IS NOT NULL AND c.store_id = %s AND c.status = 'active' AND c.phone_blind_index = %s
         ORDER BY c.id LIMIT 20)
    ), inserted AS (
        {_INSERT_SQL.format(where="WHERE NOT EXISTS (SELECT 1 FROM found)")}
    )
    SELECT 'new' AS source, * FROM inserted
    UNION ALL
    SELECT * FROM found
"""


def _insert_values(contact: Contact) -> list[Any]:
    # What Model.save() would send: auto_now(_add) timestamps set, foreign keys as ids.
    return [f.get_db_prep_save(f.pre_save(contact, True), connection) for f in _INSERT_FIELDS]


class _ChangedMeanwhile(Exception):
    """The matched profile changed between our read and our write: look again."""


def _missing(
    contact: Contact, *, protected: dict[str, Any], profile: dict[str, Any], take_document: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What an existing profile lacks of what we were given (never what it has), and the
    conditions under which it still lacks it: ``(update, conditions)``."""
    update: dict[str, Any] = {}
    conditions: dict[str, Any] = {"pk": contact.pk, "status": Contact.Status.ACTIVE}
    if take_document and protected.get("id_number_blind_index"):
        update.update({k: v for k, v in protected.items() if k.startswith("id_")})
        conditions["id_number_blind_index__isnull"] = True
    if not contact.phone_blind_index and protected.get("phone_blind_index"):
        update.update({k: v for k, v in protected.items() if k.startswith("phone_")})
        conditions["phone_blind_index__isnull"] = True
    for key, value in profile.items():
        if value not in ("", None) and getattr(contact, key) in ("", None):
            update[key] = value
    if take_document:
        for key in ("birth_date_encrypted", "gender"):
            if profile.get(key):
                update[key] = profile[key]
    return update, conditions


def _fill_missing(contact: Contact, *, update: dict[str, Any], conditions: dict[str, Any]) -> None:
    """Complete an existing profile with what it lacks.

    A conditional UPDATE (document/phone still empty, still active), so a concurrent
    writer who filled them first is never overwritten: we look again instead.
    """
    update = {**update, "updated_at": timezone.now()}
    if not Contact.objects.filter(**conditions).update(**update):
        raise _ChangedMeanwhile
    for key, value in update.items():
        setattr(contact, key, value)


@sensitive_variables("protected")
def _find_or_insert(
    new: Contact, *, full_name: str, doc_index: str | None, id_type: str, phone_index: str | None,
    protected: dict[str, Any], profile: dict[str, Any], existing_contact_id: int | None = None,
) -> tuple[Contact, bool]:
    """One attempt: ``(contact, created)``, or ``_ChangedMeanwhile`` when a concurrent
    writer got there first (nothing written: the caller looks again). One statement for a new guest or a
    returning one whose profile lacks nothing; two when another profile shares the
    phone but is not this person (then this one is inserted on its own)."""
    store_id = new.store_id
    params = [doc_index, store_id, id_type, doc_index, phone_index, store_id, phone_index, *_insert_values(new)]
    rows = [(contact.source, contact) for contact in Contact.objects.raw(_FIND_OR_INSERT, params)]
    inserted = next((c for source, c in rows if source == "new"), None)
    if inserted is not None:
        return inserted, True
    if not rows:
        raise _ChangedMeanwhile  # nobody was there, yet the insert met a unique index
    existing, take_document = _match(
        rows, full_name=full_name, doc_index=doc_index, phone_index=phone_index, existing_contact_id=existing_contact_id,
    )
    if existing is not None:
        update, conditions = _missing(existing, protected=protected, profile=profile, take_document=take_document)
        if update and take_document:
            try:
                with transaction.atomic():  # savepoint: the document may meet its unique index
                    _fill_missing(existing, update=update, conditions=conditions)
            except IntegrityError as exc:  # a concurrent profile with this document
                raise _ChangedMeanwhile from exc
        elif update:
            _fill_missing(existing, update=update, conditions=conditions)
        return existing, False
    # Someone shares the phone, but it is not this person: a profile of their own.
    inserted = list(Contact.objects.raw(_INSERT_SQL.format(where=""), _insert_values(new)))
    if not inserted:
        raise _ChangedMeanwhile
    return inserted[0], True


@sensitive_variables("phone", "id_number", "info", "protected")
def contact_create_or_reuse(
    *,
    store: Store,
    full_name: str,
    phone: str | None = None,
    id_type: str | None = None,
    id_number: str | None = None,
    contact_type: str = Contact.Type.GUEST,
    actor=None,
    existing_contact_id: int | None = None,
    **profile_values: Any,
) -> ContactResult:
    """Return the store's existing profile for this document or phone, else create one.

    ``profile_values``: email, gender, nationality, birth_date, address, notes. An existing
    profile only gains what it lacks. Two concurrent calls for one person make one row:
    the partial unique constraints decide, and the loser returns the winner's row.

    A document on file for a profile with another name raises
    ``DocumentBelongsToOtherContact`` (409 ``document_belongs_to_other_contact``) unless
    ``existing_contact_id`` is that profile's id (the clerk chose the existing guest).
    """
    name = _clean_name(full_name)
    if contact_type not in Contact.Type.values:
        raise DomainValidationError("invalid", _("Unknown contact type."), extra={"fields": {"contact_type": [_("Unknown contact type.")]}})
    unknown = set(profile_values) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected profile fields: {sorted(unknown)}")
    profile = _clean_profile(profile_values)
    info = _document(id_type, id_number, profile.get("nationality"))
    profile = _seal_birth_date(_with_document_facts(profile, info))
    protected = {**_protect_phone(phone), **_protect_document(info)}
    doc_index, phone_index = protected["id_number_blind_index"], protected["phone_blind_index"]

    new = Contact(store=store, contact_type=contact_type, full_name=name, created_by=_user(actor), **profile, **protected)
    id_type_value = info.id_type if info else ""
    for attempt in range(3):
        try:
            contact, created = _find_or_insert(
                new, full_name=name, doc_index=doc_index, id_type=id_type_value, phone_index=phone_index,
                protected=protected, profile=profile, existing_contact_id=existing_contact_id,
            )
        except _ChangedMeanwhile:
            # A concurrent writer created or completed the same person first: look again.
            if attempt == 2:
                raise
            continue
        if created:
            logger.info("contact.created", extra={"contact_id": contact.pk, "store_id": store.pk})
        else:
            logger.info("contact.reused", extra={"contact_id": contact.pk, "store_id": store.pk})
        return ContactResult(contact, created)
    raise AssertionError("unreachable")  # pragma: no cover


@sensitive_variables("phone", "id_number")
def contact_find_or_create(
    *,
    store: Store,
    full_name: str,
    phone: str | None = None,
    id_type: str | None = None,
    id_number: str | None = None,
    contact_type: str = Contact.Type.GUEST,
    actor=None,
    existing_contact_id: int | None = None,
    **profile_values: Any,
) -> Contact:
    """The store's contact with this document number or phone (blind index), else a new one.

    Used by orders when a booking names its booker and guests. ``id_type`` defaults to a
    resident ID when only ``id_number`` is given.
    """
    return contact_create_or_reuse(
        store=store, full_name=full_name, phone=phone, id_type=id_type, id_number=id_number,
        contact_type=contact_type, actor=actor, existing_contact_id=existing_contact_id, **profile_values,
    ).contact
