from enum import StrEnum


class RoomsErrorCode(StrEnum):
    ROOM_UNAVAILABLE = "room_unavailable"
    ROOM_TYPE_SOLD_OUT = "room_type_sold_out"
    ROOM_INACTIVE = "room_inactive"
    ROOM_HAS_FUTURE_HOLDS = "room_has_future_holds"
    INVALID_STAY_DATES = "invalid_stay_dates"
