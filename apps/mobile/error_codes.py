from enum import StrEnum


class MobileErrorCode(StrEnum):
    # ``days`` of the room status outside 1..31
    DATE_SPAN_TOO_LONG = "date_span_too_long"
