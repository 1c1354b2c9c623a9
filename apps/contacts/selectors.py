"""Reads of contacts. Exact lookups by document number or phone go through blind
indexes: the table is never decrypted to search it."""
from __future__ import annotations

import logging
import re
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.views.decorators.debug import sensitive_variables

from apps.common.errors import DomainError, NotFoundError
from apps.contacts import crypto
from apps.contacts.documents import DocumentType, validate_document
from apps.contacts.models import Contact, ContactRevealLog
from apps.contacts.phones import normalize_phone
from apps.tenancy.models import Store
from apps.tenancy.roles import MANAGE
from apps.tenancy.selectors import store_perms_for_user

logger = logging.getLogger(__name__)

FIELD_ID_NUMBER = "id_number"
FIELD_PHONE = "phone"
FIELD_BIRTH_DATE = "birth_date"


def document_blind_index(identity: str) -> str:
    return crypto.blind_index(identity, field=FIELD_ID_NUMBER)


def phone_blind_index(e164: str) -> str:
    return crypto.blind_index(e164, field=FIELD_PHONE)


def document_blind_indexes_for(text: str, *, id_type: str | None = None) -> list[str]:
    """Blind indexes of ``text`` read as a document of ``id_type`` (or of every type it is valid as)."""
    types = [id_type] if id_type else list(DocumentType.values)
    indexes = []
    for kind in types:
        try:
            info = validate_document(id_type=kind, id_number=text)
        except DomainError:
            continue
        indexes.append(document_blind_index(info.identity))
    return sorted(set(indexes))


def phone_blind_index_for(text: str) -> str | None:
    try:
        return phone_blind_index(normalize_phone(text))
    except DomainError:
        return None


def contact_get(*, store: Store, contact_id: int) -> Contact:
    try:
        return Contact.objects.select_related("store").get(store=store, pk=contact_id)
    except (Contact.DoesNotExist, ValueError, TypeError):
        from django.utils.translation import gettext as _

        raise NotFoundError("not_found", _("Not found.")) from None


def contact_find_by_document(
    *, store: Store, id_number: str, id_type: str | None = None, include_erased: bool = False
) -> Contact | None:
    """The store's contact holding this document (any type unless ``id_type``), or None."""
    indexes = document_blind_indexes_for(id_number, id_type=id_type)
    if not indexes:
        return None
    qs = Contact.objects.filter(store=store, id_number_blind_index__in=indexes)
    if id_type:
        qs = qs.filter(id_type=id_type)
    if not include_erased:
        qs = qs.filter(status=Contact.Status.ACTIVE)
    return qs.order_by("pk").first()


def contact_list_by_phone(*, store: Store, phone: str) -> QuerySet[Contact]:
    """Active contacts of the store with this phone (several documented guests may share one)."""
    index = phone_blind_index_for(phone)
    if index is None:
        return Contact.objects.none()
    return Contact.objects.filter(store=store, phone_blind_index=index, status=Contact.Status.ACTIVE).order_by("pk")


def contact_find_by_phone(*, store: Store, phone: str) -> Contact | None:
    """The profile known by this phone: the phone-only one if any, else the oldest."""
    matches = list(contact_list_by_phone(store=store, phone=phone)[:20])
    if not matches:
        return None
    phone_only = [c for c in matches if c.id_number_blind_index is None]
    return (phone_only or matches)[0]


_LOOKS_NUMERIC = re.compile(r"^[+\d\s\-()A-Za-z]{5,}$")


def contact_number_kinds(text: str, *, id_type: str | None = None) -> list[str]:
    """Which whole numbers ``text`` is: ``phone`` (a valid phone), ``id_number`` (a valid
    document of ``id_type`` or of any type), both, or none (a name, an order number, a
    part of a number). Only a whole number can be looked up (``services.lookups``)."""
    text = (text or "").strip()
    if not text or not any(ch.isdigit() for ch in text) or not _LOOKS_NUMERIC.match(text):
        return []
    kinds = []
    if phone_blind_index_for(text):
        kinds.append(FIELD_PHONE)
    if document_blind_indexes_for(text, id_type=id_type):
        kinds.append(FIELD_ID_NUMBER)
    return kinds


