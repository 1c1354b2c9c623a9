"""Folios (``pms_finance_*``): the bill of an order and its append-only ledger, the store's
payment methods and its extra-charge catalogue.

The ledger (``FolioTransaction``) is append-only, enforced by PostgreSQL: a trigger refuses
every UPDATE, DELETE and TRUNCATE of a posted row, and a correction is a new row (a
reversal, or a transfer pair for a move). Every row posts a signed amount to one of the
folio's totals (``posts_to``); a trigger adds it to that total on the folio row in the
same statement, and CHECK constraints on the folio keep the totals sane (never more
refunded than paid, ...). See docs/folios.md and ``migrations/0002_ledger_sql.py``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.money import DEFAULT_CURRENCY, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

MONEY = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": MONEY_DECIMAL_PLACES}
ZERO = Decimal("0.00")


class PaymentMethod(models.Model):
    """A way the store takes money (``pms_finance_payment_methods``). Recorded by hand for
    now; ``details`` holds what a later gateway integration needs (merchant id, ...)."""

    class Type(models.TextChoices):
        CASH = "cash", _("Cash")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        BANK_CARD = "bank_card", _("Bank card")
        # Paid to the OTA by the guest; the OTA settles with the store later.
        OTA_PREPAID = "ota_prepaid", _("OTA prepaid")
        OTHER = "other", _("Other")
        # The member's stored value (储值) and points: posted, refunded and voided through
        # apps.members' services only, which keep the member's own ledger in step.
        STORED_VALUE = "stored_value", _("Stored value")
        POINTS = "points", _("Member points")

    # Methods whose rows only apps.members may post, refund or void (its ledgers follow).
    MEMBER_TYPES: ClassVar[frozenset[str]] = frozenset({Type.STORED_VALUE, Type.POINTS})

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="payment_methods")
    name = models.CharField(_("name"), max_length=100)
    method_type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.OTHER)
    details = models.JSONField(_("details"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="paymentmethod_name_unique_per_store"),
            # target of the (payment_method, store) composite FK from the ledger
            models.UniqueConstraint(fields=["id", "store"], name="paymentmethod_id_store_unique"),
            models.CheckConstraint(
                condition=Q(method_type__in=[
                    "cash", "wechat", "alipay", "bank_card", "ota_prepaid", "other", "stored_value", "points",
                ]),
                name="paymentmethod_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExtraChargeItem(models.Model):
    """An item of the store's extra-charge catalogue (``pms_finance_extra_charge_items``):
    breakfast, minibar, laundry... posted to a folio with a quantity."""

    class Category(models.TextChoices):
        FOOD = "food", _("Food and drink")
        MINIBAR = "minibar", _("Minibar")
        LAUNDRY = "laundry", _("Laundry")
        SERVICE = "service", _("Service")
        DAMAGE = "damage", _("Damage")
        OTHER = "other", _("Other")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="extra_charge_items")
    name = models.CharField(_("name"), max_length=255)
    default_price = models.DecimalField(_("default price"), **MONEY)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    is_taxable = models.BooleanField(_("taxable"), default=True)
    description = models.TextField(_("description"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extra-charge item")
        verbose_name_plural = _("extra-charge items")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="extrachargeitem_name_unique_per_store"),
            models.UniqueConstraint(fields=["id", "store"], name="extrachargeitem_id_store_unique"),
            models.CheckConstraint(condition=Q(default_price__gte=0), name="extrachargeitem_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Folio(models.Model):
    """The bill of an order (``pms_finance_folios``): one primary folio per order, opened
    lazily, and any number of further ones (another guest's share, a company's).

    The ``total_*`` columns and ``balance`` are written only by the ledger's trigger (a
    second trigger refuses any other UPDATE of them): they always equal the sums of the
    folio's ledger rows, per ``FolioTransaction.posts_to``.
    """

    class Status(models.TextChoices):
        # Derived from the totals and the order's lines not yet charged (``folio_status``),
        # never stored or set: the requirements' 财务状态 diagram mapped onto facts of the
        # ledger (docs/folios.md). Whether the folio is closed is apart (``closed_at``).
        # 未结账: nothing paid yet (or nothing posted at all).
        OPEN = "open", _("Open")
        # 部分支付: money taken (payment or deposit), something still due.
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        # 已结清: something is owed for the stay and it is paid: nothing due.
        SETTLED = "settled", _("Settled")
        # 退款中: the folio owes the guest money (paid beyond what is owed): a refund is due.
        REFUNDING = "refunding", _("Refunding")
        # 已退款: nothing is owed any more and everything paid was refunded.
        REFUNDED = "refunded", _("Refunded")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="folios", verbose_name=_("order"))
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    is_primary = models.BooleanField(_("primary"), default=False)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)

    # Written by the ledger trigger only (see the class docstring).
    total_charges = models.DecimalField(_("charges"), default=ZERO, **MONEY)
    total_discounts = models.DecimalField(_("discounts"), default=ZERO, **MONEY)
    total_payments = models.DecimalField(_("payments"), default=ZERO, **MONEY)
    total_refunds = models.DecimalField(_("refunds"), default=ZERO, **MONEY)
    total_deposits = models.DecimalField(_("deposits received"), default=ZERO, **MONEY)
    total_deposit_returns = models.DecimalField(_("deposits returned"), default=ZERO, **MONEY)
    # charges - discounts - payments + refunds (deposits are not payments)
    balance = models.DecimalField(_("balance"), default=ZERO, **MONEY)

    notes = models.TextField(_("notes"), blank=True, default="")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("folio")
        verbose_name_plural = _("folios")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(is_primary=True), name="folio_one_primary_per_order"),
            # target of the (folio, store, currency) composite FK from the ledger
            models.UniqueConstraint(fields=["id", "store", "currency"], name="folio_id_store_currency_unique"),
            models.CheckConstraint(
                condition=Q(
                    total_charges__gte=0, total_discounts__gte=0, total_payments__gte=0, total_refunds__gte=0,
                    total_deposits__gte=0, total_deposit_returns__gte=0,
                ),
                name="folio_totals_not_negative",
            ),
            # A refund can never exceed what was paid.
            models.CheckConstraint(condition=Q(total_refunds__lte=F("total_payments")), name="folio_refunds_within_payments"),
            models.CheckConstraint(
                condition=Q(total_deposit_returns__lte=F("total_deposits")), name="folio_deposit_returns_within_deposits"
            ),
            models.CheckConstraint(condition=Q(total_discounts__lte=F("total_charges")), name="folio_discounts_within_charges"),
            models.CheckConstraint(
                condition=Q(
                    balance=F("total_charges") - F("total_discounts") - F("total_payments") + F("total_refunds")
                ),
                name="folio_balance_formula",
            ),
        ]
        indexes = [models.Index(fields=["store", "closed_at"], name="folio_store_closed")]

    def __str__(self) -> str:
        return f"F{self.pk}"

    @property
    def deposit_held(self) -> Decimal:
        return self.total_deposits - self.total_deposit_returns

    @property
    def net_paid(self) -> Decimal:
        """Payments less refunds: what the folio contributes to the order's ``paid_amount``."""
        return self.total_payments - self.total_refunds

    @property
    def unposted_amount(self) -> Decimal:
        """What the stay owes that no folio has charged yet (the nights the audit has not
        posted, extras booked but not charged): shown on the primary folio only, from its
        order's figures (``total_amount - charged_amount``; 0 once the stay is called off)."""
        if not self.is_primary:
            return ZERO
        order = self.order
        return order.total_amount - order.charged_amount

    @property
    def amount_due(self) -> Decimal:
        """The balance including the lines not yet charged: what the guest owes on this
        folio now (below zero: what is owed back). Summed over an order's folios it is the
        order's ``due_amount``."""
        return self.balance + self.unposted_amount

    @property
    def status(self) -> str:
        return folio_status(
            charges=self.total_charges, discounts=self.total_discounts, payments=self.total_payments,
            refunds=self.total_refunds, deposits=self.total_deposits, deposit_returns=self.total_deposit_returns,
            unposted=self.unposted_amount,
        )

    @property
    def status_label(self) -> str:
        return Folio.Status(self.status).label


