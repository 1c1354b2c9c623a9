from enum import StrEnum


class NotificationErrorCode(StrEnum):
    TEMPLATE_INVALID = "template_invalid"
    CHANNEL_UNKNOWN = "channel_unknown"
    NOT_RETRYABLE = "notification_not_retryable"
