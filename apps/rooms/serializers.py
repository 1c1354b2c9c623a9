"""Input and output serializers of the rooms API. Inputs only parse; services decide."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.fields import CalendarDateField

from apps.rooms.models import HousekeepingEvent, PricingRule, Room, RoomLock, RoomType


class StoreScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up only among the rows of the request's store (others: "does not exist")."""

    def get_queryset(self):
        return super().get_queryset().filter(store=self.context["store"])


# The component drf-spectacular names after the ``housekeeping`` fields (RoomOut, GridRoom).
@extend_schema_field({"$ref": "#/components/schemas/HousekeepingEnum"})
class HousekeepingStatusField(serializers.ChoiceField):
    """A housekeeping status under another name than ``housekeeping`` (``status``,
    ``from_status``...): refers to the one enum component instead of minting a second
    name for the same choices (or colliding with other apps' ``status`` enums)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Room.Housekeeping.choices, **kwargs)


# Inline (not a named component): ``source`` names other choice sets in other apps.
@extend_schema_field({"allOf": [{"type": "string", "enum": list(HousekeepingEvent.Source.values)}],
                      "description": "manual: set by staff; check_out: a guest checked out"})
class HousekeepingSourceField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=HousekeepingEvent.Source.choices, **kwargs)


def _user_name(user) -> str:
    if user is None:
        return ""
    profile = getattr(user, "staff", None)
    return (profile.display_name if profile else "") or user.get_username()


# --- room types ---------------------------------------------------------------------


class RoomTypeOutSerializer(serializers.ModelSerializer):
    amenities = serializers.ListField(child=serializers.CharField())
    images = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = RoomType
        fields = ["id", "name", "default_price", "capacity", "amenities", "description", "images", "is_active", "sort_order"]


class RoomTypeInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    default_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    capacity = serializers.IntegerField(min_value=1, max_value=50, default=2)
    amenities = serializers.ListField(child=serializers.CharField(max_length=100), default=list)
    description = serializers.CharField(allow_blank=True, default="")
    images = serializers.ListField(child=serializers.CharField(max_length=500), default=list, help_text=_("Image URLs."))
    is_active = serializers.BooleanField(default=True)
    sort_order = serializers.IntegerField(min_value=0, max_value=32767, default=0)


class PriceCalendarQuerySerializer(serializers.Serializer):
    start = CalendarDateField(help_text=_("First night."))
    end = CalendarDateField(help_text=_("Night after the last one (exclusive); at most 366 days after start."))


class PriceQuoteQuerySerializer(serializers.Serializer):
    arrival = CalendarDateField()
    departure = CalendarDateField()


class NightPriceSerializer(serializers.Serializer):
    night = CalendarDateField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    rule_id = serializers.IntegerField(allow_null=True, help_text=_("The pricing rule that set this price, if any."))
    rule_name = serializers.CharField()


class PriceCalendarOutSerializer(serializers.Serializer):
    room_type_id = serializers.IntegerField()
    start = CalendarDateField()
    end = CalendarDateField()
    default_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    nights = NightPriceSerializer(many=True)


class ViolationSerializer(serializers.Serializer):
    """A restriction a stay breaks (``apps.rooms.quote.Violation``)."""

    code = serializers.ChoiceField(choices=["stay_closed", "stay_closed_to_arrival", "stay_below_min_stay"])
    message = serializers.CharField()
    nights = serializers.ListField(child=CalendarDateField())
    min_stay = serializers.IntegerField(required=False, help_text=_("For stay_below_min_stay: the nights required."))


class PriceQuoteOutSerializer(serializers.Serializer):
    room_type_id = serializers.IntegerField()
    arrival = CalendarDateField()
    departure = CalendarDateField()
    los = serializers.IntegerField(help_text=_("Nights of the stay: the length of stay the rules were applied with."))
    nights = NightPriceSerializer(many=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    bookable = serializers.BooleanField(help_text=_("False when the stay breaks a restriction (see violations)."))
    violations = ViolationSerializer(many=True)


# --- rooms --------------------------------------------------------------------------


class RoomOutSerializer(serializers.ModelSerializer):
    room_type_name = serializers.CharField(source="room_type.name")
    housekeeping_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = [
            "id", "number", "floor", "description", "is_active", "sort_order", "room_type_id", "room_type_name",
            "housekeeping", "housekeeping_at", "housekeeping_by_name",
        ]

    def get_housekeeping_by_name(self, obj) -> str:
        return _user_name(obj.housekeeping_by)


class RoomCreateSerializer(serializers.Serializer):
    room_type = StoreScopedPrimaryKeyRelatedField(queryset=RoomType.objects.all())
    number = serializers.CharField(max_length=50)
    floor = serializers.CharField(max_length=50, allow_blank=True, default="")
    description = serializers.CharField(allow_blank=True, default="")
    sort_order = serializers.IntegerField(min_value=0, max_value=32767, default=0)
    is_active = serializers.BooleanField(default=True)


class RoomUpdateSerializer(serializers.Serializer):
    """Activation has its own endpoints (``activate/``, ``deactivate/``)."""

    room_type = StoreScopedPrimaryKeyRelatedField(queryset=RoomType.objects.all(), required=False)
    number = serializers.CharField(max_length=50, required=False)
    floor = serializers.CharField(max_length=50, allow_blank=True, required=False)
    description = serializers.CharField(allow_blank=True, required=False)
    sort_order = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class HousekeepingInSerializer(serializers.Serializer):
    status = HousekeepingStatusField()


class HousekeepingEventOutSerializer(serializers.ModelSerializer):
    from_status = HousekeepingStatusField()
    to_status = HousekeepingStatusField()
    source = HousekeepingSourceField()
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = HousekeepingEvent
        fields = ["id", "from_status", "to_status", "source", "actor_id", "actor_name", "created_at"]

    def get_actor_name(self, obj) -> str:
        return _user_name(obj.actor)


# --- locks --------------------------------------------------------------------------


class RoomLockOutSerializer(serializers.ModelSerializer):
    room_number = serializers.CharField(source="room.number")
    created_by_name = serializers.SerializerMethodField()
    released_by_name = serializers.SerializerMethodField()

    class Meta:
        model = RoomLock
        fields = [
            "id", "room_id", "room_number", "lock_type", "start_date", "end_date", "reason",
            "created_at", "created_by_name", "released_at", "released_by_name",
        ]

    def get_created_by_name(self, obj) -> str:
        return _user_name(obj.created_by)

    def get_released_by_name(self, obj) -> str:
        return _user_name(obj.released_by)


class RoomLockInSerializer(serializers.Serializer):
    room = StoreScopedPrimaryKeyRelatedField(queryset=Room.objects.all())
    lock_type = serializers.ChoiceField(choices=RoomLock.LockType.choices)
    start_date = CalendarDateField(help_text=_("First night locked."))
    end_date = CalendarDateField(help_text=_("Night after the last one locked (exclusive)."))
    reason = serializers.CharField(allow_blank=True, default="")


# --- pricing rules ------------------------------------------------------------------


class PricingRuleOutSerializer(serializers.ModelSerializer):
    days_of_week = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6))
    room_type_name = serializers.CharField(source="room_type.name")

    class Meta:
        model = PricingRule
        fields = [
            "id", "room_type_id", "room_type_name", "name", "date_range_start", "date_range_end", "days_of_week",
            "min_los", "max_los", "adjustment_type", "adjustment_value", "priority", "is_active", "created_at",
        ]


class PricingRuleInSerializer(serializers.Serializer):
    room_type = StoreScopedPrimaryKeyRelatedField(queryset=RoomType.objects.all())
    name = serializers.CharField(max_length=255)
    date_range_start = CalendarDateField(allow_null=True, default=None, help_text=_("First night (inclusive); null: open."))
    date_range_end = CalendarDateField(allow_null=True, default=None, help_text=_("Last night (inclusive); null: open."))
    days_of_week = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), default=list,
        help_text=_("0 = Monday .. 6 = Sunday; empty: every day."),
    )
    min_los = serializers.IntegerField(min_value=1, max_value=PricingRule.LOS_MAX, allow_null=True, default=None)
    max_los = serializers.IntegerField(min_value=1, max_value=PricingRule.LOS_MAX, allow_null=True, default=None)
    adjustment_type = serializers.ChoiceField(choices=PricingRule.AdjustmentType.choices)
    adjustment_value = serializers.DecimalField(max_digits=10, decimal_places=2)
    priority = serializers.IntegerField(default=0, min_value=-1000, max_value=1000)
    is_active = serializers.BooleanField(default=True)


# --- restrictions -----------------------------------------------------------------------


class RestrictionQuerySerializer(serializers.Serializer):
    start = CalendarDateField(help_text=_("First night."))
    end = CalendarDateField(help_text=_("Night after the last one (exclusive); at most 366 days after start."))
    room_type = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, source="room_type_id")


class RestrictionOutSerializer(serializers.Serializer):
    room_type_id = serializers.IntegerField()
    night = CalendarDateField()
    closed = serializers.BooleanField()
    closed_to_arrival = serializers.BooleanField()
    min_stay = serializers.IntegerField(allow_null=True)


class RestrictionInSerializer(serializers.Serializer):
    """Set restrictions over ``[start, end)``; a field left out is left as it is on every night."""

    room_type = StoreScopedPrimaryKeyRelatedField(queryset=RoomType.objects.all())
    start = CalendarDateField(help_text=_("First night."))
    end = CalendarDateField(help_text=_("Night after the last one (exclusive); at most 366 nights."))
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, min_length=1, max_length=7,
        help_text=_("Only these weekdays of the span (0 = Monday .. 6 = Sunday); every night when left out."),
    )
    closed = serializers.BooleanField(required=False, help_text=_("No stay may include the night (stop-sell)."))
    closed_to_arrival = serializers.BooleanField(required=False, help_text=_("No stay may start on the night."))
    min_stay = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=90,
        help_text=_("A stay arriving on the night is at least this many nights; null or 1 clears it."),
    )


class RestrictionSetOutSerializer(serializers.Serializer):
    nights = serializers.IntegerField(help_text=_("Nights set."))


# --- ARI for channels --------------------------------------------------------------------


class AriQuerySerializer(serializers.Serializer):
    start = CalendarDateField(help_text=_("First night."))
    end = CalendarDateField(help_text=_("Night after the last one (exclusive); at most 366 days after start."))
    room_type = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, source="room_type_id")


class AriNightSerializer(serializers.Serializer):
    date = CalendarDateField()
    free = serializers.IntegerField(help_text=_("Rooms of the type left to sell that night."))
    price = serializers.DecimalField(max_digits=12, decimal_places=2,
                                     help_text=_("The night's price by the rules without a length-of-stay bound."))
    closed = serializers.BooleanField()
    closed_to_arrival = serializers.BooleanField()
    min_stay = serializers.IntegerField(help_text=_("Nights a stay arriving that night needs at least (1: no minimum)."))


class AriRoomTypeSerializer(serializers.Serializer):
    room_type_id = serializers.IntegerField()
    name = serializers.CharField()
    nights = AriNightSerializer(many=True)


class AriOutSerializer(serializers.Serializer):
    start = CalendarDateField()
    end = CalendarDateField()
    currency = serializers.CharField()
    room_types = AriRoomTypeSerializer(many=True)


class AriChangesQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=80,
                                   help_text=_("The next_cursor of the previous answer; none on the first call."))
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)


class AriChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["availability", "lock", "capacity", "price", "restriction"])
    room_type_id = serializers.IntegerField()
    first_night = CalendarDateField(allow_null=True, help_text=_("First night touched; null: open (every night before)."))
    last_night = CalendarDateField(allow_null=True, help_text=_("Last night touched (inclusive); null: open."))
    at = serializers.DateTimeField()


class AriChangesOutSerializer(serializers.Serializer):
    changes = AriChangeSerializer(many=True)
    next_cursor = serializers.CharField()
    has_more = serializers.BooleanField()