def folio_status(
    *, charges: Decimal, discounts: Decimal, payments: Decimal, refunds: Decimal, deposits: Decimal,
    deposit_returns: Decimal, unposted: Decimal = ZERO,
) -> str:
    """The folio's status, a pure function of its totals and the lines not yet charged
    (``unposted``); first match wins, the table is in docs/folios.md."""
    S = Folio.Status
    owed = charges - discounts + unposted
    due = owed - payments + refunds
    if due < 0:
        return S.REFUNDING
    if due == 0 and refunds > 0 and owed == 0:
        return S.REFUNDED
    if due == 0 and owed > 0:
        return S.SETTLED
    if payments - refunds > 0 or deposits - deposit_returns > 0:
        return S.PARTIALLY_PAID
    return S.OPEN


class FolioTransaction(models.Model):
    """A posted row of a folio's ledger (``pms_finance_transactions``). Never updated or
    deleted (PostgreSQL refuses it): a void is a ``reversal`` row, a move a
    ``transfer_out`` / ``transfer_in`` pair; both reference the original and carry who,
    when and why.

    ``amount`` is signed: positive for postings, negative for the rows that take one back
    (reversal, transfer_out). It is added to the folio total named by ``posts_to``, which is
    the kind's own total for postings and the original's total for corrections.
    """

    class Type(models.TextChoices):
        # Something the guest owes: a room night, an extra, a manual charge.
        CHARGE = "charge", _("Charge")
        # Reduces what the guest owes (never below the charges).
        DISCOUNT = "discount", _("Discount")
        # Money received towards the bill, by a payment method.
        PAYMENT = "payment", _("Payment")
        # Money given back (at most what was paid on the folio).
        REFUND = "refund", _("Refund")
        # A security deposit (押金) received: held, not a payment.
        DEPOSIT = "deposit", _("Deposit received")
        # A held deposit given back.
        DEPOSIT_RETURN = "deposit_return", _("Deposit returned")
        # Takes back (voids) one earlier row of the same folio.
        REVERSAL = "reversal", _("Void")
        # A row moved here from another folio.
        TRANSFER_IN = "transfer_in", _("Moved in")
        # A row moved from here to another folio.
        TRANSFER_OUT = "transfer_out", _("Moved out")

    class PostsTo(models.TextChoices):
        CHARGES = "charges", _("Charges")
        DISCOUNTS = "discounts", _("Discounts")
        PAYMENTS = "payments", _("Payments")
        REFUNDS = "refunds", _("Refunds")
        DEPOSITS = "deposits", _("Deposits received")
        DEPOSIT_RETURNS = "deposit_returns", _("Deposits returned")

    class ChargeType(models.TextChoices):
        ROOM_NIGHT = "room_night", _("Room night")
        EXTRA = "extra", _("Extra")
        MANUAL = "manual", _("Manual charge")

    # The total each posting kind adds to.
    KIND_POSTS_TO: dict[str, str] = {
        Type.CHARGE: PostsTo.CHARGES, Type.DISCOUNT: PostsTo.DISCOUNTS, Type.PAYMENT: PostsTo.PAYMENTS,
        Type.REFUND: PostsTo.REFUNDS, Type.DEPOSIT: PostsTo.DEPOSITS, Type.DEPOSIT_RETURN: PostsTo.DEPOSIT_RETURNS,
    }
    POSTINGS = frozenset(KIND_POSTS_TO)
    # Rows that take another row back; they can themselves be neither voided nor moved.
    TAKE_BACKS = frozenset({Type.REVERSAL, Type.TRANSFER_OUT})
    MONEY_TOTALS = frozenset({PostsTo.PAYMENTS, PostsTo.REFUNDS, PostsTo.DEPOSITS, PostsTo.DEPOSIT_RETURNS})
    # Totals whose changes move the order's money (charged, paid and so total and due);
    # deposits are held apart.
    ORDER_TOTALS = frozenset({PostsTo.CHARGES, PostsTo.DISCOUNTS, PostsTo.PAYMENTS, PostsTo.REFUNDS})

    folio = models.ForeignKey(Folio, on_delete=models.PROTECT, related_name="transactions")
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3)
    transaction_type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    posts_to = models.CharField(_("posts to"), max_length=16, choices=PostsTo.choices)
    charge_type = models.CharField(_("charge type"), max_length=12, choices=ChargeType.choices, blank=True, default="")
    amount = models.DecimalField(_("amount"), **MONEY)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), null=True, blank=True, **MONEY)
    description = models.CharField(_("description"), max_length=255, blank=True, default="")
    # The night of a room-night charge; the day of service of an extra.
    service_date = models.DateField(_("date"), null=True, blank=True)
    payment_method = models.ForeignKey(
        PaymentMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("payment method")
    )
    gateway_txn_id = models.CharField(_("gateway transaction id"), max_length=255, blank=True, default="")
    extra_item = models.ForeignKey(ExtraChargeItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The order line this charge is for. A reference, not a constraint: orders may drop a
    # line (a shortened stay) while the ledger row, which can never change, stays.
    order_item = models.ForeignKey(
        "orders.OrderItem", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # reversal / transfer_out: the row taken back (same folio; at most one per row).
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="taken_back_by"
    )
    # transfer_in: the row moved here (from another folio).
    transfer_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="moved_to"
    )
    reason = models.TextField(_("reason"), blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)
    # The store's business date the row belongs to (docs/night_audit.md): the open business
    # date when it was posted, the audited night for the audit's room charges. Daily
    # figures add rows up by it, whatever the wall clock said at posting.
    business_date = models.DateField(_("business date"))

    class Meta:
        verbose_name = _("folio transaction")
        verbose_name_plural = _("folio transactions")
        ordering = ["id"]
        indexes = [
            # a store's postings of a business day (daily figures) and of a wall-clock period (overview)
            models.Index(fields=["store", "business_date"], name="ledger_store_business_date"),
            models.Index(fields=["store", "posted_at"], name="ledger_store_posted_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(transaction_type__in=[
                    "charge", "discount", "payment", "refund", "deposit", "deposit_return", "reversal", "transfer_in",
                    "transfer_out",
                ]),
                name="ledger_type_valid",
            ),
            # Postings add to their own total; corrections to the original's (checked by the trigger).
            models.CheckConstraint(
                condition=Q(transaction_type="charge", posts_to="charges")
                | Q(transaction_type="discount", posts_to="discounts")
                | Q(transaction_type="payment", posts_to="payments")
                | Q(transaction_type="refund", posts_to="refunds")
                | Q(transaction_type="deposit", posts_to="deposits")
                | Q(transaction_type="deposit_return", posts_to="deposit_returns")
                | Q(
                    transaction_type__in=["reversal", "transfer_in", "transfer_out"],
                    posts_to__in=["charges", "discounts", "payments", "refunds", "deposits", "deposit_returns"],
                ),
                name="ledger_posts_to_valid",
            ),
            models.CheckConstraint(
                condition=Q(transaction_type__in=["reversal", "transfer_out"], amount__lt=0)
                | (~Q(transaction_type__in=["reversal", "transfer_out"]) & Q(amount__gt=0)),
                name="ledger_amount_sign",
            ),
            models.CheckConstraint(
                condition=Q(transaction_type__in=["reversal", "transfer_out"], reverses__isnull=False, transfer_of__isnull=True)
                | Q(transaction_type="transfer_in", transfer_of__isnull=False, reverses__isnull=True)
                | Q(
                    transaction_type__in=["charge", "discount", "payment", "refund", "deposit", "deposit_return"],
                    reverses__isnull=True, transfer_of__isnull=True,
                ),
                name="ledger_reference",
            ),
            models.CheckConstraint(
                condition=Q(transaction_type__in=["charge", "discount", "payment", "refund", "deposit", "deposit_return"])
                | ~Q(reason=""),
                name="ledger_correction_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(posts_to="charges", charge_type__in=["room_night", "extra", "manual"])
                | (~Q(posts_to="charges") & Q(charge_type="")),
                name="ledger_charge_type",
            ),
            models.CheckConstraint(
                condition=~Q(charge_type="room_night") | Q(service_date__isnull=False), name="ledger_room_night_has_date"
            ),
            models.CheckConstraint(
                condition=Q(posts_to__in=["payments", "refunds", "deposits", "deposit_returns"], payment_method__isnull=False)
                | Q(posts_to__in=["charges", "discounts"], payment_method__isnull=True),
                name="ledger_money_has_method",
            ),
            models.CheckConstraint(
                condition=~Q(transaction_type="charge") | Q(unit_price__isnull=True) | Q(amount=F("quantity") * F("unit_price")),
                name="ledger_charge_is_qty_x_price",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="ledger_quantity_positive"),
            # The night audit's guarantee: one room-night charge per folio and night, ever
            # (a voided night stays voided; a rerun posts nothing twice).
            models.UniqueConstraint(
                fields=["folio", "service_date"], condition=Q(transaction_type="charge", charge_type="room_night"),
                name="ledger_one_room_night_per_night",
            ),
            # target of the (reverses, folio) composite FK: a row is taken back on its own folio
            models.UniqueConstraint(fields=["id", "folio"], name="ledger_id_folio_unique"),
        ]

    def __str__(self) -> str:
        return f"T{self.pk} {self.transaction_type} {self.amount}"


class FolioEvent(models.Model):
    """Something that happened to a folio besides a posting: opened, closed, a manager's
    check-out override with its reason. Append-only, like the ledger."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        CLOSED = "closed", _("Closed")
        CHECK_OUT_OVERRIDE = "check_out_override", _("Check-out with a balance (manager override)")

    folio = models.ForeignKey(Folio, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True, default="")
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("folio event")
        verbose_name_plural = _("folio events")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="check_out_override") | ~Q(reason=""), name="folioevent_override_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.folio_id} {self.kind}"
