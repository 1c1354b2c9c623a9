"""Input and output serializers of the owner's app API.

Plain ``Serializer`` classes (no model introspection per response); the output ones are
``OutputSerializer`` classes, rendered from fields bound once (``apps.common.serializers``). Choice fields reuse
the other apps' choices so that the schema names one enum per set of values
(``StatusEnum`` for order statuses, ``HousekeepingEnum``, ``LockTypeEnum``).
"""
from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.fields import CalendarDateField, CommaSeparatedChoiceField, WallClockTimeField
from apps.common.serializers import OutputSerializer
from apps.mobile.selectors import REMINDER_KINDS, REMINDERS_MAX_LIMIT, ROOM_STATUS_MAX_DAYS, TODAY_MAX_LIMIT
from apps.orders.models import Order, OrderEvent
from apps.rooms.models import Room, RoomLock

MONEY = {"max_digits": 14, "decimal_places": 2}


STORE_CHOICE_PATTERN = r"^(?:all|[1-9][0-9]{0,17})$"


@extend_schema_field({"type": "string", "pattern": STORE_CHOICE_PATTERN})
class StoreChoiceField(serializers.CharField):
    """``all`` or a store id (digits, no leading zero, no spaces: what the schema's pattern says)."""

    default_error_messages = {"invalid_store": _("Give a store id or \"all\".")}

    def __init__(self, **kwargs):
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        # ASCII only: "³".isdigit() is true and int("³") raises
        if re.fullmatch(r"all|[1-9][0-9]{0,17}", value, re.ASCII):
            return value if value == "all" else int(value)
        self.fail("invalid_store")


# --- room status -------------------------------------------------------------------------


class MobileRoomStatusQuerySerializer(serializers.Serializer):
    start = CalendarDateField(required=False, help_text="First night shown. Default: the store's business date.")
    days = serializers.IntegerField(
        required=False, default=7, min_value=1, max_value=ROOM_STATUS_MAX_DAYS,
        help_text=f"Nights shown, 1 to {ROOM_STATUS_MAX_DAYS} (default 7).",
    )


class MobileRoomStatusTypeSerializer(OutputSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    free = serializers.ListField(child=serializers.IntegerField(), help_text="Rooms left to sell, one number per night.")


class MobileRoomStatusStaySerializer(OutputSerializer):
    order_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    guest_name = serializers.CharField()
    arrival = CalendarDateField()
    departure = CalendarDateField()


class MobileRoomStatusLockSerializer(OutputSerializer):
    lock_id = serializers.IntegerField()
    lock_type = serializers.ChoiceField(choices=RoomLock.LockType.choices)
    start = CalendarDateField(help_text="First night of the lock.")
    end = CalendarDateField(help_text="Night after the lock's last one.")


class MobileRoomStatusRoomSerializer(OutputSerializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    floor = serializers.CharField()
    room_type_id = serializers.IntegerField()
    housekeeping = serializers.ChoiceField(choices=Room.Housekeeping.choices)
    states = serializers.CharField(
        help_text="One letter per night of `dates`: V vacant, R reserved (booked, not arrived), "
        "O occupied (in the house or checked out), X out of order (locked)."
    )
    stays = MobileRoomStatusStaySerializer(many=True, help_text="Stays in this room overlapping the window.")
    locks = MobileRoomStatusLockSerializer(many=True, help_text="Locks of this room overlapping the window.")


class MobileStateCountsSerializer(OutputSerializer):
    V = serializers.IntegerField(help_text="vacant")
    R = serializers.IntegerField(help_text="reserved")
    O = serializers.IntegerField(help_text="occupied")  # noqa: E741 - the state letter
    X = serializers.IntegerField(help_text="out of order")


class MobileRoomStatusOutSerializer(OutputSerializer):
    start = CalendarDateField()
    end = CalendarDateField(help_text="The night after the last one shown.")
    dates = serializers.ListField(child=CalendarDateField())
    room_types = MobileRoomStatusTypeSerializer(many=True)
    rooms = MobileRoomStatusRoomSerializer(many=True)
    first_night = MobileStateCountsSerializer(help_text="Rooms per state on the first night.")
    housekeeping = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rooms per housekeeping status (dirty, cleaning, clean, inspected)."
    )


# --- today -----------------------------------------------------------------------------------


class MobileTodayQuerySerializer(serializers.Serializer):
    date = CalendarDateField(required=False, help_text="Default: the store's business date.")
    limit = serializers.IntegerField(
        required=False, default=20, min_value=1, max_value=TODAY_MAX_LIMIT,
        help_text=f"Entries per list, at most {TODAY_MAX_LIMIT} (default 20); the counts are always complete.",
    )


class MobileTodayOrderSerializer(OutputSerializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    guest_name = serializers.CharField()
    room_id = serializers.IntegerField(allow_null=True)
    room_number = serializers.CharField(allow_null=True)
    room_type_name = serializers.CharField()
    arrival = CalendarDateField()
    departure = CalendarDateField()
    adults = serializers.IntegerField()
    children = serializers.IntegerField()
    estimated_arrival_time = WallClockTimeField(allow_null=True)
    channel = serializers.CharField(allow_null=True)
    due_amount = serializers.DecimalField(**MONEY)


class MobileTodayDueSerializer(MobileTodayOrderSerializer):
    overdue = serializers.BooleanField(help_text="Due on an earlier day and still pending.")


class MobileTodayCountsSerializer(OutputSerializer):
    arrivals = serializers.IntegerField()
    in_house = serializers.IntegerField()
    departures = serializers.IntegerField()


class MobileTodayOutSerializer(OutputSerializer):
    date = CalendarDateField()
    counts = MobileTodayCountsSerializer()
    arrivals = MobileTodayDueSerializer(many=True, help_text="Pending or confirmed, due that day or overdue.")
    in_house = MobileTodayOrderSerializer(many=True)
    departures = MobileTodayDueSerializer(many=True, help_text="In the house, due out that day or overdue.")


# --- check-in / check-out / housekeeping ---------------------------------------------------------


class MobileCheckInInSerializer(serializers.Serializer):
    room = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1,
        help_text="Check in to this room (assigned now; another type changes the order's type). Default: the assigned room.",
    )


class MobileCheckOutInSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="",
        help_text="Managers only: check out although the bill is not settled (a balance or a deposit held), with the reason.",
    )


