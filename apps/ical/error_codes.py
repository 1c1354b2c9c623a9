from enum import StrEnum


class IcalErrorCode(StrEnum):
    URL_NOT_ALLOWED = "ical_url_not_allowed"
    FEED_UNREADABLE = "ical_feed_unreadable"
    EXPORT_TARGET_INVALID = "ical_export_target_invalid"
