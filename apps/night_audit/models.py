"""The night audit's records: one per store and business date it closed, and the day's
figures it wrote (``DailyStoreStats``), which reports read through this app's selectors.

The business date itself is the store's (``apps.tenancy.business_day``); the audit is
what rolls it. The tables keep the names they had when the audit lived in
``apps.reports`` (state-only migrations, no data copied). See docs/night_audit.md.
"""
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.common.money import DEFAULT_CURRENCY, MONEY_DECIMAL_PLACES

MONEY = {"max_digits": 14, "decimal_places": MONEY_DECIMAL_PLACES}


class NightAudit(models.Model):
    """The audit of one business date of a store: one row, whatever the number of attempts.

    ``running`` is committed when an attempt starts; the work itself commits all at once
    together with ``done`` (an attempt killed half-way leaves ``running`` and nothing else).
    """

    class Status(models.TextChoices):
        # An attempt started; if no worker holds the day any more it was interrupted and
        # the next attempt (beat, redelivery or a manager) takes over from scratch.
        RUNNING = "running", _("Running")
        # The day is closed: postings, no-shows, figures and the new business date committed.
        DONE = "done", _("Done")
        # The last attempt raised an error (``last_error``); nothing of it was committed.
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        # Celery beat at the store's audit time.
        BEAT = "beat", _("Scheduled")
        # A manager in the back office.
        MANUAL = "manual", _("Back office")
        # A manager through the REST API (the owner's app).
        API = "api", _("API")

    TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.RUNNING: frozenset({Status.DONE, Status.FAILED, Status.RUNNING}),
        Status.FAILED: frozenset({Status.RUNNING}),
        Status.DONE: frozenset(),
    }

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="night_audits")
    business_date = models.DateField(_("business date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    # Of the attempt that completed (else of the latest attempt).
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    # Deliveries or requests that started on this date (two deliveries at once: 2, one of
    # which found the day taken and did nothing).
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started at"))
    last_attempt_at = models.DateTimeField(_("last attempt at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Duration of the attempt that did the work.
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    # Room charges this audit posted (a rerun posts none and leaves the record alone).
    room_charges_posted = models.DecimalField(_("room charges posted"), default=0, **MONEY)
    # {"in_house", "posted", "already_posted", "zero_rate", "folio_closed", "no_shows",
    #  "no_show_refused", "arrivals_pending", "departures_pending"}
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # What was done, row by row: {"posted": [...], "no_shows": [...], "departures_pending": [...], ...}
    details = models.JSONField(_("details"), default=dict, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        db_table = "reports_nightaudit"
        verbose_name = _("night audit")
        verbose_name_plural = _("night audits")
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "business_date"], name="nightaudit_one_per_store_day"),
            models.CheckConstraint(
                condition=Q(status__in=["running", "done", "failed"]), name="nightaudit_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(finished_at__isnull=False, duration_ms__isnull=False),
                name="nightaudit_done_has_finish",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.business_date.isoformat()} {self.status}"


class DailyStoreStats(models.Model):
    """A store's figures for one business date, written by its night audit (upsert on
    ``(store, date)``: a resumed audit writes the same row again, never a second one).

    Reports (occupancy, ADR, RevPAR, revenue) read these rows instead of the raw lines.
    """

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="daily_stats")
    date = models.DateField(_("date"))
    # Active rooms of the store.
    rooms_total = models.PositiveIntegerField(_("rooms"))
    # Active rooms taken out of sale that night (maintenance, out of order, hold).
    rooms_out_of_order = models.PositiveIntegerField(_("rooms out of order"))
    # rooms_total - rooms_out_of_order
    rooms_available = models.PositiveIntegerField(_("rooms available"))
    # Rooms occupied that night (guests in the house, complimentary ones included).
    rooms_sold = models.PositiveIntegerField(_("rooms sold"))
    # Room-night charges of the night, net of voids.
    room_revenue = models.DecimalField(_("room revenue"), **MONEY)
    # Other charges (extras, manual charges) posted during the business day, net of voids.
    other_revenue = models.DecimalField(_("other revenue"), **MONEY)
    arrivals = models.PositiveIntegerField(_("arrivals"), default=0)
    departures = models.PositiveIntegerField(_("departures"), default=0)
    no_shows = models.PositiveIntegerField(_("no-shows"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        db_table = "reports_dailystorestats"
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["store", "date"], name="dailystorestats_one_per_store_day"),
            models.CheckConstraint(
                condition=Q(rooms_available=F("rooms_total") - F("rooms_out_of_order")), name="dailystorestats_available"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.date.isoformat()}"

    @property
    def occupancy(self):
        """Rooms sold / rooms available (None without available rooms)."""
        if not self.rooms_available:
            return None
        return (Decimal(self.rooms_sold) / Decimal(self.rooms_available)).quantize(Decimal("0.0001"))
