"""Reads of notifications: a store's notification settings, the effective templates, the log.

Settings (``tenancy.Setting``, group ``notify``; a store override first, then the
tenant-wide value):

- ``notify.channels`` (JSON list, default ``PMS_NOTIFICATION_DEFAULT_CHANNELS``): channels used;
- ``notify.events`` (JSON list, default all four events): events notified;
- ``notify.language`` (``zh-hans`` default, or ``en``);
- ``notify.reminder_time`` (time, default 10:00): from when, store-local, the arrival
  reminders of tomorrow's arrivals go out (until 21:00).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from apps.notifications.channels import channel_codes, channel_get
from apps.notifications.defaults import DEFAULTS
from apps.notifications.models import Event, Language, Notification, NotificationTemplate
from apps.tenancy.models import Store
from apps.tenancy.selectors import setting_value

DEFAULT_REMINDER_TIME = time(10, 0)
REMINDER_WINDOW_END = time(21, 0)


@dataclass(frozen=True)
class NotifySettings:
    channels: tuple[str, ...]
    events: frozenset[str]
    language: str
    reminder_time: time


def _as_list(value, default: list[str]) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)):
        return list(default)
    return [str(v) for v in value]


def notify_settings(*, store: Store) -> NotifySettings:

    configured = channel_codes()
    channels = _as_list(setting_value(store=store, group="notify", key="channels", default=None),
                        settings.PMS_NOTIFICATION_DEFAULT_CHANNELS)
    events = _as_list(setting_value(store=store, group="notify", key="events", default=None), list(Event.values))
    language = str(setting_value(store=store, group="notify", key="language", default=Language.ZH_HANS) or "").lower()
    reminder = setting_value(store=store, group="notify", key="reminder_time", default=DEFAULT_REMINDER_TIME)
    if not isinstance(reminder, time):
        try:
            reminder = time.fromisoformat(str(reminder))
        except ValueError:
            reminder = DEFAULT_REMINDER_TIME
    return NotifySettings(
        channels=tuple(c for c in dict.fromkeys(channels) if c in configured),
        events=frozenset(e for e in events if e in Event.values),
        language=language if language in Language.values else Language.ZH_HANS,
        reminder_time=reminder,
    )


@dataclass(frozen=True)
class EffectiveTemplate:
    event: str
    channel: str
    language: str
    subject: str
    body: str
    # "store" (the store's own), "tenant" (the tenant's) or "default" (shipped)
    source: str
    template_id: int | None


def _default(event: str, channel: str, language: str, uses_subject: bool) -> tuple[str, str]:
    text = DEFAULTS[(event, language)]
    return (text["subject"], text["body"]) if uses_subject else ("", text["short"])


def template_effective(*, store: Store, event: str, channel: str, language: str) -> EffectiveTemplate:
    """The wording used for ``event`` on ``channel`` in ``language`` at ``store``."""
    rows = list(
        NotificationTemplate.objects.filter(event=event, channel=channel, language=language)
        .filter(Q(store__isnull=True) | Q(store=store)).order_by("store_id")  # the store's first (NULLs last)
    )
    if rows:
        row = rows[0]
        return EffectiveTemplate(event, channel, language, row.subject, row.body, "store" if row.store_id else "tenant", row.pk)
    adapter = channel_get(channel)
    subject, body = _default(event, channel, language, bool(adapter and adapter.uses_subject))
    return EffectiveTemplate(event, channel, language, subject, body, "default", None)


def template_list_effective(*, store: Store) -> list[EffectiveTemplate]:
    """Every (event, channel, language) the store may use, with its wording. Two queries."""
    rows: dict[tuple[str, str, str], NotificationTemplate] = {}
    for row in NotificationTemplate.objects.filter(Q(store__isnull=True) | Q(store=store)).order_by("-store_id"):
        key = (row.event, row.channel, row.language)
        if key not in rows or row.store_id is not None:
            rows[key] = row
    out = []
    for event in Event.values:
        for channel in channel_codes():
            adapter = channel_get(channel)
            for language in Language.values:
                row = rows.get((event, channel, language))
                if row is not None:
                    out.append(EffectiveTemplate(event, channel, language, row.subject, row.body,
                                                 "store" if row.store_id else "tenant", row.pk))
                else:
                    subject, body = _default(event, channel, language, bool(adapter and adapter.uses_subject))
                    out.append(EffectiveTemplate(event, channel, language, subject, body, "default", None))
    return out


def notification_list(*, store: Store, filters: dict[str, Any] | None = None) -> QuerySet[Notification]:
    """The store's notification log, newest first (``status``, ``order_id``, ``event`` filters)."""
    filters = filters or {}
    qs = Notification.objects.filter(store=store).select_related("order")
    for key in ("status", "order_id", "event", "channel"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    return qs.order_by("-id")


def notification_lookup(*, store: Store, notification_id: int) -> Notification | None:
    return Notification.objects.filter(store=store, pk=notification_id).first()
