from enum import StrEnum


class ContactErrorCode(StrEnum):
    NAME_REQUIRED = "contact_name_required"
    PHONE_INVALID = "phone_invalid"
    EMAIL_INVALID = "email_invalid"
    DOCUMENT_TYPE_INVALID = "document_type_invalid"
    DOCUMENT_REQUIRED = "document_required"
    DOCUMENT_FORMAT_INVALID = "document_format_invalid"
    DOCUMENT_CHECKSUM_INVALID = "document_checksum_invalid"
    DOCUMENT_BIRTH_DATE_INVALID = "document_birth_date_invalid"
    DOCUMENT_TAKEN = "document_taken"
    DOCUMENT_BELONGS_TO_OTHER_CONTACT = "document_belongs_to_other_contact"
    CONTACT_ERASED = "contact_erased"
    REVEAL_FORBIDDEN = "reveal_forbidden"
    TENANT_ADMIN_ONLY = "tenant_admin_only"
    DECRYPTION_FAILED = "protected_value_unreadable"
    KEYS_NOT_CONFIGURED = "field_keys_not_configured"
