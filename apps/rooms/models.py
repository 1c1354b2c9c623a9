from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.common.money import MONEY_DECIMAL_PLACES


class RoomType(models.Model):
    """A kind of room a store sells (e.g. 山景大床房). Inventory is counted per type."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="room_types")
    name = models.CharField(_("name"), max_length=255)
    default_price = models.DecimalField(_("default price"), max_digits=10, decimal_places=MONEY_DECIMAL_PLACES)
    capacity = models.PositiveSmallIntegerField(_("max guests"), default=2)
    amenities = models.JSONField(_("amenities"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    images = models.JSONField(_("images"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("room type")
        verbose_name_plural = _("room types")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="roomtype_name_unique_per_store"),
            # target of the (room_type, store) composite FK from Room: a room's type is in its store
            models.UniqueConstraint(fields=["id", "store"], name="roomtype_id_store_unique"),
            models.CheckConstraint(condition=Q(default_price__gte=0), name="roomtype_price_not_negative"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="roomtype_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    """A physical room. Occupancy is derived (orders, locks); housekeeping is stored here."""

    class Housekeeping(models.TextChoices):
        # Guest left or stay-over service due: not ready to sell for arrival.
        DIRTY = "dirty", _("Dirty")
        # A housekeeper is working in the room.
        CLEANING = "cleaning", _("Cleaning")
        # Cleaned, ready for the next guest.
        CLEAN = "clean", _("Clean")
        # Cleaned and checked by a supervisor.
        INSPECTED = "inspected", _("Inspected")

    HOUSEKEEPING_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Housekeeping.DIRTY: frozenset({Housekeeping.CLEANING, Housekeeping.CLEAN}),
        Housekeeping.CLEANING: frozenset({Housekeeping.CLEAN, Housekeeping.DIRTY}),
        Housekeeping.CLEAN: frozenset({Housekeeping.DIRTY, Housekeeping.INSPECTED}),
        Housekeeping.INSPECTED: frozenset({Housekeeping.DIRTY}),
    }

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="rooms")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="rooms")
    number = models.CharField(_("room number"), max_length=50)
    floor = models.CharField(_("floor"), max_length=50, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    housekeeping = models.CharField(
        _("housekeeping"), max_length=20, choices=Housekeeping.choices, default=Housekeeping.CLEAN
    )
    housekeeping_at = models.DateTimeField(_("housekeeping changed at"), null=True, blank=True)
    housekeeping_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["sort_order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="room_number_unique_per_store"),
            # target of the (room, store) composite FKs from RoomNight and RoomLock
            models.UniqueConstraint(fields=["id", "store"], name="room_id_store_unique"),
            models.CheckConstraint(
                condition=Q(housekeeping__in=["dirty", "cleaning", "clean", "inspected"]), name="room_housekeeping_known"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class RoomNight(models.Model):
    """One room held for one night, by a stay or by a lock.

    ``UNIQUE (room, night)`` is the room-level guarantee: no room is held twice on a
    night, whoever tries (two stays, a stay and a lock, two locks), under any
    concurrency. Written only by ``apps.rooms.inventory``.
    """

    class Kind(models.TextChoices):
        STAY = "stay", _("Stay")
        LOCK = "lock", _("Lock")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="nights")
    night = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The holder: an order (orders app) for a stay, a RoomLock for a lock. Plain ids
    # keep rooms free of a dependency on orders.
    order_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    lock = models.ForeignKey("rooms.RoomLock", null=True, blank=True, on_delete=models.CASCADE, related_name="nights")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "night"], name="roomnight_one_holder_per_room_night"),
            models.CheckConstraint(
                condition=(Q(kind="stay", order_id__isnull=False, lock__isnull=True)
                           | Q(kind="lock", order_id__isnull=True, lock__isnull=False)),
                name="roomnight_holder_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "night"], name="roomnight_store_night"),
            # the grid's lock blocks: a handful of lock nights among thousands of stay nights
            models.Index(fields=["store", "night"], condition=Q(kind="lock"), name="roomnight_lock_store_night"),
        ]


class RoomTypeNight(models.Model):
    """Inventory counter of a room type for one night.

    ``capacity`` = active rooms of the type, ``locked`` = those rooms locked that night,
    ``held`` = stays of the type that night (with or without a room assigned).
    ``CHECK (held + locked <= capacity)`` is the type-level guarantee: a type is never
    sold beyond its sellable rooms. Rows are created lazily; written only by
    ``apps.rooms.inventory``.
    """

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="nights")
    night = models.DateField()
    capacity = models.IntegerField()
    locked = models.IntegerField(default=0)
    held = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room_type", "night"], name="roomtypenight_unique"),
            models.CheckConstraint(condition=Q(held__gte=0, locked__gte=0), name="roomtypenight_counts_not_negative"),
            models.CheckConstraint(
                condition=Q(held__lte=F("capacity") - F("locked")), name="roomtypenight_not_oversold"
            ),
        ]
        indexes = [models.Index(fields=["store", "night"], name="roomtypenight_store_night")]


class RoomLock(models.Model):
    """A room taken out of sale for a span of nights (maintenance, out of order, hold)."""

    class LockType(models.TextChoices):
        # Planned work; the room is back after the end date.
        MAINTENANCE = "maintenance", _("Maintenance")
        # Broken; not sellable until repaired.
        OUT_OF_ORDER = "out_of_order", _("Out of order")
        # Kept back by the desk (e.g. for a VIP or an owner's guest).
        HOLD = "hold", _("Temporary hold")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="room_locks")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="locks")
    lock_type = models.CharField(_("lock type"), max_length=20, choices=LockType.choices)
    start_date = models.DateField(_("first night"))
    end_date = models.DateField(_("end (exclusive)"))
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("room lock")
        verbose_name_plural = _("room locks")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="roomlock_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.start_date}..{self.end_date}"


class HousekeepingEvent(models.Model):
    """One change of a room's housekeeping status: who, when, from what to what. Append-only."""

    class Source(models.TextChoices):
        # Set by staff (desk, housekeeper, app).
        MANUAL = "manual", _("Set by staff")
        # Set by a guest's check-out.
        CHECK_OUT = "check_out", _("Guest checked out")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="housekeeping_events")
    from_status = models.CharField(_("from"), max_length=20, choices=Room.Housekeeping.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Room.Housekeeping.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("housekeeping change")
        verbose_name_plural = _("housekeeping changes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=["dirty", "cleaning", "clean", "inspected"]), name="hkevent_to_status_known"
            ),
        ]
        indexes = [models.Index(fields=["room", "-created_at"], name="hkevent_room_created")]

    def __str__(self) -> str:
        return f"{self.room_id}: {self.from_status} -> {self.to_status}"


