"""Input and output of the members' API. Personal data leaves masked only (the profile's
masked phone); the clear number is read through contacts' reveal, logged."""
from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.members.models import LevelChange, MemberLevel, PointsEntry, StoredValueEntry

AMOUNT_IN = {"max_digits": 12, "decimal_places": 2}


class LevelOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberLevel
        fields = ["id", "name", "rank", "discount_percent", "points_rate", "upgrade_nights", "upgrade_spend"]


class LevelInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    rank = serializers.IntegerField(min_value=0, max_value=1000)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    points_rate = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False)
    upgrade_nights = serializers.IntegerField(min_value=1, max_value=10000, required=False, allow_null=True)
    upgrade_spend = serializers.DecimalField(**AMOUNT_IN, min_value=Decimal("0.01"), required=False, allow_null=True)


class MemberOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="contact.full_name")
    phone_masked = serializers.CharField(source="contact.phone_masked", help_text="Masked; never the number in clear.")
    contact_id = serializers.IntegerField()
    home_store = serializers.IntegerField(source="home_store_id")
    level = LevelOutSerializer()
    period_start = serializers.DateField()
    stored_value = serializers.DecimalField(**AMOUNT_IN)
    stored_value_principal = serializers.DecimalField(source="sv_principal", **AMOUNT_IN)
    stored_value_bonus = serializers.DecimalField(source="sv_bonus", **AMOUNT_IN)
    points = serializers.IntegerField()
    joined_at = serializers.DateTimeField(source="created_at")


class EnrollInSerializer(serializers.Serializer):
    contact = serializers.IntegerField(help_text="A contact (guest profile) of this store with a name and a phone.")
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class TopUpInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**AMOUNT_IN, help_text="Principal paid in.")
    bonus = serializers.DecimalField(**AMOUNT_IN, required=False, default=0, help_text="Bonus given (at most the amount).")
    payment_method = serializers.IntegerField(help_text="How the money was paid: one of the store's payment methods.")


class StoredValueRefundInSerializer(serializers.Serializer):
    payment_method = serializers.IntegerField(help_text="How the principal is paid back.")
    reason = serializers.CharField(max_length=1000)


class StoredValueEntryOutSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**AMOUNT_IN)
    store = serializers.IntegerField(source="store_id")
    origin_store = serializers.IntegerField(source="origin_store_id")
    folio_transaction = serializers.IntegerField(source="folio_transaction_id", allow_null=True)
    payment_method = serializers.IntegerField(source="payment_method_id", allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)

    class Meta:
        model = StoredValueEntry
        fields = ["id", "kind", "principal", "bonus", "amount", "store", "origin_store", "folio_transaction", "payment_method",
                  "reverses", "reason", "created_at"]


class PointsEntryOutSerializer(serializers.ModelSerializer):
    store = serializers.IntegerField(source="store_id")
    order = serializers.IntegerField(source="order_id", allow_null=True)
    folio_transaction = serializers.IntegerField(source="folio_transaction_id", allow_null=True)

    class Meta:
        model = PointsEntry
        fields = ["id", "kind", "points", "store", "order", "folio_transaction", "expires_on", "reason", "created_at"]


class LevelChangeOutSerializer(serializers.ModelSerializer):
    from_level = serializers.CharField(source="from_level.name", allow_null=True, default=None)
    to_level = serializers.CharField(source="to_level.name")

    class Meta:
        model = LevelChange
        fields = ["id", "kind", "from_level", "to_level", "on", "data", "order"]


class MemberDetailSerializer(MemberOutSerializer):
    level_changes = LevelChangeOutSerializer(many=True)


class MemberPaymentInSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    method = serializers.ChoiceField(choices=["stored_value", "points"])
    amount = serializers.DecimalField(**AMOUNT_IN, required=False, allow_null=True, default=None,
                                      help_text="Stored value: the amount to pay.")
    points = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1,
                                      help_text="Points: how many to redeem (x the programme's point value).")


class MemberPaymentVoidInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class FolioPaidOutSerializer(serializers.Serializer):
    transaction_id = serializers.IntegerField(source="transaction.pk")
    transaction_type = serializers.CharField(source="transaction.transaction_type")
    amount = serializers.DecimalField(source="transaction.amount", **AMOUNT_IN)
    folio_id = serializers.IntegerField(source="transaction.folio_id")
    folio_balance = serializers.DecimalField(**AMOUNT_IN)
    member = MemberOutSerializer()


class FiguresQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day (store-local), inclusive.")
    end = serializers.DateField(help_text="Last day, inclusive.")


class LevelCountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    members = serializers.IntegerField()


class FiguresOutSerializer(serializers.Serializer):
    members = serializers.IntegerField()
    by_level = LevelCountSerializer(many=True)
    new_members = serializers.IntegerField()
    stored_value_principal = serializers.DecimalField(**AMOUNT_IN)
    stored_value_bonus = serializers.DecimalField(**AMOUNT_IN)
    points_outstanding = serializers.IntegerField()
    points_value = serializers.DecimalField(**AMOUNT_IN)


class MemberListFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, help_text="Name, or member number.")
    level = serializers.IntegerField(required=False)
