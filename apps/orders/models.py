"""Orders (``pms_core_orders`` and friends): reservations, their nights and extras, their
history (which is also the outbox), sales channels and the API's idempotency keys.

Inventory is not stored here: an order in a holding state holds its nights through
``apps.rooms.inventory`` (``RoomNight`` rows and ``RoomTypeNight`` counters), whose
PostgreSQL constraints make double bookings impossible. See docs/orders.md.
"""
from datetime import time
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.common.money import DEFAULT_CURRENCY, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

# DECIMAL(12,2) like the folios' columns (the requirements said (10,2): an order paid by its
# folios must hold what they hold); the limits are in apps.common.money.
MONEY_DIGITS = MONEY_MAX_DIGITS


class Channel(models.Model):
    """Where an order comes from (直订, 散客, 电话, an OTA, the mall). Per store."""

    class Type(models.TextChoices):
        # Booked directly with the store (website, WeChat, regulars).
        DIRECT = "direct", _("Direct")
        # A guest who walks in and checks in at once.
        WALK_IN = "walk_in", _("Walk-in")
        # Booked by telephone at the desk.
        PHONE = "phone", _("Phone")
        # An online travel agency (Ctrip, Meituan, Fliggy...).
        OTA = "ota", _("OTA")
        # The platform's own mall (商城).
        MALL = "mall", _("Mall")
        OTHER = "other", _("Other")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="channels")
    # Stable machine name used by external systems (``ctrip``, ``mall``...).
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    channel_type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.OTHER)
    description = models.TextField(_("description"), blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="channel_code_unique_per_store"),
            models.UniqueConstraint(fields=["store", "name"], name="channel_name_unique_per_store"),
            # target of the (channel, store) composite FK from Order
            models.UniqueConstraint(fields=["id", "store"], name="channel_id_store_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ChannelMapping(models.Model):
    """A channel's room-type and rate codes mapped to one of the store's room types: how
    an OTA's or the mall's "DLX-KING" / "BAR" reaches our 山景大床房 (in ARI out and in
    the orders it pushes). One room type per (channel, room code, rate code); a blank
    rate code maps the room code whatever the rate."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="mappings")
    room_type = models.ForeignKey("rooms.RoomType", on_delete=models.PROTECT, related_name="+")
    external_room_code = models.CharField(_("channel room code"), max_length=64)
    external_rate_code = models.CharField(_("channel rate code"), max_length=64, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("channel mapping")
        verbose_name_plural = _("channel mappings")
        ordering = ["channel_id", "external_room_code", "external_rate_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_room_code", "external_rate_code"], name="channelmapping_codes_unique_per_channel"
            ),
            models.CheckConstraint(condition=~Q(external_room_code=""), name="channelmapping_room_code_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.external_room_code}/{self.external_rate_code} -> {self.room_type_id}"


class Order(models.Model):
    """A reservation of one room (type) for a span of nights, from booking to departure."""

    class Status(models.TextChoices):
        # Received but not accepted yet: holds no inventory (an OTA request, a phone enquiry).
        PENDING_CONFIRMATION = "pending_confirmation", _("Pending confirmation")
        # Accepted: its nights are held (room type, and the room once assigned).
        CONFIRMED = "confirmed", _("Confirmed")
        # The guest is in the house.
        CHECKED_IN = "checked_in", _("Checked in")
        # In the house, staying longer than first booked.
        EXTENDED = "extended", _("Extended")
        # The guest has left; the nights used stay on record, unused ones went back to sale.
        CHECKED_OUT = "checked_out", _("Checked out")
        # Called off before arrival; nothing held.
        CANCELLED = "cancelled", _("Cancelled")
        # The guest never came; nothing held.
        NO_SHOW = "no_show", _("No-show")

    # The desk's notes: a few lines, not a document (serializers, forms and services agree).
    NOTES_MAX_LENGTH: ClassVar[int] = 2000

    # Exactly the state diagram of the requirements (4.2.2). Extending an extended stay
    # again is a modification (an ``extended`` event), not a transition.
    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.PENDING_CONFIRMATION: frozenset({Status.CONFIRMED, Status.CANCELLED}),
        Status.CONFIRMED: frozenset({Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW}),
        Status.CHECKED_IN: frozenset({Status.EXTENDED, Status.CHECKED_OUT}),
        Status.EXTENDED: frozenset({Status.CHECKED_OUT}),
        Status.CHECKED_OUT: frozenset(),
        Status.CANCELLED: frozenset(),
        Status.NO_SHOW: frozenset(),
    }
    # States whose nights are held in inventory (checked_out keeps the nights it used).
    HOLDING: ClassVar[frozenset[str]] = frozenset(
        {Status.CONFIRMED, Status.CHECKED_IN, Status.EXTENDED, Status.CHECKED_OUT}
    )
    # States in which the stay may still change (dates, room type, room).
    ACTIVE: ClassVar[frozenset[str]] = frozenset(
        {Status.PENDING_CONFIRMATION, Status.CONFIRMED, Status.CHECKED_IN, Status.EXTENDED}
    )
    # The stay was called off: its lines are not owed (only what was charged on the folio,
    # a cancellation or no-show fee, counts in the total).
    CALLED_OFF: ClassVar[frozenset[str]] = frozenset({Status.CANCELLED, Status.NO_SHOW})
    # The guest is in the house.
    IN_HOUSE: ClassVar[frozenset[str]] = frozenset({Status.CHECKED_IN, Status.EXTENDED})
    # The guest came: in the house, or left. Their nights were used (occupied, sold).
    ARRIVED: ClassVar[frozenset[str]] = frozenset({Status.CHECKED_IN, Status.EXTENDED, Status.CHECKED_OUT})

    class Source(models.TextChoices):
        # Entered by staff (desk, phone).
        MANUAL = "manual", _("Manual")
        # A guest at the desk, checked in at once.
        WALK_IN = "walk_in", _("Walk-in")
        # Pushed by an external system (the mall, a channel manager).
        EXTERNAL = "external", _("External")

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="orders")
    code = models.CharField(_("order number"), max_length=32)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.PENDING_CONFIRMATION)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders", verbose_name=_("channel"))
    external_ref = models.CharField(_("external reference"), max_length=100, null=True, blank=True)

    booker = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="booked_orders",
        verbose_name=_("booker"),
    )
    # Display copies (the contact may change later); never a clear phone or ID number.
    primary_contact_name = models.CharField(_("guest name"), max_length=100, blank=True, default="")
    primary_contact_phone_masked = models.CharField(_("guest phone"), max_length=32, blank=True, default="")

    room_type = models.ForeignKey("rooms.RoomType", on_delete=models.PROTECT, related_name="orders", verbose_name=_("room type"))
    room = models.ForeignKey(
        "rooms.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="orders", verbose_name=_("room")
    )
    arrival = models.DateField(_("arrival"))
    departure = models.DateField(_("departure"))
    adults = models.PositiveSmallIntegerField(_("adults"), default=1)
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    estimated_arrival_time = models.TimeField(_("estimated arrival time"), null=True, blank=True)

    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    total_amount = models.DecimalField(_("total"), max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=0)
    paid_amount = models.DecimalField(_("paid"), max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=0)
    due_amount = models.DecimalField(_("due"), max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=0)
    # What the order's folios have charged (charges less discounts, voids and moves
    # included), as folios tell it (``order_money_set``). ``total_amount`` is this plus
    # the lines not yet posted to a folio (nights the audit has not posted yet, extras
    # booked but not charged) while the order is not cancelled or a no-show
    # (docs/folios.md, "One balance").
    charged_amount = models.DecimalField(
        _("charged"), max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=0
    )

    notes = models.TextField(_("notes"), blank=True, default="")
    # An external order that could not be confirmed (inventory gone): kept, shown to the desk.
    is_conflict = models.BooleanField(_("needs attention"), default=False)
    conflict_reason = models.CharField(_("conflict reason"), max_length=255, blank=True, default="")
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True, default="")
    # The cancellation and no-show terms in force when the order was booked (the store's
    # ``CancellationPolicy``, or the channel's figure for a pushed order), copied so that a
    # later change of the store's policy does not move this order's fee. ``apps/orders/policy.py``.
    cancellation_policy = models.JSONField(_("cancellation policy"), default=dict, blank=True)
    # The guest changed room while in the house: earlier nights stay in the earlier room
    # (see the room-night items); the grid then draws one block per room.
    moved_in_house = models.BooleanField(default=False)

    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("no-show at"), null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every change; lets a client detect that it edited a stale copy.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="order_code_unique_per_store"),
            # target of the (order, store) composite FKs from items and events
            models.UniqueConstraint(fields=["id", "store"], name="order_id_store_unique"),
            # De-duplication of pushed orders: one order per channel and external reference.
            models.UniqueConstraint(fields=["store", "channel", "external_ref"], name="order_external_ref_unique"),
            models.CheckConstraint(condition=Q(departure__gt=F("arrival")), name="order_departure_after_arrival"),
            models.CheckConstraint(condition=Q(adults__gte=1), name="order_at_least_one_adult"),
            models.CheckConstraint(
                condition=Q(status__in=["pending_confirmation", "confirmed", "checked_in", "extended", "checked_out", "cancelled", "no_show"]),
                name="order_status_valid",
            ),
            models.CheckConstraint(condition=Q(due_amount=F("total_amount") - F("paid_amount")), name="order_due_is_total_minus_paid"),
            models.CheckConstraint(condition=Q(total_amount__gte=0, paid_amount__gte=0), name="order_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(charged_amount__gte=0, total_amount__gte=F("charged_amount")), name="order_charged_within_total"
            ),
            # In the house means in a room.
            models.CheckConstraint(
                condition=~Q(status__in=["checked_in", "extended", "checked_out"]) | Q(room__isnull=False),
                name="order_in_house_has_room",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False), name="order_cancelled_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["store", "arrival"], name="order_store_arrival"),
            models.Index(fields=["store", "departure"], name="order_store_departure"),
            models.Index(fields=["store", "status"], name="order_store_status"),
            models.Index(fields=["store", "room", "arrival"], name="order_store_room_arrival"),
            models.Index(fields=["store"], condition=Q(is_conflict=True), name="order_store_conflicts"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days

    @property
    def is_completed(self) -> bool:
        """已完成 (完成结算): checked out, and the account is square (nothing owed either
        way). A flag of the ledger, not a state: a late payment or refund moves it with the
        money (docs/folios.md, "Money truth")."""
        return self.status == self.Status.CHECKED_OUT and self.due_amount == 0

    @property
    def is_holding(self) -> bool:
        return self.status in self.HOLDING


class CancellationPolicy(models.Model):
    """A store's cancellation and no-show terms and how long an unconfirmed order waits
    (4.2.2 P1 取消与退款细则; 5.1 待确认 --> 已取消: 超时未确认). One row per store, written
    when a manager first changes a term; a store without a row has the defaults below.

    Orders copy the terms when booked (``Order.cancellation_policy``); the fee of a
    cancellation or a no-show is computed from that copy (``apps.orders.policy``)."""

    class CancelFee(models.TextChoices):
        # Cancelling is always free.
        NONE = "none", _("Free")
        # After the free window: the first night's locked rate.
        FIRST_NIGHT = "first_night", _("First night")
        # After the free window: a percentage of the stay's room nights.
        PERCENT = "percent", _("Percentage of the stay")

    class NoShowFee(models.TextChoices):
        NONE = "none", _("Free")
        FIRST_NIGHT = "first_night", _("First night")
        ALL_NIGHTS = "all_nights", _("All nights")

    DEFAULT_FREE_HOURS: ClassVar[int] = 24
    DEFAULT_CHECK_IN_TIME: ClassVar[time] = time(14, 0)
    DEFAULT_PERCENT: ClassVar[Decimal] = Decimal("100.00")
    # A pending order holds no room, so its expiry frees nothing for sale: it closes the
    # requests nobody followed up. A day leaves a guest sending a deposit (定金) the evening;
    # a store that takes online prepayment sets 30.
    DEFAULT_PENDING_EXPIRY_MINUTES: ClassVar[int] = 24 * 60

    store = models.OneToOneField("tenancy.Store", on_delete=models.CASCADE, primary_key=True, related_name="+")
    # Free cancellation until this many hours before check-in time on the arrival day.
    free_cancel_hours = models.PositiveIntegerField(
        _("free cancellation until (hours before check-in)"), default=DEFAULT_FREE_HOURS
    )
    check_in_time = models.TimeField(_("check-in time"), default=DEFAULT_CHECK_IN_TIME)
    cancel_fee = models.CharField(
        _("late cancellation fee"), max_length=16, choices=CancelFee.choices, default=CancelFee.FIRST_NIGHT
    )
    cancel_fee_percent = models.DecimalField(
        _("percentage of the stay"), max_digits=5, decimal_places=2, default=DEFAULT_PERCENT
    )
    no_show_fee = models.CharField(
        _("no-show fee"), max_length=16, choices=NoShowFee.choices, default=NoShowFee.FIRST_NIGHT
    )
    # Unconfirmed orders older than this are cancelled (超时未确认); 0: never.
    pending_expiry_minutes = models.PositiveIntegerField(
        _("cancel unconfirmed orders after (minutes)"), default=DEFAULT_PENDING_EXPIRY_MINUTES
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("cancellation policy")
        verbose_name_plural = _("cancellation policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(cancel_fee__in=["none", "first_night", "percent"]), name="cancellationpolicy_cancel_fee_valid"
            ),
            models.CheckConstraint(
                condition=Q(no_show_fee__in=["none", "first_night", "all_nights"]), name="cancellationpolicy_no_show_fee_valid"
            ),
            models.CheckConstraint(
                condition=Q(cancel_fee_percent__gte=0, cancel_fee_percent__lte=100), name="cancellationpolicy_percent_0_100"
            ),
            # at most 30 days of free window, at most 30 days of pending
            models.CheckConstraint(condition=Q(free_cancel_hours__lte=720), name="cancellationpolicy_free_hours_max"),
            models.CheckConstraint(condition=Q(pending_expiry_minutes__lte=43200), name="cancellationpolicy_expiry_max"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}"


class OrderItem(models.Model):
    """A line of an order: one per night (the rate locked at booking time), or an extra."""

    class Kind(models.TextChoices):
        ROOM_NIGHT = "room_night", _("Room night")
        EXTRA = "extra", _("Extra")

    class RateSource(models.TextChoices):
        # Where a room night's rate came from (docs/orders.md, "Re-pricing"): the store's
        # pricing rules, re-applied to the whole stay when its length or type changes; a
        # channel's nightly price or a manager's override, kept through every change.
        RULES = "rules", _("Pricing rules")
        CHANNEL = "channel", _("Channel price")
        OVERRIDE = "override", _("Manager's rate")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    service_date = models.DateField(_("date"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    total_price = models.DecimalField(_("total"), max_digits=MONEY_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    # For a room night: the room type and room it is held in (the per-night record that
    # lets an in-house guest move room without rewriting the nights already spent).
    room_type = models.ForeignKey("rooms.RoomType", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey("rooms.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Charged on a folio (the ledger row references this line): a posted line counts in
    # the order's ``charged_amount``, an unposted one in its total on top of it. Set by
    # folios through ``order_items_posted`` in the transaction that posts the charge.
    posted = models.BooleanField(_("posted"), default=False)
    # A room night's rate source (extras: always ``rules``, unused).
    rate_source = models.CharField(_("rate source"), max_length=16, choices=RateSource.choices, default=RateSource.RULES,
                                   db_default=RateSource.RULES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["-kind", "service_date", "id"]  # room nights (by date), then extras
        constraints = [
            # One room-night line per night of an order.
            models.UniqueConstraint(
                fields=["order", "service_date"], condition=Q(kind="room_night"), name="orderitem_one_line_per_night"
            ),
            models.CheckConstraint(
                condition=~Q(kind="room_night") | Q(service_date__isnull=False, quantity=1, room_type__isnull=False),
                name="orderitem_room_night_has_date",
            ),
            models.CheckConstraint(condition=Q(total_price=F("quantity") * F("unit_price")), name="orderitem_total_is_qty_x_price"),
            models.CheckConstraint(condition=Q(unit_price__gte=0, quantity__gte=1), name="orderitem_price_qty_valid"),
            models.CheckConstraint(condition=Q(rate_source__in=["rules", "channel", "override"]), name="orderitem_rate_source_valid"),
        ]

    def __str__(self) -> str:
        return self.description


class OrderGuest(models.Model):
    """A person staying on an order (linked to a contact; registered with the police)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="guests")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="stays")
    is_primary = models.BooleanField(_("primary guest"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order guest")
        verbose_name_plural = _("order guests")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "contact"], name="orderguest_once_per_order"),
            models.UniqueConstraint(fields=["order"], condition=Q(is_primary=True), name="orderguest_one_primary"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}:{self.contact_id}"


