"""Input and output serializers of the orders API (separate where they differ)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.common.fields import CalendarDateField, CommaSeparatedChoiceField, WallClockTimeField
from apps.common.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from apps.common.serializers import InputSerializer, OutputSerializer
from apps.orders.models import CancellationPolicy, Channel, ChannelMapping, Order, OrderEvent, OrderItem
from apps.rooms.models import RoomType
from apps.rooms.serializers import StoreScopedPrimaryKeyRelatedField, ViolationSerializer

MONEY = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": MONEY_DECIMAL_PLACES}


# --- channels ----------------------------------------------------------------------------


class ChannelOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "code", "name", "channel_type", "description", "is_active", "sort_order"]
        read_only_fields = fields


class ChannelInSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    channel_type = serializers.ChoiceField(choices=Channel.Type.choices)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    sort_order = serializers.IntegerField(required=False, min_value=0, max_value=32767, default=0)


# --- order output ------------------------------------------------------------------------------


class OrderRowSerializer(OutputSerializer):
    """An order as a list row (no nested lists).

    Plain ``Serializer`` classes, not ``ModelSerializer``: these render every booking
    response, and model introspection on each instance costs more than the rest of the
    rendering (see bench/booking_soak.py)."""

    # (``OutputSerializer``: rendered from fields bound once, apps.common.serializers.)

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Order.Status.choices, read_only=True)
    source = serializers.ChoiceField(choices=Order.Source.choices, read_only=True)
    channel_id = serializers.IntegerField(read_only=True)
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    external_ref = serializers.CharField(read_only=True, allow_null=True)
    room_type_id = serializers.IntegerField(read_only=True)
    room_type_name = serializers.CharField(source="room_type.name", read_only=True)
    room_id = serializers.IntegerField(read_only=True, allow_null=True)
    room_number = serializers.CharField(source="room.number", read_only=True, default=None, allow_null=True)
    arrival = CalendarDateField(read_only=True)
    departure = CalendarDateField(read_only=True)
    nights = serializers.IntegerField(read_only=True)
    adults = serializers.IntegerField(read_only=True)
    children = serializers.IntegerField(read_only=True)
    guest_name = serializers.CharField(source="primary_contact_name", read_only=True)
    guest_phone = serializers.CharField(source="primary_contact_phone_masked", read_only=True)
    currency = serializers.CharField(read_only=True)
    total_amount = serializers.DecimalField(read_only=True, **MONEY)
    paid_amount = serializers.DecimalField(read_only=True, **MONEY)
    due_amount = serializers.DecimalField(read_only=True, **MONEY)
    is_completed = serializers.BooleanField(
        read_only=True, help_text="已完成: checked out and the account square (due 0.00). A flag, not a status.",
    )
    is_conflict = serializers.BooleanField(read_only=True)
    conflict_reason = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class OrderItemOutSerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=OrderItem.Kind.choices, read_only=True)
    service_date = CalendarDateField(read_only=True, allow_null=True)
    description = serializers.CharField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = serializers.DecimalField(read_only=True, **MONEY)
    total_price = serializers.DecimalField(read_only=True, **MONEY)
    room_type_id = serializers.IntegerField(read_only=True, allow_null=True)
    room_id = serializers.IntegerField(read_only=True, allow_null=True)


class OrderGuestOutSerializer(OutputSerializer):
    contact_id = serializers.IntegerField()
    full_name = serializers.CharField(source="contact.full_name")
    phone = serializers.CharField(source="contact.phone_masked")
    id_type = serializers.CharField(source="contact.id_type")
    id_number = serializers.CharField(source="contact.id_number_masked")
    is_primary = serializers.BooleanField()


class OrderActorSerializer(OutputSerializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class OrderEventOutSerializer(OutputSerializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=OrderEvent.Kind.choices, read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    actor = OrderActorSerializer(allow_null=True, read_only=True)
    at = serializers.DateTimeField(read_only=True)
    data = serializers.JSONField(read_only=True)


class OrderBookerOutSerializer(OutputSerializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    phone = serializers.CharField(source="phone_masked")


class OrderDetailSerializer(OrderRowSerializer):
    """An order with its lines, guests and history (timeline)."""

    booker = OrderBookerOutSerializer(allow_null=True, read_only=True)
    estimated_arrival_time = WallClockTimeField(read_only=True, allow_null=True)
    notes = serializers.CharField(read_only=True)
    cancellation_reason = serializers.CharField(read_only=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    checked_in_at = serializers.DateTimeField(read_only=True, allow_null=True)
    checked_out_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    no_show_at = serializers.DateTimeField(read_only=True, allow_null=True)
    # The lists as ``order_detail_get`` reads them, or as ``order_create`` wrote them.
    items = OrderItemOutSerializer(many=True, read_only=True, source="item_rows")
    guests = OrderGuestOutSerializer(many=True, read_only=True, source="guest_rows")
    events = OrderEventOutSerializer(many=True, read_only=True, source="event_rows")


class IntakeOutSerializer(OrderDetailSerializer):
    """An order as answered to an external system: the detail plus the outcome."""

    outcome = serializers.ChoiceField(
        choices=["confirmed", "conflict", "duplicate"], read_only=True,
        help_text="confirmed: created and holding its nights (201); conflict: kept pending, flagged for the "
        "front desk because the inventory is gone (202); duplicate: this channel's reference was already "
        "received, the existing order is returned (200).",
    )



# --- order input ---------------------------------------------------------------------------------


class OrderPersonInSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=255)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True, default=None)
    id_type = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True, default=None)
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True, default=None)
    is_primary = serializers.BooleanField(required=False, default=False)
    existing_contact_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**63 - 1,
        help_text="After 409 `document_belongs_to_other_contact`: the `extra.contact_id` it named, to use that "
        "existing guest for this document (the typed name is not stored on it). Without it, a document on file "
        "under another name is refused, never silently replaced.",
    )


class OrderExtraInSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=255)
    unit_price = serializers.DecimalField(min_value=0, **MONEY)
    quantity = serializers.IntegerField(min_value=1, max_value=999, default=1)
    service_date = CalendarDateField(required=False, allow_null=True, default=None)


class OrderCreateInSerializer(InputSerializer):
    walk_in = serializers.BooleanField(
        default=False, help_text="A guest at the desk: created, confirmed and checked in at once (needs room; arrival is today)."
    )
    confirm = serializers.BooleanField(
        default=False, help_text="Create as confirmed (holds the nights at once; 409 if they are gone and nothing is created)."
    )
    room_type = serializers.IntegerField(required=False, help_text="Room type id (or give a room).")
    room = serializers.IntegerField(required=False, allow_null=True, default=None)
    arrival = serializers.DateField(required=False)
    departure = serializers.DateField()
    adults = serializers.IntegerField(min_value=1, max_value=50, default=1)
    children = serializers.IntegerField(min_value=0, max_value=50, default=0)
    channel = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Channel id; default direct (walk-in for walk-ins).")
    booker = OrderPersonInSerializer(required=False, allow_null=True, default=None)
    guests = OrderPersonInSerializer(many=True, required=False, default=list)
    estimated_arrival_time = WallClockTimeField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=Order.NOTES_MAX_LENGTH)
    extras = OrderExtraInSerializer(many=True, required=False, default=list)

    def validate(self, attrs):
        if attrs["walk_in"]:
            if not attrs.get("room"):
                raise serializers.ValidationError({"room": [_("A walk-in needs a room.")]})
        else:
            if not attrs.get("arrival"):
                raise serializers.ValidationError({"arrival": [_("This field is required.")]})
        if not attrs.get("room_type") and not attrs.get("room"):
            raise serializers.ValidationError({"room_type": [_("Give a room type or a room.")]})
        return attrs


class OrderUpdateInSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=Order.NOTES_MAX_LENGTH)
    adults = serializers.IntegerField(required=False, min_value=1, max_value=50)
    children = serializers.IntegerField(required=False, min_value=0, max_value=50)
    estimated_arrival_time = WallClockTimeField(required=False, allow_null=True)


class OrderCancelInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class OrderExtendInSerializer(serializers.Serializer):
    departure = serializers.DateField()


class OrderModifyInSerializer(serializers.Serializer):
    arrival = serializers.DateField(required=False)
    departure = serializers.DateField(required=False)
    room_type = serializers.IntegerField(required=False)
    room = serializers.IntegerField(required=False, allow_null=True, help_text="null: back to room-type level (before arrival).")


class OrderAssignRoomInSerializer(serializers.Serializer):
    room = serializers.IntegerField(allow_null=True)


class OrderFilterSerializer(serializers.Serializer):
    status = CommaSeparatedChoiceField(choices=Order.Status.values, required=False,
                                       help_text="One status or several, comma-separated.")
    arrival_from = CalendarDateField(required=False)
    arrival_to = CalendarDateField(required=False)
    departure_from = CalendarDateField(required=False)
    departure_to = CalendarDateField(required=False)
    q = serializers.CharField(required=False, max_length=100, help_text="Order number, guest name or external reference; or a guest's or booker's whole phone or "
                              "document number (counts against the caller's lookup limit: 429 `throttled` beyond it).")
    is_conflict = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_completed = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="true: checked out with nothing due either way (已完成); false: every other order.",
    )
    room = serializers.IntegerField(required=False)
    channel = serializers.IntegerField(required=False)

    def validate_status(self, value):
        statuses = list(dict.fromkeys(value))
        unknown = [s for s in statuses if s not in Order.Status.values]
        if unknown:
            raise serializers.ValidationError(_("Unknown status: %(s)s.") % {"s": ", ".join(unknown)})
        return statuses

    def to_filters(self) -> dict:
        data = dict(self.validated_data)
        if "room" in data:
            data["room_id"] = data.pop("room")
        if "channel" in data:
            data["channel_id"] = data.pop("channel")
        return data


# --- availability, today ------------------------------------------------------------------------


class AvailabilityQuerySerializer(serializers.Serializer):
    arrival = CalendarDateField()
    departure = CalendarDateField()
    adults = serializers.IntegerField(min_value=1, max_value=50, default=1)
    children = serializers.IntegerField(min_value=0, max_value=50, default=0)


class AvailabilityNightSerializer(serializers.Serializer):
    date = CalendarDateField()
    free = serializers.IntegerField()
    price = serializers.DecimalField(**MONEY)


class AvailabilityRoomTypeSerializer(serializers.Serializer):
    room_type_id = serializers.IntegerField()
    name = serializers.CharField()
    capacity = serializers.IntegerField()
    free = serializers.IntegerField(help_text="Rooms free on every night of the stay.")
    nights = AvailabilityNightSerializer(many=True)
    total = serializers.DecimalField(**MONEY)
    bookable = serializers.BooleanField(help_text="False when the stay breaks a restriction of the type (see violations).")
    violations = ViolationSerializer(many=True)


class AvailabilityOutSerializer(serializers.Serializer):
    arrival = CalendarDateField()
    departure = CalendarDateField()
    nights = serializers.IntegerField()
    currency = serializers.CharField()
    room_types = AvailabilityRoomTypeSerializer(many=True)


# --- external intake ---------------------------------------------------------------------------------


class ExternalOrderInSerializer(serializers.Serializer):
    channel = serializers.CharField(max_length=100, help_text="Channel id, code (e.g. ctrip, mall) or name.")
    external_ref = serializers.CharField(max_length=100, help_text="The sender's order number; one order per channel and reference.")
    room_type = serializers.CharField(max_length=255, help_text="The channel's room code (its mapping), or our room type id or exact name.")
    rate_code = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                      help_text="The channel's rate code, for a mapping by rate.")
    arrival = serializers.DateField()
    departure = serializers.DateField()
    adults = serializers.IntegerField(min_value=1, max_value=50, default=1)
    children = serializers.IntegerField(min_value=0, max_value=50, default=0)
    guest = OrderPersonInSerializer(help_text="The booker / main guest.")
    guests = OrderPersonInSerializer(many=True, required=False, default=list)
    amount = serializers.DecimalField(
        min_value=0, required=False, allow_null=True, default=None, **MONEY,
        help_text="What the channel sold the stay for; spread over the nights. Default: the store's prices.",
    )
    cancellation_fee = serializers.DecimalField(
        min_value=0, required=False, allow_null=True, default=None, **MONEY,
        help_text="What the channel charges if the guest cancels or does not come (its terms, not the store's). "
        "Absent or null: free.",
    )
    estimated_arrival_time = WallClockTimeField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=Order.NOTES_MAX_LENGTH)


# --- cancellation policy and fee -----------------------------------------------------------------


class CancellationPolicyOutSerializer(serializers.Serializer):
    free_cancel_hours = serializers.IntegerField(help_text="Free cancellation until this many hours before check-in time on the arrival day.")
    check_in_time = WallClockTimeField()
    cancel_fee = serializers.ChoiceField(choices=CancellationPolicy.CancelFee.choices, help_text="After the free window.")
    cancel_fee_percent = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="For `cancel_fee: percent`.")
    no_show_fee = serializers.ChoiceField(choices=CancellationPolicy.NoShowFee.choices)
    pending_expiry_minutes = serializers.IntegerField(help_text="Unconfirmed orders older than this are cancelled; 0: never.")


class CancellationPolicyInSerializer(serializers.Serializer):
    free_cancel_hours = serializers.IntegerField(min_value=0, max_value=720, required=False)
    check_in_time = WallClockTimeField(required=False)
    cancel_fee = serializers.ChoiceField(choices=CancellationPolicy.CancelFee.choices, required=False)
    cancel_fee_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    no_show_fee = serializers.ChoiceField(choices=CancellationPolicy.NoShowFee.choices, required=False)
    pending_expiry_minutes = serializers.IntegerField(min_value=0, max_value=43200, required=False)


class CancellationFeeQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("cancel", _("Cancellation")), ("no_show", _("No-show"))], default="cancel", required=False)


class CancellationFeeOutSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    kind = serializers.CharField(help_text="cancel or no_show")
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    rule = serializers.CharField(help_text="free_window, free, not_confirmed, first_night, percent, all_nights or channel.")
    free_until = serializers.DateTimeField(allow_null=True, help_text="The end of the free window, if the terms have one.")
    at = serializers.DateTimeField(help_text="The moment the fee is for (now).")
    policy = serializers.JSONField(help_text="The terms the order was booked with (a copy; docs/orders.md).")
    policy_text = serializers.ListField(child=serializers.CharField(), help_text="The terms in words, in the request's language.")


# --- re-pricing: the quotes and a manager's rate (docs/orders.md, "Re-pricing") ---------------


class ExtendQuoteQuerySerializer(serializers.Serializer):
    departure = CalendarDateField(help_text=_("The new departure (after the current one)."))


class ModifyQuoteQuerySerializer(serializers.Serializer):
    arrival = CalendarDateField(required=False)
    departure = CalendarDateField(required=False)
    room_type = serializers.IntegerField(required=False)
    room = serializers.IntegerField(required=False, help_text=_("A room of the store (of another type: the type changes)."))


class QuoteNightSerializer(serializers.Serializer):
    date = CalendarDateField()
    room_type_id = serializers.IntegerField()
    rate_before = serializers.DecimalField(allow_null=True, help_text=_("null: a night the stay does not have yet."), **MONEY)
    rate = serializers.DecimalField(help_text=_("The night's rate after the change."), **MONEY)
    rate_source = serializers.ChoiceField(
        choices=OrderItem.RateSource.choices,
        help_text=_("rules: the pricing rules, re-applied to the whole stay; channel, override: kept."),
    )
    posted = serializers.BooleanField(help_text=_("Already charged on the folio: its difference is the adjustment."))


class RepriceQuoteOutSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    currency = serializers.CharField()
    arrival = CalendarDateField()
    departure = CalendarDateField()
    room_type_id = serializers.IntegerField()
    nights = QuoteNightSerializer(many=True)
    removed = serializers.ListField(child=CalendarDateField(), help_text=_("Nights the change drops."))
    adjustment = serializers.DecimalField(
        help_text=_("Posted on the folio for the nights already charged: below 0 a discount, above 0 a charge."), **MONEY,
    )
    total_before = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(help_text=_("The order's total after the change."), **MONEY)
    paid = serializers.DecimalField(**MONEY)
    due = serializers.DecimalField(**MONEY)


class OrderRateInSerializer(serializers.Serializer):
    rate = serializers.DecimalField(**MONEY)
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    nights = serializers.ListField(
        child=CalendarDateField(), required=False, allow_empty=False,
        help_text=_("The nights to set; omitted: every night not yet charged."),
    )


# --- channel mappings ----------------------------------------------------------------------------


class ChannelMappingOutSerializer(serializers.ModelSerializer):
    channel_code = serializers.CharField(source="channel.code")
    room_type_name = serializers.CharField(source="room_type.name")

    class Meta:
        model = ChannelMapping
        fields = ["id", "channel_id", "channel_code", "external_room_code", "external_rate_code", "room_type_id",
                  "room_type_name", "is_active"]
        read_only_fields = fields


class ChannelMappingInSerializer(serializers.Serializer):
    channel = StoreScopedPrimaryKeyRelatedField(queryset=Channel.objects.all())
    room_type = StoreScopedPrimaryKeyRelatedField(queryset=RoomType.objects.all())
    external_room_code = serializers.CharField(max_length=64, help_text="The channel's code of the room type.")
    external_rate_code = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                               help_text="The channel's rate plan code; blank: any rate.")
    is_active = serializers.BooleanField(required=False, default=True)


class ChannelMappingFilterSerializer(serializers.Serializer):
    channel = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, source="channel_id")