def contact_ids_by_number(*, store: Store, text: str) -> list[int]:
    """Ids of the store's contacts whose phone or document is exactly ``text`` (blind
    indexes). Callers go through ``contact_lookup`` (limit and log)."""
    condition = Q()
    phone_index = phone_blind_index_for(text)
    if phone_index:
        condition |= Q(phone_blind_index=phone_index)
    doc_indexes = document_blind_indexes_for(text)
    if doc_indexes:
        condition |= Q(id_number_blind_index__in=doc_indexes)
    if not condition:
        return []
    return list(Contact.objects.filter(condition, store=store).order_by("pk").values_list("pk", flat=True)[:50])


def _number_condition(q: str) -> Q | None:
    """``q`` is exactly a phone or document number (blind indexes), or None."""
    condition = None
    phone_index = phone_blind_index_for(q)
    if phone_index:
        condition = Q(phone_blind_index=phone_index)
    doc_indexes = document_blind_indexes_for(q)
    if doc_indexes:
        doc = Q(id_number_blind_index__in=doc_indexes)
        condition = doc if condition is None else condition | doc
    return condition


def contact_search_condition(q: str) -> Q:
    """Name contains ``q``, or ``q`` is exactly a phone or document number (blind index).
    A number searched so must go through ``contact_lookup`` (limit and log)."""
    q = (q or "").strip()
    condition = Q(full_name__icontains=q)
    if contact_number_kinds(q):
        number = _number_condition(q)
        if number is not None:
            condition |= number
    return condition


def _apply_filters(qs: QuerySet[Contact], filters: dict) -> QuerySet[Contact]:
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("contact_type"):
        qs = qs.filter(contact_type=filters["contact_type"])
    if filters.get("name"):
        qs = qs.filter(full_name__icontains=filters["name"].strip())
    if filters.get("phone"):
        qs = qs.filter(phone_blind_index=phone_blind_index_for(filters["phone"]) or "-")
    if filters.get("id_number"):
        qs = qs.filter(
            id_number_blind_index__in=document_blind_indexes_for(filters["id_number"], id_type=filters.get("id_type") or None)
        )
    if filters.get("number"):
        qs = qs.filter(_number_condition(filters["number"].strip()) or Q(pk__in=[]))
    if filters.get("q"):
        qs = qs.filter(contact_search_condition(filters["q"]))
    return qs


def contact_list(*, store: Store, filters: dict | None = None) -> QuerySet[Contact]:
    """Contacts of ``store``, newest first. Filters: ``name`` (contains), ``phone`` /
    ``id_number`` (+ ``id_type``) / ``number`` (either) (exact, via blind index), ``q``
    (name contains or exact number), ``contact_type``, ``status``. A search by number goes
    through ``services.contact_lookup`` (limit and log)."""
    return _apply_filters(Contact.objects.filter(store=store), filters or {}).order_by("-pk")


def contact_search_tenant(*, filters: dict) -> QuerySet[Contact]:
    """Contacts of every store of the tenant (tenant admins only: the caller checks)."""
    return _apply_filters(Contact.objects.select_related("store"), filters).order_by("-pk")


def contact_can_reveal(*, user: AbstractBaseUser, store: Store) -> bool:
    """Tenant admins, managers of the store, and staff given ``contacts.reveal_document``."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    perms = store_perms_for_user(user=user, store=store)
    if not perms:
        return False
    return MANAGE in perms or user.has_perm("contacts.reveal_document")


def contact_reveal_log(*, contact: Contact) -> QuerySet[ContactRevealLog]:
    return ContactRevealLog.objects.filter(contact=contact).select_related("user").order_by("-pk")


@sensitive_variables()
def contact_phone_for_sending(*, contact: Contact) -> str | None:
    """The active contact's mobile number in clear, for the code that hands it to an SMS
    provider (notifications) and nothing else: never stored, logged or shown. None when
    there is none or it cannot be read (logged, without the number). Staff read a number
    through ``contact_reveal`` (permission + reveal log) instead."""
    if not contact.phone_encrypted or contact.status != Contact.Status.ACTIVE:
        return None
    try:
        return crypto.decrypt(contact.phone_encrypted, field=FIELD_PHONE)
    except crypto.ProtectedValueError as exc:
        logger.warning("contact.phone_unreadable", extra={"contact_id": contact.pk, "reason": str(exc)})
        return None


@sensitive_variables()
def contact_birth_date(*, contact: Contact) -> date | None:
    """The contact's birth date, decrypted, for code that needs it and shows it to nobody
    (an age check, the police registration). Staff see it through ``contact_reveal``
    (permission + reveal log), like the document number it would help rebuild."""
    if not contact.birth_date_encrypted:
        return None
    return date.fromisoformat(crypto.decrypt(contact.birth_date_encrypted, field=FIELD_BIRTH_DATE))