class OrderEvent(models.Model):
    """Something that happened to an order: who, when, from which status to which, and the data.

    Append-only. Also the outbox: notifications and webhooks (later issues) publish rows
    whose ``published_at`` is NULL, in id order, and set it.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CONFIRMED = "confirmed", _("Confirmed")
        CHECKED_IN = "checked_in", _("Checked in")
        EXTENDED = "extended", _("Extended")
        CHECKED_OUT = "checked_out", _("Checked out")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")
        MODIFIED = "modified", _("Stay changed")
        ROOM_ASSIGNED = "room_assigned", _("Room assigned")
        UPDATED = "updated", _("Details edited")
        ITEM_ADDED = "item_added", _("Extra added")
        ITEM_REMOVED = "item_removed", _("Extra removed")
        CONFLICT = "conflict", _("Could not be confirmed")
        GUEST_ADDED = "guest_added", _("Guest added")
        GUEST_REMOVED = "guest_removed", _("Guest removed")
        RATE_OVERRIDDEN = "rate_overridden", _("Rate overridden")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=24, blank=True, default="")
    to_status = models.CharField(_("to"), max_length=24, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(published_at__isnull=True), name="orderevent_unpublished"),
            # a store's newest event (``apps.orders.feed.store_feed_version``) and its feed
            models.Index(fields=["store", "id"], name="orderevent_store_id"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class IdempotencyKey(models.Model):
    """The first outcome of a POST made with an ``Idempotency-Key`` header: per principal
    (the authenticated user) and store, in the tenant's schema. Every POST of the API that
    creates or moves money or bookings takes the header (``apps.orders.idempotency``,
    docs/api.md "Idempotency"); the external intake requires it.

    Inserted and committed (``in_flight``) before the request is processed, so a
    concurrent duplicate sees it and answers 409; updated to ``done`` with the response
    in the same transaction as the work. Kept ``PMS_IDEMPOTENCY_TTL_SECONDS`` (24 h).
    """

    class Status(models.TextChoices):
        # The first request is being processed.
        IN_FLIGHT = "in_flight", _("In flight")
        # Finished: the stored response is replayed to duplicates.
        DONE = "done", _("Done")

    store = models.ForeignKey("tenancy.Store", on_delete=models.CASCADE, related_name="+")
    # Who sent the key: another user's same key is another key (never their answer).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of method, path and the canonical JSON body.
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    # The order the request made, when it made one (the intake, a booking): for the admin.
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "user", "key"], name="idempotencykey_unique_per_principal"),
            models.CheckConstraint(
                condition=Q(status="in_flight") | Q(response_status__isnull=False), name="idempotencykey_done_has_response"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotencykey_expires")]

    def __str__(self) -> str:
        return self.key
