"""Writes of contacts: create or reuse, update, reveal, export, erase, key rotation.

Protected values (document number, phone) go through ``_protect_*``: validated,
encrypted under the current key, blind-indexed and masked. Nothing here logs a value in
clear; log lines carry ids and masked forms only.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apps.common.errors import DomainError, DomainValidationError
from apps.contacts import crypto
from apps.contacts.documents import DocumentInfo, DocumentType, Gender, mask_document, validate_document
from apps.contacts.error_codes import ContactErrorCode
from apps.contacts.models import Contact, ContactRevealLog
from apps.contacts.phones import mask_phone, normalize_phone
from apps.contacts.selectors import (
    FIELD_ID_NUMBER,
    FIELD_PHONE,
    contact_can_reveal,
    document_blind_index,
    phone_blind_index,
)
from apps.tenancy.models import Store
from apps.tenancy.roles import MANAGE
from apps.tenancy.scope import ManagerOnly
from apps.tenancy.selectors import store_perms_for_user

logger = logging.getLogger(__name__)

ERASED_NAME = "已删除"
PROFILE_FIELDS = ("email", "gender", "nationality", "birth_date", "address", "notes")


@dataclass(frozen=True)
class ContactResult:
    contact: Contact
    created: bool


# --- protection helpers ------------------------------------------------------------


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


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


# --- create or reuse ---------------------------------------------------------------


def _match(
    candidates: list[tuple[str, Contact]], *, full_name: str, doc_index: str | None, phone_index: str | None
) -> tuple[Contact | None, bool]:
    """The existing profile for these identifiers and whether it may receive the document.

    A document identifies a person. Without one, the phone does: the store's phone-only
    profile, else a documented profile with that phone and the same name.
    ``candidates``: the store's active profiles with the document (``"doc"``, at most
    one) and with the phone (``"phone"``, the first 20 by id), as ``_FIND_OR_INSERT``
    reads them.
    """
    if doc_index:
        found = next((c for source, c in candidates if source == "doc"), None)
        if found:
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
        for key in ("birth_date", "gender"):
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
    protected: dict[str, Any], profile: dict[str, Any],
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
    existing, take_document = _match(rows, full_name=full_name, doc_index=doc_index, phone_index=phone_index)
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
    **profile_values: Any,
) -> ContactResult:
    """Return the store's existing profile for this document or phone, else create one.

    ``profile_values``: email, gender, nationality, birth_date, address, notes. An existing
    profile only gains what it lacks. Two concurrent calls for one person make one row:
    the partial unique constraints decide, and the loser returns the winner's row.
    """
    name = _clean_name(full_name)
    if contact_type not in Contact.Type.values:
        raise DomainValidationError("invalid", _("Unknown contact type."), extra={"fields": {"contact_type": [_("Unknown contact type.")]}})
    unknown = set(profile_values) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected profile fields: {sorted(unknown)}")
    profile = _clean_profile(profile_values)
    info = _document(id_type, id_number, profile.get("nationality"))
    profile = _with_document_facts(profile, info)
    protected = {**_protect_phone(phone), **_protect_document(info)}
    doc_index, phone_index = protected["id_number_blind_index"], protected["phone_blind_index"]

    new = Contact(store=store, contact_type=contact_type, full_name=name, created_by=_user(actor), **profile, **protected)
    id_type_value = info.id_type if info else ""
    for attempt in range(3):
        try:
            contact, created = _find_or_insert(
                new, full_name=name, doc_index=doc_index, id_type=id_type_value, phone_index=phone_index,
                protected=protected, profile=profile,
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
    **profile_values: Any,
) -> Contact:
    """The store's contact with this document number or phone (blind index), else a new one.

    Used by orders when a booking names its booker and guests. ``id_type`` defaults to a
    resident ID when only ``id_number`` is given.
    """
    return contact_create_or_reuse(
        store=store, full_name=full_name, phone=phone, id_type=id_type, id_number=id_number,
        contact_type=contact_type, actor=actor, **profile_values,
    ).contact


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- update ------------------------------------------------------------------------

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
        update.update(profile)
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


# --- reveal, export, erase ---------------------------------------------------------


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
    *, contact: Contact, actor, fields: tuple[str, ...] = (FIELD_ID_NUMBER, FIELD_PHONE), reason: str = ""
) -> dict[str, str]:
    """The clear document number and/or phone, for staff allowed to see them; every call is logged."""
    fields = tuple(f for f in (FIELD_ID_NUMBER, FIELD_PHONE) if f in fields)
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
    fields = (FIELD_ID_NUMBER, FIELD_PHONE)
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
            "birth_date": contact.birth_date.isoformat() if contact.birth_date else None,
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
            "email": "", "gender": "", "nationality": "", "birth_date": None, "address": "", "notes": "",
            **_protect_phone(None), **_protect_document(None),
            "status": Contact.Status.ERASED, "erased_at": timezone.now(), "erased_by": _user(actor),
        }
        for key, value in update.items():
            setattr(contact, key, value)
        contact.save(update_fields=[*update, "updated_at"])
    logger.info("contact.erased", extra={"contact_id": contact.pk, "store_id": contact.store_id, "user_id": getattr(actor, "pk", None)})
    return contact


# --- key rotation ------------------------------------------------------------------


@dataclass
class RotationProgress:
    schema: str
    scanned_to_pk: int = 0
    rotated: int = 0
    failures: int = 0
    batches: int = 0


def _needs_rotation_sql(current: str) -> tuple[str, list[str]]:
    # starts_with, not LIKE: a key id may contain "_", a LIKE wildcard.
    prefix = current + ":"
    return (
        "((id_number_encrypted <> '' AND NOT starts_with(id_number_encrypted, %s)) "
        "OR (phone_encrypted <> '' AND NOT starts_with(phone_encrypted, %s)))",
        [prefix, prefix],
    )


def contact_keys_rotate(
    *, batch_size: int = 1000, after_pk: int = 0, on_batch: Callable[[RotationProgress], None] | None = None
) -> RotationProgress:
    """Re-encrypt, under the current key, every contact of the current tenant written
    under an older one. Safe while the system runs and resumable.

    Walks the table by primary key in batches; each batch is one short transaction that
    locks only its rows (``FOR UPDATE``), so a concurrent edit waits at most one batch
    and is never lost. Rows already under the current key are skipped, so a rerun after
    a crash continues where it stopped. A row that does not decrypt is counted as a
    failure (logged by id, never by value) and left as it is.
    """
    ring = crypto.keyring()
    current = ring.current_id
    schema = connection.schema_name
    progress = RotationProgress(schema=schema, scanned_to_pk=after_pk)
    where, params = _needs_rotation_sql(current)
    table = Contact._meta.db_table
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, id_number_encrypted, phone_encrypted FROM {table} "
                f"WHERE id > %s AND {where} ORDER BY id LIMIT %s FOR UPDATE",
                [progress.scanned_to_pk, *params, batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            updates = []
            for pk, doc, phone in rows:
                try:
                    new_doc = _reencrypt(doc, FIELD_ID_NUMBER, current, ring, schema)
                    new_phone = _reencrypt(phone, FIELD_PHONE, current, ring, schema)
                except crypto.ProtectedValueError as exc:
                    progress.failures += 1
                    logger.error("contact.rotation_failed", extra={"contact_id": pk, "schema": schema, "reason": exc.extra.get("reason")})
                    continue
                updates.append((pk, new_doc, new_phone))
            if updates:
                # Three array parameters, not 3 x batch placeholders: one cheap statement.
                ids, docs, phones = (list(col) for col in zip(*updates))
                cursor.execute(
                    f"UPDATE {table} AS c SET id_number_encrypted = v.doc, phone_encrypted = v.phone "
                    "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, doc, phone) WHERE c.id = v.id",
                    [ids, docs, phones],
                )
            progress.rotated += len(updates)
            progress.scanned_to_pk = rows[-1][0]
            progress.batches += 1
        if on_batch is not None:
            on_batch(progress)
    logger.info(
        "contact.keys_rotated",
        extra={"schema": schema, "rotated": progress.rotated, "failures": progress.failures, "key_id": current},
    )
    return progress


@sensitive_variables()
def _reencrypt(value: str, field: str, current: str, ring: crypto.Keyring, schema: str) -> str:
    if not value or crypto.key_id_of(value) == current:
        return value
    return crypto.encrypt(crypto.decrypt(value, field=field, schema=schema, ring=ring), field=field, schema=schema, ring=ring)
