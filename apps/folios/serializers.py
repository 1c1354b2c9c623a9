"""Input and output serializers of the folios API (separate where they differ). Amounts
are decimal strings with two places; field names avoid the generic ``status`` / ``kind``
of other apps (``folio_status``, ``transaction_type``) so the schema's enums stay apart."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.common.fields import CalendarDateField, JSONObjectField
from apps.folios.models import ExtraChargeItem, Folio, FolioTransaction, PaymentMethod

MONEY = {"max_digits": 12, "decimal_places": 2}
# An amount in: as wide as the columns; the services refuse more than one posting may carry
# (``amount_too_large``, apps.common.money.MAX_POSTING).
AMOUNT_IN = {"max_digits": 12, "decimal_places": 2}


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


def _actor(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username()}


# --- output ------------------------------------------------------------------------------------


class FolioSummarySerializer(serializers.Serializer):
    """A folio's totals and derived status (a list row; the folio part of a posting's answer).

    Declared field by field rather than a ModelSerializer: every posting answers one, and
    DRF's model introspection was the largest CPU cost of a posting (bench/folio_post.py)."""

    id = serializers.IntegerField(read_only=True)
    order_id = serializers.IntegerField(read_only=True)
    order_code = serializers.CharField(source="order.code", read_only=True)
    guest_name = serializers.CharField(source="order.primary_contact_name", read_only=True)
    name = serializers.CharField(read_only=True)
    is_primary = serializers.BooleanField(read_only=True)
    currency = serializers.CharField(read_only=True)
    total_charges = serializers.DecimalField(read_only=True, **MONEY)
    total_discounts = serializers.DecimalField(read_only=True, **MONEY)
    total_payments = serializers.DecimalField(read_only=True, **MONEY)
    total_refunds = serializers.DecimalField(read_only=True, **MONEY)
    total_deposits = serializers.DecimalField(read_only=True, **MONEY)
    total_deposit_returns = serializers.DecimalField(read_only=True, **MONEY)
    deposit_held = serializers.DecimalField(read_only=True, help_text="Deposits received less returned (not in the balance).", **MONEY)
    balance = serializers.DecimalField(
        source="amount_due", read_only=True,
        help_text="What the guest owes on this folio now (below zero: owed back): posted_balance + unposted_amount. "
        "Summed over the order's folios it is the order's due_amount.", **MONEY,
    )
    posted_balance = serializers.DecimalField(
        source="balance", read_only=True, help_text="The ledger alone: charges - discounts - payments + refunds.", **MONEY
    )
    unposted_amount = serializers.DecimalField(
        read_only=True, help_text="What the stay owes that is not charged yet (nights the audit has not posted, extras "
        "booked but not charged); primary folio only.", **MONEY,
    )
    folio_status = serializers.ChoiceField(
        source="status", choices=Folio.Status.choices, read_only=True,
        help_text="Derived from amount_due and the totals (docs/folios.md): open, partially_paid, settled, refunding, "
        "refunded. Closed or not is closed_at.",
    )
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class TransactionOutSerializer(serializers.Serializer):
    """A ledger row. ``amount`` is signed: negative for a reversal or a transfer_out."""

    id = serializers.IntegerField(read_only=True)
    folio_id = serializers.IntegerField(read_only=True)
    transaction_type = serializers.ChoiceField(choices=FolioTransaction.Type.choices, read_only=True)
    posts_to = serializers.ChoiceField(choices=FolioTransaction.PostsTo.choices, read_only=True,
                                       help_text="The folio total this row adds its amount to.")
    charge_type = serializers.CharField(read_only=True, help_text="room_night, extra or manual for charges; empty otherwise.")
    amount = serializers.DecimalField(read_only=True, **MONEY)
    currency = serializers.CharField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = serializers.DecimalField(read_only=True, allow_null=True, **MONEY)
    description = serializers.CharField(read_only=True)
    service_date = CalendarDateField(read_only=True, allow_null=True)
    payment_method_id = serializers.IntegerField(read_only=True, allow_null=True)
    payment_method_name = serializers.SerializerMethodField()
    gateway_txn_id = serializers.CharField(read_only=True)
    extra_item_id = serializers.IntegerField(read_only=True, allow_null=True)
    order_item_id = serializers.IntegerField(read_only=True, allow_null=True)
    reverses_id = serializers.IntegerField(read_only=True, allow_null=True)
    transfer_of_id = serializers.IntegerField(read_only=True, allow_null=True)
    reason = serializers.CharField(read_only=True)
    actor = serializers.SerializerMethodField()
    posted_at = serializers.DateTimeField(read_only=True)
    business_date = CalendarDateField(
        read_only=True, help_text="The store's business day the row belongs to (the night, for a room charge)."
    )
    is_void = serializers.SerializerMethodField(help_text="Taken back by a reversal (derived, never stored).")
    is_moved = serializers.SerializerMethodField(help_text="Moved to another folio (a transfer_out takes it back here).")
    taken_back_by = serializers.SerializerMethodField(help_text="Id of the reversal or transfer_out that took this row back.")

    def get_payment_method_name(self, tx) -> str | None:
        return tx.payment_method.name if tx.payment_method_id else None

    @extend_schema_field(ActorSerializer(allow_null=True))
    def get_actor(self, tx):
        return _actor(tx.actor if tx.actor_id else None)

    def _taken_back(self, tx):
        return getattr(tx, "taken_back", None)

    def get_is_void(self, tx) -> bool:
        back = self._taken_back(tx)
        return back is not None and back.transaction_type == FolioTransaction.Type.REVERSAL

    def get_is_moved(self, tx) -> bool:
        back = self._taken_back(tx)
        return back is not None and back.transaction_type == FolioTransaction.Type.TRANSFER_OUT

    def get_taken_back_by(self, tx) -> int | None:
        back = self._taken_back(tx)
        return back.pk if back is not None else None


class FolioEventOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="opened, closed, check_out_override")
    actor = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()
    data = serializers.DictField()

    @extend_schema_field(ActorSerializer(allow_null=True))
    def get_actor(self, event):
        return _actor(event.actor if event.actor_id else None)


class UnpostedLineSerializer(serializers.Serializer):
    """A line of the stay no folio has charged yet (应收房费: a night the audit has not
    posted; an extra booked but not charged): counted in ``amount_due``, not in ``balance``."""

    order_item_id = serializers.IntegerField(source="pk")
    kind = serializers.CharField(help_text="room_night or extra")
    service_date = CalendarDateField(allow_null=True)
    description = serializers.CharField()
    amount = serializers.DecimalField(source="total_price", **MONEY)


class FolioDetailSerializer(FolioSummarySerializer):
    """A folio with its ledger (oldest first), the stay's lines not charged yet and events."""

    notes = serializers.CharField(read_only=True)
    unposted_lines = UnpostedLineSerializer(source="unposted", many=True, read_only=True)
    transactions = TransactionOutSerializer(source="ledger", many=True, read_only=True)
    events = FolioEventOutSerializer(source="event_list", many=True, read_only=True)


class PostingOutSerializer(serializers.Serializer):
    """What a posting (or a void) answers: the new ledger row and the folio's new totals."""

    transaction = TransactionOutSerializer()
    folio = FolioSummarySerializer()


class MoveOutSerializer(serializers.Serializer):
    transfer_out = TransactionOutSerializer()
    transfer_in = TransactionOutSerializer()
    folio = FolioSummarySerializer(help_text="The folio the row left.")
    target_folio = FolioSummarySerializer(help_text="The folio the row moved to.")


class PaymentMethodOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentMethod
        fields = ["id", "name", "method_type", "details", "is_active", "sort_order"]
        read_only_fields = fields


class ExtraItemOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtraChargeItem
        fields = ["id", "name", "default_price", "category", "is_taxable", "description", "is_active", "sort_order"]
        read_only_fields = fields


# --- input ------------------------------------------------------------------------------------------


class FolioFilterSerializer(serializers.Serializer):
    order = serializers.IntegerField(required=False, help_text="Only this order's folios.")
    is_closed = serializers.BooleanField(required=False, allow_null=True, default=None)

    def to_filters(self) -> dict:
        data = dict(self.validated_data)
        if "order" in data:
            data["order_id"] = data.pop("order")
        return data


class FolioOpenInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                 help_text="e.g. the company paying, or the guest sharing the bill.")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ChargeInSerializer(serializers.Serializer):
    charge_type = serializers.ChoiceField(
        choices=[FolioTransaction.ChargeType.EXTRA, FolioTransaction.ChargeType.MANUAL], required=False, default=None,
        allow_null=True,
        help_text="extra (default with extra_item): also added to the order's extras; manual: the folio's own. "
        "Room nights are posted by the night audit.",
    )
    extra_item = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="Catalogue item id.")
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="",
                                        help_text="Default: the catalogue item's name.")
    unit_price = serializers.DecimalField(min_value=0, required=False, allow_null=True, default=None, **AMOUNT_IN,
                                          help_text="Default: the catalogue item's price.")
    quantity = serializers.IntegerField(min_value=1, max_value=999, default=1)
    service_date = CalendarDateField(required=False, allow_null=True, default=None)


class MoneyInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**AMOUNT_IN)
    payment_method = serializers.IntegerField(help_text="Payment method id (see payment-methods).")
    gateway_txn_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="",
                                           help_text="The payment provider's transaction id, if any.")
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class DepositReturnInSerializer(MoneyInSerializer):
    amount = serializers.DecimalField(**AMOUNT_IN, required=False, allow_null=True, default=None,
                                      help_text="Default: everything held.")
    payment_method = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="Default: the method the deposit came in by (the latest deposit's, if it came in several ways).",
    )


class RefundInSerializer(MoneyInSerializer):
    reason = serializers.CharField(max_length=2000)


class DiscountInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**AMOUNT_IN)
    reason = serializers.CharField(max_length=2000)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class VoidInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class MoveInSerializer(serializers.Serializer):
    target_folio = serializers.IntegerField(help_text="Id of another folio of this store.")
    reason = serializers.CharField(max_length=2000)


class PaymentMethodInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    method_type = serializers.ChoiceField(choices=PaymentMethod.Type.choices)
    details = JSONObjectField(required=False, default=dict)
    is_active = serializers.BooleanField(required=False, default=True)
    sort_order = serializers.IntegerField(required=False, min_value=0, max_value=32767, default=0)


class ExtraItemInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    default_price = serializers.DecimalField(min_value=0, max_digits=10, decimal_places=2)
    category = serializers.ChoiceField(choices=ExtraChargeItem.Category.choices, required=False, default=ExtraChargeItem.Category.OTHER)
    is_taxable = serializers.BooleanField(required=False, default=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    sort_order = serializers.IntegerField(required=False, min_value=0, max_value=32767, default=0)


class PrintQuerySerializer(serializers.Serializer):
    lang = serializers.ChoiceField(choices=["zh-hans", "en"], required=False, help_text="Default: Accept-Language, else zh-Hans.")
