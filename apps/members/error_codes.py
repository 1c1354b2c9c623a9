from enum import StrEnum


class MemberErrorCode(StrEnum):
    # enrolment and profile
    ALREADY_MEMBER = "already_member"
    MEMBER_NOT_NAMED = "member_not_named"
    CONTACT_ERASED = "contact_erased"
    # stored value (储值)
    AMOUNT_INVALID = "amount_invalid"
    BONUS_INVALID = "bonus_invalid"
    STORED_VALUE_INSUFFICIENT = "stored_value_insufficient"
    STORED_VALUE_EMPTY = "stored_value_empty"
    NOT_A_MEMBER_PAYMENT = "not_a_member_payment"
    # points
    POINTS_INVALID = "points_invalid"
    POINTS_INSUFFICIENT = "points_insufficient"
    # levels
    LEVEL_NAME_TAKEN = "level_name_taken"
    LEVEL_RANK_TAKEN = "level_rank_taken"
    LEVEL_INVALID = "level_invalid"
    # blacklist
    ALREADY_BLACKLISTED = "already_blacklisted"
    REASON_REQUIRED = "reason_required"
