from enum import StrEnum


class WebhookErrorCode(StrEnum):
    # a URL that is not https/http, or points at loopback, private, link-local or reserved addresses
    URL_NOT_ALLOWED = "webhook_url_not_allowed"
    EVENT_TYPE_UNKNOWN = "webhook_event_type_unknown"
    DELIVERY_NOT_RESENDABLE = "webhook_delivery_not_resendable"