class PricingRule(models.Model):
    """A price adjustment for a room type (``pms_room_pricing_rules``).

    A rule matches a night when the night is inside ``[date_range_start,
    date_range_end]`` (both inclusive, NULL = open), its weekday is in
    ``days_of_week`` (0 = Monday .. 6 = Sunday, empty = every day) and the stay's
    length is inside ``[min_los, max_los]`` (inclusive, NULL = open). Of the active
    matching rules the highest ``priority`` wins; on a tie, the newest rule (highest
    id) wins. See ``apps.rooms.selectors.stay_price_nights`` and docs/rooms.md.
    """

    class AdjustmentType(models.TextChoices):
        # The night costs exactly ``adjustment_value``.
        FIXED = "fixed", _("Fixed price")
        # default price x (1 + value / 100); -20 is a 20 % discount.
        PERCENT = "percent", _("Percent")
        # default price + value; -50 is 50 yuan off.
        AMOUNT = "amount", _("Amount")

    # Nights of a stay a rule may name (the columns are smallint).
    LOS_MAX: ClassVar[int] = 32767
    # +1,000 % (eleven times the price): a larger percentage is a typing error, and the
    # night's price must stay within one posting (apps.common.money.MAX_POSTING).
    PERCENT_MAX: ClassVar[Decimal] = Decimal("1000")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="pricing_rules")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="pricing_rules")
    name = models.CharField(_("name"), max_length=255)
    date_range_start = models.DateField(_("first night"), null=True, blank=True)
    date_range_end = models.DateField(_("last night"), null=True, blank=True)
    days_of_week = ArrayField(models.PositiveSmallIntegerField(), verbose_name=_("weekdays"), default=list, blank=True)
    min_los = models.PositiveSmallIntegerField(_("minimum nights"), null=True, blank=True)
    max_los = models.PositiveSmallIntegerField(_("maximum nights"), null=True, blank=True)
    adjustment_type = models.CharField(_("adjustment type"), max_length=20, choices=AdjustmentType.choices)
    adjustment_value = models.DecimalField(_("adjustment value"), max_digits=10, decimal_places=MONEY_DECIMAL_PLACES)
    priority = models.IntegerField(_("priority"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pricing rule")
        verbose_name_plural = _("pricing rules")
        ordering = ["room_type_id", "-priority", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_range_start__isnull=True) | Q(date_range_end__isnull=True)
                | Q(date_range_end__gte=F("date_range_start")),
                name="pricingrule_range_end_not_before_start",
            ),
            models.CheckConstraint(condition=Q(min_los__isnull=True) | Q(min_los__gte=1), name="pricingrule_min_los_positive"),
            models.CheckConstraint(
                condition=Q(min_los__isnull=True) | Q(max_los__isnull=True) | Q(max_los__gte=F("min_los")),
                name="pricingrule_min_los_not_above_max",
            ),
            models.CheckConstraint(condition=Q(max_los__isnull=True) | Q(max_los__gte=1), name="pricingrule_max_los_positive"),
            models.CheckConstraint(
                condition=Q(days_of_week__contained_by=[0, 1, 2, 3, 4, 5, 6]), name="pricingrule_weekdays_0_to_6"
            ),
            models.CheckConstraint(
                condition=Q(adjustment_type__in=["fixed", "percent", "amount"]), name="pricingrule_adjustment_type_known"
            ),
            models.CheckConstraint(
                condition=~Q(adjustment_type="fixed") | Q(adjustment_value__gte=0), name="pricingrule_fixed_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(adjustment_type="percent") | Q(adjustment_value__gt=-100),
                name="pricingrule_percent_above_minus_100",
            ),
        ]
        indexes = [models.Index(fields=["room_type", "is_active"], name="pricingrule_type_active")]

    def __str__(self) -> str:
        return self.name


