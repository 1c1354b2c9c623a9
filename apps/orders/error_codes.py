from enum import StrEnum


class OrderErrorCode(StrEnum):
    # lifecycle
    ILLEGAL_TRANSITION = "illegal_transition"
    ORDER_NOT_ACTIVE = "order_not_active"
    ROOM_REQUIRED = "room_required"
    TOO_EARLY_TO_CHECK_IN = "too_early_to_check_in"
    TOO_LATE_TO_CHECK_IN = "too_late_to_check_in"
    TOO_EARLY_FOR_NO_SHOW = "too_early_for_no_show"
    CANCELLATION_REASON_REQUIRED = "cancellation_reason_required"
    EXTEND_MUST_LENGTHEN = "extend_must_lengthen"
    IN_HOUSE_CHANGE_NOT_ALLOWED = "in_house_change_not_allowed"
    NOTHING_TO_CHANGE = "nothing_to_change"
    # inventory (same codes as apps.rooms, re-exported so clients see one list)
    ROOM_UNAVAILABLE = "room_unavailable"
    ROOM_TYPE_SOLD_OUT = "room_type_sold_out"
    # input
    INVALID_STAY_DATES = "invalid_stay_dates"
    ARRIVAL_IN_PAST = "arrival_in_past"
    STAY_TOO_LONG = "stay_too_long"
    # arrival later than the store's booking horizon (orders.booking_horizon_days, default 730)
    BEYOND_BOOKING_HORIZON = "beyond_booking_horizon"
    TOO_MANY_GUESTS = "too_many_guests"
    ROOM_NOT_OF_TYPE = "room_not_of_type"
    ROOM_INACTIVE = "room_inactive"
    ROOM_TYPE_INACTIVE = "room_type_inactive"
    CHANNEL_INACTIVE = "channel_inactive"
    CHANNEL_UNKNOWN = "channel_unknown"
    CHANNEL_CODE_TAKEN = "channel_code_taken"
    CHANNEL_NAME_TAKEN = "channel_name_taken"
    ROOM_TYPE_UNKNOWN = "room_type_unknown"
    ITEM_NOT_EXTRA = "item_not_extra"
    ITEM_POSTED = "item_posted"
    # re-pricing and a manager's rate (docs/orders.md, "Re-pricing")
    NIGHT_POSTED = "night_posted"
    NIGHT_NOT_IN_STAY = "night_not_in_stay"
    RATE_REASON_REQUIRED = "rate_reason_required"
    RATE_INVALID = "rate_invalid"
    # limits (apps.common.money): one line, the order's total and paid
    AMOUNT_TOO_LARGE = "amount_too_large"
    ORDER_LIMIT_EXCEEDED = "order_limit_exceeded"
    # guests
    GUEST_ALREADY_ON_ORDER = "guest_already_on_order"
    ORDER_GUEST_REQUIRED = "order_guest_required"
    GUEST_DOCUMENT_REQUIRED = "guest_document_required"
    # Idempotency-Key (every POST that creates or moves money or bookings; docs/api.md)
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    IDEMPOTENCY_KEY_MISMATCH = "idempotency_key_mismatch"
    IDEMPOTENCY_KEY_IN_FLIGHT = "idempotency_key_in_flight"
    # cancellation policy
    POLICY_VALUE_INVALID = "policy_value_invalid"
    # a channel's codes mapped twice (ChannelMapping)
    CHANNEL_MAPPING_TAKEN = "channel_mapping_taken"
    # the change feed
    CURSOR_INVALID = "cursor_invalid"
