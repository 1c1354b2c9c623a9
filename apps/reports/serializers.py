"""Input and output serializers of the reports API: the audit's daily figures, 营业日报,
range reports and the channel mix (docs/reports.md)."""
from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.fields import CalendarDateField
from apps.common.serializers import OutputSerializer

MONEY = {"max_digits": 14, "decimal_places": 2}
RATIO = {"max_digits": 8, "decimal_places": 4}
STORE_CHOICE_PATTERN = r"^(?:all|[1-9][0-9]{0,17})$"


class DailyStatsQuerySerializer(serializers.Serializer):
    start = CalendarDateField(help_text="First business date (inclusive).")
    end = CalendarDateField(help_text="Last business date (inclusive); at most 366 days after `start`.")


class DailyStatsOutSerializer(serializers.Serializer):
    date = CalendarDateField(read_only=True)
    rooms_total = serializers.IntegerField(read_only=True)
    rooms_out_of_order = serializers.IntegerField(read_only=True)
    rooms_available = serializers.IntegerField(read_only=True)
    rooms_sold = serializers.IntegerField(read_only=True)
    occupancy = serializers.DecimalField(read_only=True, max_digits=6, decimal_places=4, allow_null=True)
    room_revenue = serializers.DecimalField(read_only=True, **MONEY)
    other_revenue = serializers.DecimalField(read_only=True, **MONEY)
    arrivals = serializers.IntegerField(read_only=True)
    departures = serializers.IntegerField(read_only=True)
    no_shows = serializers.IntegerField(read_only=True)
    currency = serializers.CharField(read_only=True)
    computed_at = serializers.DateTimeField(read_only=True)


# --- input ---------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": STORE_CHOICE_PATTERN})
class ReportStoreField(serializers.CharField):
    """``all`` or a store id."""

    default_error_messages = {"invalid_store": _("Give a store id or \"all\".")}

    def __init__(self, **kwargs):
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if re.fullmatch(r"all|[1-9][0-9]{0,17}", value, re.ASCII):
            return value if value == "all" else int(value)
        self.fail("invalid_store")


STORE_HELP = "A store id, or `all` (default): every store you manage."


class DailyReportQuerySerializer(serializers.Serializer):
    date = CalendarDateField(help_text="The business date; its night audit must have closed it.")
    store = ReportStoreField(required=False, default="all", help_text=STORE_HELP)


class RangeReportQuerySerializer(serializers.Serializer):
    start = CalendarDateField(help_text="First night (inclusive).")
    end = CalendarDateField(help_text="Last night (inclusive); at most 366 nights.")
    granularity = serializers.ChoiceField(choices=["day", "week", "month"], required=False, default="day",
                                          help_text="Buckets of the trend: day, week (Monday to Sunday) or month.")
    store = ReportStoreField(required=False, default="all", help_text=STORE_HELP)


class ChannelMixQuerySerializer(serializers.Serializer):
    start = CalendarDateField(help_text="First night (inclusive).")
    end = CalendarDateField(help_text="Last night (inclusive); at most 366 nights.")
    store = ReportStoreField(required=False, default="all", help_text=STORE_HELP)


# --- 营业日报 -------------------------------------------------------------------------------


class ReportExtraSerializer(OutputSerializer):
    category = serializers.CharField(help_text="The extra item's category; empty for extras described at the desk.")
    label = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


class ReportRevenueSerializer(OutputSerializer):
    rooms = serializers.DecimalField(**MONEY, help_text="Room-night charges dated the day, net of that day's voids.")
    extras = ReportExtraSerializer(many=True)
    extras_total = serializers.DecimalField(**MONEY)
    fees_and_manual = serializers.DecimalField(**MONEY, help_text="Cancellation and no-show fees and manual charges.")
    other = serializers.DecimalField(**MONEY, help_text="extras_total + fees_and_manual.")
    total = serializers.DecimalField(**MONEY, help_text="rooms + other.")


class ReportRoomTypeSerializer(OutputSerializer):
    room_type_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    nights = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    adr = serializers.DecimalField(**MONEY, allow_null=True)


class ReportMoneySerializer(OutputSerializer):
    payments = serializers.DecimalField(**MONEY)
    refunds = serializers.DecimalField(**MONEY)
    deposits = serializers.DecimalField(**MONEY)
    deposit_returns = serializers.DecimalField(**MONEY)
    net = serializers.DecimalField(**MONEY, help_text="payments - refunds + deposits - deposit_returns.")


class ReportMethodSerializer(ReportMoneySerializer):
    method_id = serializers.IntegerField(allow_null=True, help_text="Null in the total of several stores.")
    name = serializers.CharField()
    method_type = serializers.CharField()


class ReportCollectionsSerializer(OutputSerializer):
    total = ReportMoneySerializer()
    by_method = ReportMethodSerializer(many=True)


class DailyReportStoreSerializer(OutputSerializer):
    store_id = serializers.IntegerField(allow_null=True, help_text="Null in the total.")
    store_name = serializers.CharField()
    currency = serializers.CharField()
    rooms_total = serializers.IntegerField()
    rooms_out_of_order = serializers.IntegerField()
    rooms_available = serializers.IntegerField()
    rooms_sold = serializers.IntegerField()
    occupancy = serializers.DecimalField(**RATIO, allow_null=True)
    adr = serializers.DecimalField(**MONEY, allow_null=True)
    revpar = serializers.DecimalField(**MONEY, allow_null=True)
    revenue = ReportRevenueSerializer()
    room_types = ReportRoomTypeSerializer(many=True)
    collections = ReportCollectionsSerializer()
    deposits_held = serializers.DecimalField(**MONEY)
    balance_in_house = serializers.DecimalField(**MONEY)
    balance_departed = serializers.DecimalField(**MONEY)
    arrivals = serializers.IntegerField()
    departures = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    cancellations = serializers.IntegerField()
    walk_ins = serializers.IntegerField()