class StayRestriction(models.Model):
    """What a room type's night allows a booking (the rate calendar's restrictions):
    ``closed`` (no stay may include the night: stop-sell), ``closed_to_arrival`` (no stay
    may start on it) and ``min_stay`` (a stay arriving that night must be at least that
    many nights). One row per room type and night; a night without a row has none, and a
    row always carries at least one restriction (``stayrestriction_not_empty``): clearing
    the last one deletes the row. Written only by ``apps.rooms.services.restrictions``;
    read by ``apps.rooms.quote`` (docs/rooms.md, "Restrictions")."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="restrictions")
    night = models.DateField(_("night"))
    closed = models.BooleanField(_("closed"), default=False)
    closed_to_arrival = models.BooleanField(_("closed to arrival"), default=False)
    min_stay = models.PositiveSmallIntegerField(_("minimum stay"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    # The longest minimum stay: the longest stay one can book (apps.rooms.inventory.MAX_STAY_NIGHTS).
    MIN_STAY_MAX: ClassVar[int] = 90

    class Meta:
        verbose_name = _("stay restriction")
        verbose_name_plural = _("stay restrictions")
        constraints = [
            models.UniqueConstraint(fields=["room_type", "night"], name="stayrestriction_one_per_type_night"),
            models.CheckConstraint(
                condition=Q(min_stay__isnull=True) | Q(min_stay__gte=1, min_stay__lte=90), name="stayrestriction_min_stay_1_to_90"
            ),
            models.CheckConstraint(
                # min_stay NULL must not make the CHECK unknown (= passed): IS NOT NULL first
                condition=Q(closed=True) | Q(closed_to_arrival=True) | Q(min_stay__isnull=False, min_stay__gte=2),
                name="stayrestriction_not_empty",
            ),
        ]
        indexes = [models.Index(fields=["store", "night"], name="stayrestriction_store_night")]

    def __str__(self) -> str:
        return f"{self.room_type_id} {self.night}"


class AriChange(models.Model):
    """One change of what a channel reads of a room type (availability, rates,
    restrictions) over a span of nights: the ARI change log a channel polls with a
    cursor (``apps.rooms.ari``). Written only by PostgreSQL triggers (migration
    ``rooms.0006``) on the inventory counters, pricing rules, room types and
    restrictions, whatever path made the change; one row per transaction, room type and
    kind (``xact``: the writing transaction), its span widened by every row the
    transaction touches. ``first_night``/``last_night`` NULL: open (a rule without
    dates, a type's default price)."""

    class Kind(models.TextChoices):
        # Stays held or released (a booking, a change, a cancellation).
        AVAILABILITY = "availability", _("Availability")
        # Rooms locked or unlocked.
        LOCK = "lock", _("Lock")
        # Rooms of the type added or taken out of service.
        CAPACITY = "capacity", _("Capacity")
        # A pricing rule or the type's default price.
        PRICE = "price", _("Price")
        # Closed dates or minimum stay.
        RESTRICTION = "restriction", _("Restriction")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    first_night = models.DateField(null=True)
    last_night = models.DateField(null=True)
    at = models.DateTimeField()
    xact = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["xact", "store", "room_type", "kind"], name="arichange_one_per_xact_type_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=["availability", "lock", "capacity", "price", "restriction"]), name="arichange_kind_known"
            ),
        ]
        indexes = [models.Index(fields=["store", "id"], name="arichange_store_id")]
