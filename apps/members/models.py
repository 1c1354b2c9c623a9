"""Members (会员) of a tenant: one profile across its stores, a level, stored value (储值) and
points, each on an append-only ledger that PostgreSQL keeps (docs/members.md).

- ``MemberProgram``: the tenant's rules (level period, points expiry, what a point is worth).
- ``MemberLevel``: the tenant's levels (discount, points rate, upgrade rule).
- ``Member``: a contact of the tenant enrolled, with its level and balances. The balances
  (``sv_principal``, ``sv_bonus``, ``points``) are written by the ledgers' triggers only.
- ``StoredValuePocket``: the stored value of a member by the store that took the money
  (``origin_store``): what each store owes its members, and what a spend elsewhere
  settles between stores. Written by the ledger's trigger only.
- ``StoredValueEntry`` and ``PointsEntry``: the ledgers, append-only (UPDATE, DELETE and
  TRUNCATE refused by PostgreSQL; a correction is a new row).
- ``MemberStay``: a checked-out stay counted for the member (once per order): what points,
  upgrades and the period's figures are computed from.
- ``LevelChange``: every change of a member's level, with why.
- ``BlacklistEntry``: a person the tenant does not want to host, with reason, who, when.

SQL objects (triggers, composite checks) are in ``migrations/0002_ledger_sql.py``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

MONEY = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": MONEY_DECIMAL_PLACES}
ZERO = Decimal("0.00")


class MemberProgram(models.Model):
    """The tenant's membership rules: one row (``id = 1``), created on first use."""

    # A level is earned over a period of this many months from the member's period start;
    # at its end the level is set again from the period's stays (a downgrade if they fell short).
    period_months = models.PositiveSmallIntegerField(_("level period (months)"), default=12)
    # Points expire this many days after they were earned.
    points_expiry_days = models.PositiveIntegerField(_("points expire after (days)"), default=730)
    # What one point pays on a folio (0.01: 100 points = 1.00).
    point_value = models.DecimalField(_("value of one point"), max_digits=8, decimal_places=4, default=Decimal("0.0100"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("member programme")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="memberprogram_single_row"),
            models.CheckConstraint(condition=Q(period_months__gte=1, period_months__lte=60), name="memberprogram_period"),
            models.CheckConstraint(condition=Q(points_expiry_days__gte=1), name="memberprogram_expiry"),
            models.CheckConstraint(condition=Q(point_value__gt=0), name="memberprogram_point_value"),
        ]


