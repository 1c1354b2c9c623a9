from enum import StrEnum


class NightAuditErrorCode(StrEnum):
    # night audit
    AUDIT_DATE_IN_FUTURE = "audit_date_in_future"
    AUDIT_DATE_CLOSED = "audit_date_closed"
    AUDIT_IN_PROGRESS = "audit_in_progress"
    AUDIT_DAY_NOT_OVER = "audit_day_not_over"
    # a lock the audit needs was held longer than PMS_AUDIT_LOCK_TIMEOUT_MS: nothing done, try again
    AUDIT_LOCK_TIMEOUT = "audit_lock_timeout"
    # input
    INVALID_DATE_RANGE = "invalid_date_range"
