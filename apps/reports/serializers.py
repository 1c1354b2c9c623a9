"""Input and output serializers of the reports API (the daily figures)."""
from __future__ import annotations

from rest_framework import serializers

from apps.common.fields import CalendarDateField

MONEY = {"max_digits": 14, "decimal_places": 2}


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