class MemberLevel(models.Model):
    """A level of the tenant's programme (普通 / 银卡 / 金卡 ...). ``rank`` orders them; the
    level of rank 0 is where every member starts and cannot be lost. A higher level is
    reached by ``upgrade_nights`` nights or ``upgrade_spend`` of room revenue within the
    member's period (either suffices; a level without both is given by hand only)."""

    name = models.CharField(_("name"), max_length=50)
    rank = models.PositiveSmallIntegerField(_("rank"))
    # Discount on room rates for this level, in percent (applied to quotes by the pricing; not in this round).
    discount_percent = models.DecimalField(_("room-rate discount (%)"), max_digits=5, decimal_places=2, default=ZERO)
    # Points earned per 1.00 of checked-out room revenue.
    points_rate = models.DecimalField(_("points per 1.00 of room revenue"), max_digits=6, decimal_places=2, default=Decimal("1.00"))
    upgrade_nights = models.PositiveIntegerField(_("nights to reach it"), null=True, blank=True)
    upgrade_spend = models.DecimalField(_("room revenue to reach it"), null=True, blank=True, **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member level")
        verbose_name_plural = _("member levels")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="memberlevel_name_unique"),
            models.UniqueConstraint(fields=["rank"], name="memberlevel_rank_unique"),
            models.CheckConstraint(condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="memberlevel_discount"),
            models.CheckConstraint(condition=Q(points_rate__gte=0), name="memberlevel_points_rate"),
            models.CheckConstraint(
                condition=Q(upgrade_nights__isnull=True) | Q(upgrade_nights__gte=1), name="memberlevel_nights_positive"
            ),
            models.CheckConstraint(
                condition=Q(upgrade_spend__isnull=True) | Q(upgrade_spend__gt=0), name="memberlevel_spend_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def reached_by(self, *, nights: int, spend: Decimal) -> bool:
        if self.rank == 0:
            return True
        return (self.upgrade_nights is not None and nights >= self.upgrade_nights) or (
            self.upgrade_spend is not None and spend >= self.upgrade_spend
        )


class Member(models.Model):
    """A contact of the tenant enrolled as a member: one per person across the stores (the
    enrolment finds a member by the phone's blind index, whichever store's profile it is).
    The balances are written by the ledgers' triggers only (a guard refuses any other
    UPDATE of them) and CHECKed never negative."""

    contact = models.OneToOneField("contacts.Contact", on_delete=models.PROTECT, related_name="member", verbose_name=_("profile"))
    home_store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("enrolled at"))
    level = models.ForeignKey(MemberLevel, on_delete=models.PROTECT, related_name="members", verbose_name=_("level"))
    # The current level period starts here (enrolment, then each period end).
    period_start = models.DateField(_("period start"))
    # Written by the ledger triggers only.
    sv_principal = models.DecimalField(_("stored value (principal)"), default=ZERO, **MONEY)
    sv_bonus = models.DecimalField(_("stored value (bonus)"), default=ZERO, **MONEY)
    points = models.BigIntegerField(_("points"), default=0)
    notes = models.TextField(_("notes"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-id"]
        constraints = [
            # The stored value and the points can never go below zero, whatever wrote the ledger.
            models.CheckConstraint(condition=Q(sv_principal__gte=0, sv_bonus__gte=0), name="member_stored_value_not_negative"),
            models.CheckConstraint(condition=Q(points__gte=0), name="member_points_not_negative"),
        ]
        indexes = [models.Index(fields=["level", "created_at"], name="member_level_joined")]

    def __str__(self) -> str:
        return f"M{self.pk}"

    @property
    def stored_value(self) -> Decimal:
        return self.sv_principal + self.sv_bonus


class StoredValuePocket(models.Model):
    """A member's stored value taken by one store (``origin_store``): principal and bonus.
    Written by the ledger's trigger only; each CHECKed never negative."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="pockets")
    origin_store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    principal = models.DecimalField(_("principal"), default=ZERO, **MONEY)
    bonus = models.DecimalField(_("bonus"), default=ZERO, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "origin_store"], name="svpocket_one_per_member_store"),
            models.CheckConstraint(condition=Q(principal__gte=0, bonus__gte=0), name="svpocket_not_negative"),
        ]


class StoredValueEntry(models.Model):
    """A row of a member's stored-value ledger: a signed ``principal`` and ``bonus`` added to
    the member's pocket of ``origin_store`` (the store that took the money) by the
    trigger. ``store`` is where it happened (the store that took a top-up, spent it on a
    folio, paid a refund). Never updated or deleted."""

    class Kind(models.TextChoices):
        # Money paid in (principal), with the bonus given for it (充 1000 送 100).
        TOP_UP = "top_up", _("Top-up")
        # Paid on a folio of the tenant.
        SPEND = "spend", _("Spent on a folio")
        # A spend taken back (its folio payment voided): the value comes back.
        SPEND_VOID = "spend_void", _("Spend voided")
        # Principal given back to the member in money.
        REFUND = "refund", _("Refund")
        # Bonus given up when the principal is refunded.
        BONUS_FORFEIT = "bonus_forfeit", _("Bonus forfeited")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="stored_value_entries")
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    origin_store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("taken by"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    principal = models.DecimalField(_("principal"), **MONEY)
    bonus = models.DecimalField(_("bonus"), **MONEY)
    # The folio payment of a spend (or its reversal, for a spend voided); a spend drawn
    # from several stores' pockets is one row per pocket for the one payment.
    folio_transaction = models.ForeignKey(
        "folios.FolioTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How the money came in or went out (a top-up, a refund): one of the store's methods.
    payment_method = models.ForeignKey("folios.PaymentMethod", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A spend voided: the spend row it gives back.
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("stored-value entry")
        verbose_name_plural = _("stored-value entries")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["member", "id"], name="sventry_member"),
            models.Index(fields=["store", "created_at"], name="sventry_store_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="top_up", principal__gt=0, bonus__gte=0, bonus__lte=F("principal"), origin_store=F("store"),
                            payment_method__isnull=False)
                | Q(kind="spend", principal__lte=0, bonus__lte=0, folio_transaction__isnull=False)
                & (Q(principal__lt=0) | Q(bonus__lt=0))
                | Q(kind="spend_void", principal__gte=0, bonus__gte=0, reverses__isnull=False, folio_transaction__isnull=False)
                & (Q(principal__gt=0) | Q(bonus__gt=0))
                | Q(kind="refund", principal__lt=0, bonus=0, payment_method__isnull=False, reason__gt="")
                | Q(kind="bonus_forfeit", principal=0, bonus__lt=0),
                name="sventry_kind_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"SV{self.pk} {self.kind} {self.principal}+{self.bonus}"

    @property
    def amount(self) -> Decimal:
        return self.principal + self.bonus


class PointsEntry(models.Model):
    """A row of a member's points ledger; the trigger adds ``points`` to the member's
    balance (CHECKed never negative). Earned once per stay (``UNIQUE (order) WHERE kind =
    'earn'``), whatever retries the check-out or the audit. Never updated or deleted."""

    class Kind(models.TextChoices):
        # Earned on a checked-out stay's room revenue at the level's rate.
        EARN = "earn", _("Earned")
        # Paid on a folio.
        REDEEM = "redeem", _("Redeemed")
        # A redemption taken back (its folio payment voided).
        REDEEM_VOID = "redeem_void", _("Redemption voided")
        # Earned points past their expiry, not used.
        EXPIRE = "expire", _("Expired")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="points_entries")
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    points = models.BigIntegerField(_("points"))
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    folio_transaction = models.OneToOneField(
        "folios.FolioTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Earned points: the day they expire (kept through that day).
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["member", "id"], name="ptsentry_member")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="earn", points__gt=0, order__isnull=False, expires_on__isnull=False)
                | Q(kind="redeem", points__lt=0, folio_transaction__isnull=False)
                | Q(kind="redeem_void", points__gt=0, reverses__isnull=False, folio_transaction__isnull=False)
                | Q(kind="expire", points__lt=0),
                name="ptsentry_kind_points",
            ),
            # Exactly once per stay, whatever retries the check-out or the audit.
            models.UniqueConstraint(fields=["order"], condition=Q(kind="earn"), name="ptsentry_earn_once_per_order"),
        ]

    def __str__(self) -> str:
        return f"P{self.pk} {self.kind} {self.points}"


class MemberStay(models.Model):
    """A checked-out stay counted for a member, once per order: nights and room revenue
    (net of voids, from the folios) for the level rules."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="stays")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    nights = models.PositiveIntegerField(_("nights"))
    room_revenue = models.DecimalField(_("room revenue"), **MONEY)
    checked_out_on = models.DateField(_("checked out on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["member", "checked_out_on"], name="memberstay_member_day")]
        constraints = [models.CheckConstraint(condition=Q(room_revenue__gte=0), name="memberstay_revenue_not_negative")]


class LevelChange(models.Model):
    """A change of a member's level: enrolment, an upgrade at check-out, a period's end
    (upgrade or downgrade), by hand. Append-only."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        UPGRADE = "upgrade", _("Upgrade")
        DOWNGRADE = "downgrade", _("Downgrade")
        # The period ended and the stays kept the level.
        KEPT = "kept", _("Level kept")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="level_changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_level = models.ForeignKey(MemberLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_level = models.ForeignKey(MemberLevel, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("on"))
    # What the rule saw: {"nights": .., "spend": ".."} over [period_start, on].
    data = models.JSONField(_("data"), default=dict, blank=True)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["enrolled", "upgrade", "downgrade", "kept"]), name="levelchange_kind_valid"
            ),
        ]


class BlacklistEntry(models.Model):
    """A person the tenant does not want to host (黑名单): the desk is warned when booking or
    checking in a guest whose profile, phone or document matches. Lifted, never deleted."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+", verbose_name=_("guest"))
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lift_reason = models.TextField(_("why lifted"), blank=True, default="")

    ACTIVE: ClassVar[Q] = Q(lifted_at__isnull=True)

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=Q(lifted_at__isnull=True), name="blacklist_one_active_per_contact"),
            models.CheckConstraint(condition=~Q(reason=""), name="blacklist_reason_required"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | ~Q(lift_reason=""), name="blacklist_lift_has_reason"
            ),
        ]
