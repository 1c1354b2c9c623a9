"""Input and output serializers of the front desk's API: the room status grid, today's
lists, the check-out. The check-out answers the order as the orders API describes it
(``apps.orders.serializers.OrderDetailSerializer``: one description of that response)."""
from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.fields import CalendarDateField, WallClockTimeField
from apps.common.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from apps.frontdesk.selectors import OCCUPANCY_STATES
from apps.rooms.models import Room, RoomLock

MONEY = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": MONEY_DECIMAL_PLACES}


# --- the room status grid ---------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 90})
class GridDaysField(serializers.IntegerField):
    """The grid's number of nights: the schema states the limit, the view refuses past it
    with its own code (400 ``date_span_too_long``, documented)."""


class GridQuerySerializer(serializers.Serializer):
    start = CalendarDateField(required=False, help_text=_("First night; default: today at the store."))
    days = GridDaysField(default=14, help_text=_("Number of nights, 1 to 90."))


class GridBlockSerializer(serializers.Serializer):
    """A run of nights of one room held by one stay or one lock, clipped to the window."""

    kind = serializers.ChoiceField(choices=["stay", "lock"])
    start = CalendarDateField()
    end = CalendarDateField(help_text=_("Exclusive."))
    order_id = serializers.IntegerField(required=False, help_text=_("Stays only."))
    arrival = CalendarDateField(required=False, allow_null=True, help_text=_("Stays only: the whole stay."))
    departure = CalendarDateField(required=False, allow_null=True)
    status = serializers.CharField(required=False, allow_null=True)
    guest_name = serializers.CharField(required=False)
    channel = serializers.CharField(required=False)
    lock_id = serializers.IntegerField(required=False, help_text=_("Locks only."))
    lock_type = serializers.ChoiceField(choices=RoomLock.LockType.choices, required=False)
    reason = serializers.CharField(required=False)
    lock_start = CalendarDateField(required=False)
    lock_end = CalendarDateField(required=False)


class GridRoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    floor = serializers.CharField()
    room_type_id = serializers.IntegerField()
    room_type_name = serializers.CharField()
    housekeeping = serializers.ChoiceField(choices=Room.Housekeeping.choices)
    housekeeping_at = serializers.DateTimeField(allow_null=True)
    occupancy = serializers.ListField(child=serializers.ChoiceField(choices=OCCUPANCY_STATES), help_text=_("One per date."))
    blocks = GridBlockSerializer(many=True)


class GridRoomTypeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    default_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    free = serializers.ListField(child=serializers.IntegerField(), help_text=_("Rooms left to sell, one per date."))


class GridOutSerializer(serializers.Serializer):
    start = CalendarDateField()
    end = CalendarDateField()
    dates = serializers.ListField(child=CalendarDateField())
    room_types = GridRoomTypeSerializer(many=True)
    rooms = GridRoomSerializer(many=True)


def grid_json(grid: dict) -> dict:
    """``GridOutSerializer``'s shape without running DRF fields over 300 rooms x 90 days
    (that would cost more than the queries): dates are left to the JSON encoder (ISO
    format), money becomes a string, the datetime is rendered as DRF does."""
    datetime_field = serializers.DateTimeField()
    return {
        "start": grid["start"],
        "end": grid["end"],
        "dates": grid["dates"],
        "room_types": [{**t, "default_price": str(t["default_price"])} for t in grid["room_types"]],
        "rooms": [
            {**room, "housekeeping_at": datetime_field.to_representation(room["housekeeping_at"]) if room["housekeeping_at"] else None}
            for room in grid["rooms"]
        ],
    }


# --- today ------------------------------------------------------------------------------------


class TodayQuerySerializer(serializers.Serializer):
    date = CalendarDateField(required=False, help_text="Default: the store's business date.")


class TodayRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.CharField()
    guest_name = serializers.CharField()
    guest_phone = serializers.CharField()
    room_id = serializers.IntegerField(allow_null=True)
    room_number = serializers.CharField(allow_null=True)
    room_type_id = serializers.IntegerField()
    room_type_name = serializers.CharField()
    arrival = CalendarDateField()
    departure = CalendarDateField()
    adults = serializers.IntegerField()
    children = serializers.IntegerField()
    estimated_arrival_time = WallClockTimeField(allow_null=True)
    channel = serializers.CharField()
    due_amount = serializers.DecimalField(**MONEY)
    is_conflict = serializers.BooleanField()
    overdue = serializers.BooleanField(required=False)


class TodayCountsSerializer(serializers.Serializer):
    arrivals = serializers.IntegerField()
    in_house = serializers.IntegerField()
    departures = serializers.IntegerField()


class TodayOutSerializer(serializers.Serializer):
    date = CalendarDateField()
    arrivals = TodayRowSerializer(many=True)
    in_house = TodayRowSerializer(many=True)
    departures = TodayRowSerializer(many=True)
    counts = TodayCountsSerializer()


# --- check-in -----------------------------------------------------------------------------------


class DeskMoneyInSerializer(serializers.Serializer):
    """Money handed over at the desk in the same action (posted to the order's primary folio)."""

    amount = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    payment_method = serializers.IntegerField(help_text="Payment method id (see payment-methods).")
    reference = serializers.CharField(max_length=255, required=False, allow_blank=True, default="",
                                      help_text="The payment provider's transaction id, if any.")


class BookingMoneyInSerializer(serializers.Serializer):
    """What a booking (``POST orders/``) takes besides the order's own fields."""

    payment = DeskMoneyInSerializer(
        required=False, allow_null=True, default=None,
        help_text="A prepayment taken with the booking (posted to the folio). One that meets the store's rule "
        "(setting orders/prepayment_to_confirm: first_night, full or none) confirms a pending order.",
    )
    deposit = DeskMoneyInSerializer(required=False, allow_null=True, default=None,
                                    help_text="A security deposit (押金) taken with the booking: held apart.")


class StayCheckInInSerializer(serializers.Serializer):
    room = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Assign this room now (optional).")
    payment = DeskMoneyInSerializer(required=False, allow_null=True, default=None,
                                    help_text="A payment taken now towards the stay (posted to the folio).")
    deposit = DeskMoneyInSerializer(required=False, allow_null=True, default=None,
                                    help_text="A security deposit (押金) taken now: held apart, not a payment.")


# --- check-out ----------------------------------------------------------------------------------


class OrderCheckOutInSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text="Managers only: check out although a folio is not settled (balance or deposit held), with the reason.",
    )


# --- external intake -------------------------------------------------------------------------------


class ChannelPrepaidInSerializer(serializers.Serializer):
    """What the channel (OTA) collected from the guest for this order, and what it keeps."""

    prepaid_amount = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, min_value=Decimal("0.01"), required=False,
        allow_null=True, default=None,
        help_text="The guest paid the channel this much: the order is settled by a receivable from the channel (挂账, "
        "the store's `ota_prepaid` method), not at the desk.",
    )
    commission = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, min_value=Decimal("0"), required=False,
        allow_null=True, default=None, help_text="What the channel keeps of it (recorded with the receivable).",
    )
