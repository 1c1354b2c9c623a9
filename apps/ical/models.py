"""iCal calendars of a store: secret export URLs per room or room type, and the external
calendars imported into a room (docs/ical.md)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IcalExport(models.Model):
    """A secret URL serving the busy nights of one room or one room type as RFC 5545."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey("rooms.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    room_type = models.ForeignKey("rooms.RoomType", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("iCal export")
        verbose_name_plural = _("iCal exports")
        constraints = [
            models.CheckConstraint(
                condition=Q(room__isnull=False, room_type__isnull=True) | Q(room__isnull=True, room_type__isnull=False),
                name="icalexport_room_or_type",
            ),
        ]


class IcalImport(models.Model):
    """An external calendar (Airbnb, Booking.com, a Chinese platform's) read into a room on
    a schedule: each of its events becomes an order of ``channel`` (flagged by its source)."""

    store = models.ForeignKey("tenancy.Store", on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey("rooms.Room", on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey("orders.Channel", on_delete=models.PROTECT, related_name="+")
    url = models.URLField(_("calendar URL"), max_length=500)
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("iCal import")
        verbose_name_plural = _("iCal imports")


class IcalImportedStay(models.Model):
    """An event of an imported calendar and the order it became (by its UID: stable across reads)."""

    feed = models.ForeignKey(IcalImport, on_delete=models.CASCADE, related_name="stays")
    uid = models.CharField(max_length=255)
    order_id = models.BigIntegerField()
    arrival = models.DateField()
    departure = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "uid"], name="icalimportedstay_uid_once_per_feed")]
