"""Identity documents: one validator per type, masking, and what a number tells us.

Every validator takes what the user typed and returns a ``DocumentInfo`` with the
normalised number (what we encrypt), the identity key (what the blind index hashes, so
two issues of the same person's permit find one profile) and, for resident IDs, the
birth date and gender encoded in the number. Invalid input raises a
``DomainValidationError`` with a stable code and a translated message; the number itself
never appears in an error.

Sources: GB 11643-1999 (resident ID, ISO 7064 MOD 11-2), ``python-stdnum``'s ``cn.ric``
(ordinary IDs; it rejects the HK/Macau/Taiwan residence permits, region 81/82/83, and
the 9-prefixed foreigner's permanent residence card, which use the same checksum, so we
check those ourselves); home-return permit H/M + 8 digits, legacy booklets + 2 issue
digits; Taiwan compatriot permit 8 digits "one person one number" since 2008-09-25,
legacy 10 digits (8 + 2 issue digits) with an optional "(issuing office)" suffix
(China News Service, 2008-09-12).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

from apps.common.errors import DomainValidationError
from apps.contacts.error_codes import ContactErrorCode


class DocumentType(models.TextChoices):
    # 居民身份证 (also the HK/Macau/Taiwan residence permits and the permanent residence card).
    RESIDENT_ID = "resident_id", gettext_lazy("Resident ID card")
    PASSPORT = "passport", gettext_lazy("Passport")
    # 港澳居民来往内地通行证 (回乡证).
    HK_MACAU_PERMIT = "hk_macau_permit", gettext_lazy("Home-return permit (HK/Macau)")
    # 台湾居民来往大陆通行证 (台胞证).
    TAIWAN_PERMIT = "taiwan_permit", gettext_lazy("Taiwan compatriot permit")
    OTHER = "other", gettext_lazy("Other document")


class Gender(models.TextChoices):
    MALE = "male", gettext_lazy("Male")
    FEMALE = "female", gettext_lazy("Female")
    UNKNOWN = "unknown", gettext_lazy("Unknown")


@dataclass(frozen=True)
class DocumentInfo:
    id_type: str
    number: str
    identity: str
    birth_date: date | None = None
    gender: str | None = None
    nationality: str | None = None

    def __repr__(self) -> str:  # never print the number
        return f"DocumentInfo(id_type={self.id_type!r}, number={mask_document(self.number)!r})"


def _error(code: ContactErrorCode, message) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {"id_number": [message]}})


_SEPARATORS = re.compile(r"[\s\-]+")


def normalize(number: str) -> str:
    """Upper case, no spaces or hyphens (as people type them, and as OCR reads them)."""
    return _SEPARATORS.sub("", number or "").upper()


# --- resident ID ---------------------------------------------------------------------

_MOD11_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MOD11_CHARS = "10X98765432"
_PERMIT_REGIONS = {"810000": "HKG", "820000": "MAC", "830000": "TWN"}


def resident_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits (GB 11643-1999)."""
    return _MOD11_CHARS[sum(int(d) * w for d, w in zip(first17, _MOD11_WEIGHTS)) % 11]


def _birth_date(number: str) -> date:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _error(ContactErrorCode.DOCUMENT_BIRTH_DATE_INVALID, _("The birth date in this ID number is not a real date.")) from None
    if born.year < 1900 or born > timezone.localdate():
        raise _error(ContactErrorCode.DOCUMENT_BIRTH_DATE_INVALID, _("The birth date in this ID number is not possible."))
    return born


@sensitive_variables()
def validate_resident_id(number: str) -> DocumentInfo:
    number = normalize(number)
    if len(number) == 15 and number.isdigit():
        raise _error(
            ContactErrorCode.DOCUMENT_FORMAT_INVALID,
            _("15-digit ID numbers are no longer valid; enter the 18-character number of the current card."),
        )
    if len(number) != 18 or not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise _error(ContactErrorCode.DOCUMENT_FORMAT_INVALID, _("An ID number has 17 digits followed by a digit or X."))
    if number[17] != resident_id_check_char(number[:17]):
        raise _error(ContactErrorCode.DOCUMENT_CHECKSUM_INVALID, _("This ID number's check character is wrong; please re-check it."))
    born = _birth_date(number)
    nationality: str | None
    if number[:6] in _PERMIT_REGIONS:
        # 港澳台居民居住证: same layout and checksum, region code 810000/820000/830000.
        nationality = _PERMIT_REGIONS[number[:6]]
    elif number[0] == "9":
        # 外国人永久居留身份证 (2023): 9, province (2), country (3 digits, ISO 3166 numeric), birth date...
        nationality = None
    elif number[:2] in ("81", "82", "83"):
        raise _error(ContactErrorCode.DOCUMENT_FORMAT_INVALID, _("This ID number's region code does not exist."))
    else:
        try:
            ric.validate(number)
        except stdnum_exceptions.InvalidChecksum:  # pragma: no cover - checked above
            raise _error(ContactErrorCode.DOCUMENT_CHECKSUM_INVALID, _("This ID number's check character is wrong; please re-check it.")) from None
        except stdnum_exceptions.ValidationError:
            raise _error(ContactErrorCode.DOCUMENT_FORMAT_INVALID, _("This ID number's region code does not exist.")) from None
        nationality = "CHN"
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return DocumentInfo(
        id_type=DocumentType.RESIDENT_ID, number=number, identity=number, birth_date=born, gender=gender,
        nationality=nationality,
    )


