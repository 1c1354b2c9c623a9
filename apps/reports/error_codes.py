from enum import StrEnum


class ReportsErrorCode(StrEnum):
    # input
    INVALID_DATE_RANGE = "invalid_date_range"
    # the daily report of a day no selected store has closed by its night audit yet
    DAY_NOT_AUDITED = "report_day_not_audited"
