from enum import StrEnum


class MobileErrorCode(StrEnum):
    # ``cursor`` of ``m/reminders/`` is not one this API handed out
    CURSOR_INVALID = "cursor_invalid"
    # ``days`` of the room status outside 1..31
    DATE_SPAN_TOO_LONG = "date_span_too_long"