# --- passport ------------------------------------------------------------------------

# Mainland ordinary passports: E + 8 digits, or E + a letter + 7 digits (since 2017);
# older G + 8 digits; diplomatic/service/public affairs D/S/P + E + 7 digits.
_CN_PASSPORT = re.compile(r"^(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7}|[DSP]E\d{7}|[DSP]\d{8})$")
_FOREIGN_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")


@sensitive_variables()
def validate_passport(number: str, *, nationality: str | None = None) -> DocumentInfo:
    number = normalize(number)
    if (nationality or "").upper() == "CHN":
        if not _CN_PASSPORT.match(number):
            raise _error(
                ContactErrorCode.DOCUMENT_FORMAT_INVALID,
                _("A Chinese passport number is E followed by 8 characters (for example E12345678 or EA1234567)."),
            )
    elif not _FOREIGN_PASSPORT.match(number):
        raise _error(ContactErrorCode.DOCUMENT_FORMAT_INVALID, _("A passport number has 5 to 20 letters and digits."))
    return DocumentInfo(id_type=DocumentType.PASSPORT, number=number, identity=number, nationality=nationality or None)


# --- HK/Macau home-return permit ---------------------------------------------------

_HK_MACAU = re.compile(r"^([HM])(\d{8})(\d{2})?$")


@sensitive_variables()
def validate_hk_macau_permit(number: str) -> DocumentInfo:
    number = normalize(number)
    match = _HK_MACAU.match(number)
    if not match:
        raise _error(
            ContactErrorCode.DOCUMENT_FORMAT_INVALID,
            _("A home-return permit number is H (Hong Kong) or M (Macau) followed by 8 digits."),
        )
    # The legacy booklet appends a 2-digit issue count; the person's number is the first 9.
    return DocumentInfo(
        id_type=DocumentType.HK_MACAU_PERMIT, number=number, identity=match[1] + match[2],
        nationality="HKG" if match[1] == "H" else "MAC",
    )


# --- Taiwan compatriot permit --------------------------------------------------------

_TAIWAN = re.compile(r"^(\d{8})(?:\d{2}(?:\([A-Z0-9]\))?)?$")


@sensitive_variables()
def validate_taiwan_permit(number: str) -> DocumentInfo:
    number = normalize(number)
    match = _TAIWAN.match(number)
    if not match:
        raise _error(ContactErrorCode.DOCUMENT_FORMAT_INVALID, _("A Taiwan compatriot permit number has 8 digits."))
    # Legacy numbers are the 8-digit lifetime number + issue count (+ office code).
    return DocumentInfo(id_type=DocumentType.TAIWAN_PERMIT, number=number, identity=match[1], nationality="TWN")


# --- other ---------------------------------------------------------------------------

_OTHER = re.compile(r"^[A-Z0-9()/.]{1,30}$")


@sensitive_variables()
def validate_other(number: str) -> DocumentInfo:
    number = normalize(number)
    if not _OTHER.match(number):
        raise _error(ContactErrorCode.DOCUMENT_FORMAT_INVALID, _("A document number has 1 to 30 letters and digits."))
    return DocumentInfo(id_type=DocumentType.OTHER, number=number, identity=number)


@sensitive_variables()
def validate_document(*, id_type: str, id_number: str, nationality: str | None = None) -> DocumentInfo:
    """Validate ``id_number`` as a document of ``id_type``."""
    if id_type not in DocumentType.values:
        raise DomainValidationError(
            ContactErrorCode.DOCUMENT_TYPE_INVALID, _("Unknown document type."),
            extra={"fields": {"id_type": [_("Unknown document type.")]}},
        )
    if not normalize(id_number):
        raise _error(ContactErrorCode.DOCUMENT_REQUIRED, _("Enter the document number."))
    if id_type == DocumentType.RESIDENT_ID:
        return validate_resident_id(id_number)
    if id_type == DocumentType.PASSPORT:
        return validate_passport(id_number, nationality=nationality)
    if id_type == DocumentType.HK_MACAU_PERMIT:
        return validate_hk_macau_permit(id_number)
    if id_type == DocumentType.TAIWAN_PERMIT:
        return validate_taiwan_permit(id_number)
    return validate_other(id_number)


# --- masking -------------------------------------------------------------------------


def mask_document(number: str | None) -> str:
    """``**************1234`` for an 18-character ID: only the end is shown, for every type.

    Nothing of the start is kept: a resident ID's first 6 (region) and next 8 (birth
    date) digits are what a clerk would need to rebuild it, and the birth date is not
    shown either. Shorter numbers show less of their end (3 from 8 characters, 2 from 5,
    none below), so that a short number is never mostly shown."""
    if not number:
        return ""
    n = len(number)
    tail = 4 if n >= 15 else 3 if n >= 8 else 2 if n >= 5 else 0
    return "*" * (n - tail) + (number[n - tail:] if tail else "")
