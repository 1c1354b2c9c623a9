"""Writes of contacts (guests and bookers), one module per concern:

- ``protection``: what is stored of a phone or a document (encrypted, a blind index to
  find it, a mask to show it) and the profile fields cleaned;
- ``reuse``: a booking's guest found or created, one profile per person under
  concurrency (the partial unique indexes decide);
- ``updates``: a profile edited; ``rights``: reveal (logged), export, erase;
- ``lookups``: searches by phone or document number, limited per user and logged;
- ``keys``: the re-encryption of every protected value with the current key.

Personal data never leaves in clear where it is not needed: the functions that touch
clear values are ``sensitive_variables`` (no clear value in an error report), and events
and logs carry ids only.

Callers import from ``apps.contacts.services`` (this package's face).
"""
from apps.contacts.services.keys import RotationProgress, contact_keys_rotate
from apps.contacts.services.lookups import KIND_DOCUMENT, KIND_PHONE, LookupThrottled, contact_lookup
from apps.contacts.services.protection import PROFILE_FIELDS
from apps.contacts.services.reuse import (
    ContactResult,
    DocumentBelongsToOtherContact,
    contact_create_or_reuse,
    contact_find_or_create,
    mask_name,
)
from apps.contacts.services.rights import (
    ERASED_NAME,
    EXPORT_SECTIONS,
    RevealForbidden,
    contact_erase,
    contact_export,
    contact_export_section_register,
    contact_reveal,
)
from apps.contacts.services.updates import contact_update

__all__ = [
    "KIND_DOCUMENT",
    "KIND_PHONE",
    "LookupThrottled",
    "contact_lookup",
    "ContactResult",
    "DocumentBelongsToOtherContact",
    "mask_name",
    "ERASED_NAME",
    "EXPORT_SECTIONS",
    "PROFILE_FIELDS",
    "RevealForbidden",
    "RotationProgress",
    "contact_create_or_reuse",
    "contact_erase",
    "contact_export",
    "contact_export_section_register",
    "contact_find_or_create",
    "contact_keys_rotate",
    "contact_reveal",
    "contact_update",
]