class DailyReportTotalSerializer(DailyReportStoreSerializer):
    store_count = serializers.IntegerField()


class DailyReportOutSerializer(OutputSerializer):
    date = CalendarDateField()
    stores = DailyReportStoreSerializer(many=True)
    total = DailyReportTotalSerializer()
    not_audited = serializers.ListField(child=serializers.IntegerField(), help_text="Stores that have not closed the day.")


# --- range ---------------------------------------------------------------------------------


class RangeFiguresSerializer(OutputSerializer):
    rooms_available = serializers.IntegerField()
    rooms_sold = serializers.IntegerField()
    rooms_out_of_order = serializers.IntegerField()
    occupancy = serializers.DecimalField(**RATIO, allow_null=True)
    adr = serializers.DecimalField(**MONEY, allow_null=True)
    revpar = serializers.DecimalField(**MONEY, allow_null=True)
    room_revenue = serializers.DecimalField(**MONEY)
    other_revenue = serializers.DecimalField(**MONEY)
    total_revenue = serializers.DecimalField(**MONEY)
    audited_nights = serializers.IntegerField(help_text="Store-nights taken from the night audit's figures.")


class RangeChangeSerializer(OutputSerializer):
    occupancy = serializers.DecimalField(**RATIO, allow_null=True, help_text="Difference in points (0.0500 = +5 points).")
    adr = serializers.DecimalField(**RATIO, allow_null=True, help_text="Relative change (0.1250 = +12.5 %).")
    revpar = serializers.DecimalField(**RATIO, allow_null=True)
    room_revenue = serializers.DecimalField(**RATIO, allow_null=True)
    total_revenue = serializers.DecimalField(**RATIO, allow_null=True)
    rooms_sold = serializers.DecimalField(**RATIO, allow_null=True)


class RangeBucketSerializer(RangeFiguresSerializer):
    start = CalendarDateField()
    end = CalendarDateField()


class RangeComparisonSerializer(RangeBucketSerializer):
    change = RangeChangeSerializer()


class RangeStoreSerializer(RangeFiguresSerializer):
    store_id = serializers.IntegerField()
    store_name = serializers.CharField()


class RangeReportOutSerializer(OutputSerializer):
    start = CalendarDateField()
    end = CalendarDateField()
    granularity = serializers.CharField()
    currency = serializers.CharField()
    store_count = serializers.IntegerField()
    total = RangeFiguresSerializer()
    previous = RangeComparisonSerializer(help_text="The same number of nights just before.")
    last_year = RangeComparisonSerializer(help_text="The same dates a year before.")
    buckets = RangeBucketSerializer(many=True)
    by_store = RangeStoreSerializer(many=True)


# --- channel mix ---------------------------------------------------------------------------


class ChannelFiguresSerializer(OutputSerializer):
    channel_id = serializers.IntegerField(allow_null=True, help_text="Null when several stores' channels add up.")
    code = serializers.CharField()
    name = serializers.CharField()
    channel_type = serializers.CharField()
    nights = serializers.IntegerField()
    revenue = serializers.DecimalField(**MONEY)
    adr = serializers.DecimalField(**MONEY, allow_null=True)
    orders = serializers.IntegerField(help_text="Orders arriving in the period, every status.")
    cancelled = serializers.IntegerField()
    cancellation_rate = serializers.DecimalField(**RATIO, allow_null=True)
    avg_lead_days = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    share_of_nights = serializers.DecimalField(**RATIO, allow_null=True)


class ChannelMixOutSerializer(OutputSerializer):
    start = CalendarDateField()
    end = CalendarDateField()
    currency = serializers.CharField()
    store_count = serializers.IntegerField()
    channels = ChannelFiguresSerializer(many=True)
    total = ChannelFiguresSerializer()


# --- consumption analysis --------------------------------------------------------------------


class ConsumptionQuerySerializer(ChannelMixQuerySerializer):
    pass


class ConsumptionCategorySerializer(OutputSerializer):
    category = serializers.CharField(help_text="food, minibar, laundry, service, damage, other; empty: entered at the desk.")
    label = serializers.CharField()
    quantity = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    share = serializers.DecimalField(**RATIO, allow_null=True, help_text="Of the period's extras.")


class ConsumptionItemSerializer(ConsumptionCategorySerializer):
    item_id = serializers.IntegerField(allow_null=True, help_text="The catalogue item; null for an extra entered at "
                                       "the desk, and when several stores' items add up.")
    name = serializers.CharField()


class ConsumptionTotalSerializer(OutputSerializer):
    quantity = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class ConsumptionOutSerializer(OutputSerializer):
    start = CalendarDateField()
    end = CalendarDateField()
    currency = serializers.CharField()
    store_count = serializers.IntegerField()
    items = ConsumptionItemSerializer(many=True)
    categories = ConsumptionCategorySerializer(many=True)
    total = ConsumptionTotalSerializer()
