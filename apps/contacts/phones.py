"""Phone numbers: validated with ``phonenumbers`` (region CN), stored in E.164."""
from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from apps.common.errors import DomainValidationError
from apps.contacts.error_codes import ContactErrorCode

DEFAULT_REGION = "CN"


@sensitive_variables()
def normalize_phone(value: str, *, region: str = DEFAULT_REGION) -> str:
    """E.164 form of ``value``; a Chinese mobile may be typed as is (``138 1234 5678``)."""
    message = _("This phone number is not valid.")
    try:
        parsed = phonenumbers.parse((value or "").strip(), region)
    except phonenumbers.NumberParseException:
        raise DomainValidationError(ContactErrorCode.PHONE_INVALID, message, extra={"fields": {"phone": [message]}}) from None
    if not phonenumbers.is_valid_number(parsed):
        raise DomainValidationError(ContactErrorCode.PHONE_INVALID, message, extra={"fields": {"phone": [message]}})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str:
    """``138****5678`` for a Chinese number (national form); ``+44******0123`` otherwise."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "*" * len(e164)
    national = str(parsed.national_number)
    if parsed.country_code == 86:
        if len(national) <= 7:
            return "*" * len(national)
        return national[:3] + "*" * (len(national) - 7) + national[-4:]
    prefix = f"+{parsed.country_code}"
    return prefix + "*" * max(len(national) - 4, 0) + national[-4:]