class MobileOrderSerializer(OutputSerializer):
    """An order after a desk action: what the app shows on its card."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    guest_name = serializers.CharField(source="primary_contact_name")
    room_id = serializers.IntegerField(allow_null=True)
    room_number = serializers.CharField(source="room.number", default=None, allow_null=True)
    room_type_id = serializers.IntegerField()
    room_type_name = serializers.CharField(source="room_type.name")
    arrival = CalendarDateField()
    departure = CalendarDateField()
    nights = serializers.IntegerField()
    currency = serializers.CharField()
    total_amount = serializers.DecimalField(**MONEY)
    paid_amount = serializers.DecimalField(**MONEY)
    due_amount = serializers.DecimalField(**MONEY)
    version = serializers.IntegerField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)


# The one enum component of housekeeping statuses (named after rooms' ``housekeeping``
# fields): a field called ``status`` with these choices would mint a second name for
# them and collide with the order statuses' ``StatusEnum``.
@extend_schema_field({"$ref": "#/components/schemas/HousekeepingEnum"})
class HousekeepingStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Room.Housekeeping.choices, **kwargs)


class MobileHousekeepingInSerializer(serializers.Serializer):
    status = HousekeepingStatusField()


class MobileRoomSerializer(OutputSerializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    room_type_id = serializers.IntegerField()
    housekeeping = serializers.ChoiceField(choices=Room.Housekeeping.choices)
    housekeeping_at = serializers.DateTimeField(allow_null=True)
    allowed_next = serializers.ListField(
        child=serializers.CharField(),
        help_text="The housekeeping statuses the room may move to from here (dirty is always allowed).",
    )


# --- reminders -----------------------------------------------------------------------------------


class MobileRemindersQuerySerializer(serializers.Serializer):
    store = StoreChoiceField(required=False, default="all", help_text="A store id, or `all` (default): every store you work in.")
    cursor = serializers.CharField(
        required=False, max_length=100,
        help_text="`next_cursor` of the previous answer. Without it: the newest events, and a cursor to poll with.",
    )
    limit = serializers.IntegerField(required=False, default=50, min_value=1, max_value=REMINDERS_MAX_LIMIT)
    kinds = CommaSeparatedChoiceField(
        choices=OrderEvent.Kind.values, required=False, max_length=300,
        help_text="Comma-separated event kinds. Default: " + ", ".join(REMINDER_KINDS) + ".",
    )

    def validate_kinds(self, value):
        kinds = list(dict.fromkeys(value))
        unknown = [k for k in kinds if k not in OrderEvent.Kind.values]
        if unknown or not kinds:
            raise serializers.ValidationError(_("Unknown kind: %(k)s.") % {"k": ", ".join(unknown) or "-"})
        return kinds


class MobileReminderOrderSerializer(OutputSerializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    guest_name = serializers.CharField()
    arrival = CalendarDateField()
    departure = CalendarDateField()
    room_number = serializers.CharField(allow_null=True)
    room_type_name = serializers.CharField()
    channel = serializers.CharField(allow_null=True)


class MobileReminderEventSerializer(OutputSerializer):
    id = serializers.IntegerField(help_text="Unique and increasing; a client may drop an id it has seen.")
    kind = serializers.CharField(help_text="What happened: " + ", ".join(OrderEvent.Kind.values) + ".")
    kind_label = serializers.CharField()
    at = serializers.DateTimeField()
    store_id = serializers.IntegerField()
    store_name = serializers.CharField()
    from_status = serializers.CharField(allow_null=True, help_text="Order status before (transitions only).")
    to_status = serializers.CharField(allow_null=True, help_text="Order status after (transitions and creation).")
    actor_name = serializers.CharField(help_text="Who did it; empty for the system or an external channel.")
    summary = serializers.CharField(help_text="One line for a notification, in the request's language.")
    order = MobileReminderOrderSerializer()


class MobileRemindersOutSerializer(OutputSerializer):
    events = MobileReminderEventSerializer(many=True)
    next_cursor = serializers.CharField(help_text="Send it as `cursor` next time (opaque).")
    has_more = serializers.BooleanField(help_text="More events are ready: poll again at once with `next_cursor`.")


# --- overview --------------------------------------------------------------------------------------


class MobileOverviewQuerySerializer(serializers.Serializer):
    store = StoreChoiceField(required=False, default="all", help_text="A store id, or `all` (default): every store you manage.")
    date = CalendarDateField(required=False, help_text="Default: each store's business date (the day not closed by its night audit yet).")


class MobileCollectionSerializer(OutputSerializer):
    method_id = serializers.IntegerField(allow_null=True, help_text="The store's payment method; null in the total of several stores.")
    name = serializers.CharField()
    method_type = serializers.CharField(help_text="cash, wechat, alipay, bank_card, ota_prepaid, other")
    payments = serializers.DecimalField(**MONEY)
    refunds = serializers.DecimalField(**MONEY)
    deposits = serializers.DecimalField(**MONEY)
    deposit_returns = serializers.DecimalField(**MONEY)
    net = serializers.DecimalField(**MONEY, help_text="payments - refunds + deposits - deposit_returns")


class MobileCollectionTotalSerializer(OutputSerializer):
    payments = serializers.DecimalField(**MONEY)
    refunds = serializers.DecimalField(**MONEY)
    deposits = serializers.DecimalField(**MONEY)
    deposit_returns = serializers.DecimalField(**MONEY)
    net = serializers.DecimalField(**MONEY)


class MobileCollectionsSerializer(OutputSerializer):
    total = MobileCollectionTotalSerializer()
    by_method = MobileCollectionSerializer(many=True)


class MobilePeriodSerializer(OutputSerializer):
    start = CalendarDateField()
    end = CalendarDateField(help_text="Last night of the period (included).")
    rooms_available = serializers.IntegerField(help_text="Room-nights: active rooms x nights - locked nights.")
    rooms_sold = serializers.IntegerField(help_text="Room-nights of orders holding them.")
    room_revenue = serializers.DecimalField(**MONEY)
    occupancy = serializers.DecimalField(max_digits=7, decimal_places=4, allow_null=True, help_text="sold / available (0.6667 = 66.67 %)")
    adr = serializers.DecimalField(**MONEY, allow_null=True, help_text="room revenue / sold")
    revpar = serializers.DecimalField(**MONEY, allow_null=True, help_text="room revenue / available")
    arrivals = serializers.IntegerField()
    arrivals_checked_in = serializers.IntegerField()
    departures = serializers.IntegerField()
    departures_checked_out = serializers.IntegerField()
    audited_nights = serializers.IntegerField(help_text="Store-nights whose figures come from the night audit.")
    collections = MobileCollectionsSerializer()


class MobileStoreOverviewSerializer(OutputSerializer):
    store_id = serializers.IntegerField()
    store_name = serializers.CharField()
    currency = serializers.CharField()
    date = CalendarDateField()
    today = MobilePeriodSerializer()
    month_to_date = MobilePeriodSerializer()


class MobileOverviewTotalSerializer(OutputSerializer):
    date = CalendarDateField(help_text="The stores' date (the latest one if they are in different time zones).")
    currency = serializers.CharField()
    store_count = serializers.IntegerField()
    today = MobilePeriodSerializer()
    month_to_date = MobilePeriodSerializer()


class MobileOverviewOutSerializer(OutputSerializer):
    total = MobileOverviewTotalSerializer()
    stores = MobileStoreOverviewSerializer(many=True)
