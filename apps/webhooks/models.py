"""Webhook subscriptions of a store, the deliveries of order events to them and the log
of every attempt (docs/webhooks.md)."""
from __future__ import annotations

from typing import ClassVar

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WebhookSubscription(models.Model):
    """A URL of a store's partner that hears about order changes, signed with its secret."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    # The HMAC key: the receiver holds the same one (shown once when created).
    secret = models.CharField(max_length=128)
    # Event types delivered (``EVENT_TYPES``); empty: every one.
    event_types = ArrayField(models.CharField(max_length=40), default=list, blank=True, verbose_name=_("event types"))
    is_active = models.BooleanField(_("active"), default=True)
    # Failed attempts in a row (a delivered one resets it); at PMS_WEBHOOK_DISABLE_AFTER the subscription is switched off.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]
        indexes = [models.Index(fields=["store"], condition=Q(is_active=True), name="webhooksub_active_store")]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryStatus(models.TextChoices):
    # Waiting for its turn or its next attempt.
    PENDING = "pending", _("Pending")
    # The receiver answered 2xx.
    DELIVERED = "delivered", _("Delivered")
    # Given up after the last attempt (can be re-sent by hand).
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One order event for one subscription: delivered once, in order per order
    (``UNIQUE (subscription, event_id)``: the pump never makes two)."""

    Status = DeliveryStatus

    DONE: ClassVar[frozenset[str]] = frozenset({Status.DELIVERED, Status.FAILED})

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    # The order event (orders' OrderEvent id: the feed's order) and its order.
    event_id = models.BigIntegerField()
    order_id = models.BigIntegerField()
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhookdelivery_once_per_event"),
            models.CheckConstraint(condition=Q(status__in=["pending", "delivered", "failed"]), name="webhookdelivery_status_known"),
            models.CheckConstraint(condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                                   name="webhookdelivery_delivered_has_time"),
        ]
        indexes = [
            models.Index(fields=["subscription", "order_id", "event_id"], condition=Q(status="pending"), name="webhookdelivery_pending"),
        ]


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, what the receiver answered (or the error), how long. Append-only."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]


class WebhookCursor(models.Model):
    """Where the pump is in orders' change feed (one row per tenant, ``id = 1``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    cursor = models.CharField(max_length=80, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="webhookcursor_one_row")]
