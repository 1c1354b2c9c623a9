from enum import StrEnum


class NightAuditErrorCode(StrEnum):
    # night audit
    AUDIT_DATE_IN_FUTURE = "audit_date_in_future"
    AUDIT_DATE_CLOSED = "audit_date_closed"
    AUDIT_IN_PROGRESS = "audit_in_progress"
    AUDIT_DAY_NOT_OVER = "audit_day_not_over"
    # input
    INVALID_DATE_RANGE = "invalid_date_range"
