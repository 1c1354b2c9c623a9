from enum import StrEnum


class RoomsErrorCode(StrEnum):
    ROOM_UNAVAILABLE = "room_unavailable"
    ROOM_TYPE_SOLD_OUT = "room_type_sold_out"
    ROOM_INACTIVE = "room_inactive"
    ROOM_HAS_FUTURE_HOLDS = "room_has_future_holds"
    INVALID_STAY_DATES = "invalid_stay_dates"
    # a price quote for a stay longer than one can book (same code as the orders app's)
    STAY_TOO_LONG = "stay_too_long"
    DATE_SPAN_TOO_LONG = "date_span_too_long"
    INVALID_DATE_RANGE = "invalid_date_range"
    CONCURRENT_CHANGE = "concurrent_change"
    HOUSEKEEPING_STATUS_INVALID = "housekeeping_status_invalid"
    HOUSEKEEPING_TRANSITION_NOT_ALLOWED = "housekeeping_transition_not_allowed"
    ROOM_LOCK_OVERLAP = "room_lock_overlap"
    ROOM_LOCK_RELEASED = "room_lock_released"
    ROOM_LOCK_IN_PAST = "room_lock_in_past"
    ROOM_NUMBER_TAKEN = "room_number_taken"
    ROOM_TYPE_NAME_TAKEN = "room_type_name_taken"
    ROOM_TYPE_INACTIVE = "room_type_inactive"
    PRICING_RULE_INVALID = "pricing_rule_invalid"
    # a night priced past one posting (apps.common.money.MAX_POSTING; the orders' and folios' code)
    AMOUNT_TOO_LARGE = "amount_too_large"
    # restrictions a stay breaks (apps.rooms.quote; refused by bookings, kept as a conflict by the intake)
    STAY_CLOSED = "stay_closed"
    STAY_CLOSED_TO_ARRIVAL = "stay_closed_to_arrival"
    STAY_BELOW_MIN_STAY = "stay_below_min_stay"
    RESTRICTION_INVALID = "restriction_invalid"
