"""Notifications to guests (4.2.2 [P1] 自动化通知): what is sent on which channel, from which
template, and the log of every notification with its status.

Never two copies: one ``Notification`` row per (order event, channel), and per (order,
arrival date, channel) for the arrival reminder, enforced by unique indexes; a row is
sent by whoever holds its row lock, and only while it is ``queued``. See
docs/notifications.md.
"""
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    # The order was confirmed (at booking, or later at the desk).
    ORDER_CONFIRMED = "order_confirmed", _("Order confirmed")
    # The day before arrival, for confirmed orders.
    ARRIVAL_REMINDER = "arrival_reminder", _("Arrival reminder")
    # The order was cancelled.
    ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
    # The guest checked out.
    CHECKED_OUT = "checked_out", _("Checked out")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class NotificationTemplate(models.Model):
    """A store's (or, with no store, the tenant's) wording of one event on one channel in
    one language; without one, the wording shipped in ``apps.notifications.defaults``.

    Django template syntax over a fixed set of plain values (``{{ guest_name }}``,
    ``{{ order_code }}``...; docs/notifications.md lists them)."""

    store = models.ForeignKey(
        "tenancy.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="notification_templates",
        verbose_name=_("store"),
    )
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=20)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="")
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["event", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "language"], condition=Q(store__isnull=True), name="notiftemplate_one_tenant_wide"
            ),
            models.UniqueConstraint(
                fields=["store", "event", "channel", "language"], condition=Q(store__isnull=False),
                name="notiftemplate_one_per_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}/{self.channel}/{self.language}"


class Notification(models.Model):
    """One message of one event to one channel: the notification log."""

    class Status(models.TextChoices):
        # Waiting to be sent (first attempt, or the next one after a failure at ``next_attempt_at``).
        QUEUED = "queued", _("Queued")
        # Accepted by the channel.
        SENT = "sent", _("Sent")
        # Given up after the last attempt, or refused for good by the channel.
        FAILED = "failed", _("Failed")
        # Not sent and never will be: no address for this channel, or no longer true (a
        # reminder for an order cancelled since).
        SKIPPED = "skipped", _("Skipped")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.QUEUED: frozenset({Status.QUEUED, Status.SENT, Status.FAILED, Status.SKIPPED}),
        Status.FAILED: frozenset({Status.QUEUED}),  # a manager's retry
        Status.SENT: frozenset(),
        Status.SKIPPED: frozenset(),
    }

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="notifications")
    # The outbox row it was made from (none for arrival reminders, made by the schedule).
    order_event = models.ForeignKey("orders.OrderEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=20)
    # Arrival reminders: the arrival date reminded of.
    for_date = models.DateField(_("for date"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    # Masked (never a clear phone or address): filled when an attempt resolved it.
    recipient_masked = models.CharField(_("recipient"), max_length=64, blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The channel's message id, if it gives one.
    provider_ref = models.CharField(_("provider reference"), max_length=128, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        constraints = [
            # Never two copies of an order event on one channel.
            models.UniqueConstraint(
                fields=["order_event", "channel"], condition=Q(order_event__isnull=False), name="notification_once_per_event_channel"
            ),
            # One arrival reminder per order, arrival date and channel.
            models.UniqueConstraint(
                fields=["order", "for_date", "channel"], condition=Q(event="arrival_reminder"),
                name="notification_one_reminder_per_arrival",
            ),
            models.CheckConstraint(
                condition=(Q(event="arrival_reminder", order_event__isnull=True, for_date__isnull=False)
                           | (~Q(event="arrival_reminder") & Q(order_event__isnull=False))),
                name="notification_source_matches_event",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "failed", "skipped"]), name="notification_status_valid"
            ),
            models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="notification_queued_due"),
            models.Index(fields=["store", "-id"], name="notification_store_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event}/{self.channel} {self.status}"
