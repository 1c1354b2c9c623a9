"""Writes of notifications: publishing the order-event outbox into notifications, the
arrival reminders, sending one notification (with retries), templates.

Flow: an order change commits an ``OrderEvent`` (orders' outbox, ``published_at`` NULL)
-> ``order_events_publish`` (kicked on commit, at most once per tenant per half second:
``outbox_kick``; and every minute from beat as a safety net)
takes the unpublished rows with ``FOR NO KEY UPDATE SKIP LOCKED``, creates one
``Notification`` per channel for the events of interest (``INSERT ... ON CONFLICT DO
NOTHING`` on ``UNIQUE (order_event, channel)``), marks the events published, and on
commit enqueues the sends -> ``notification_send`` sends a ``queued`` row under its row
lock and marks it ``sent``; a failure leaves it ``queued`` for the next attempt (backoff),
or ``failed`` after the last one.
"""
from __future__ import annotations

import contextvars
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.common.money import quantize
from apps.common.tasks import delay_on_commit
from apps.notifications.channels import PermanentChannelError, channel_codes, channel_get
from apps.notifications.error_codes import NotificationErrorCode
from apps.notifications.models import Event, Language, Notification, NotificationTemplate
from apps.notifications.recipients import order_recipient
from apps.notifications.selectors import notify_settings, template_effective
from apps.orders.models import Order, OrderEvent
from apps.orders.selectors import order_list, orders_by_id
from apps.orders.services import order_events_mark_published, order_events_unpublished_claim
from apps.tenancy.models import Store
from apps.tenancy.selectors import store_list_by_ids

logger = logging.getLogger(__name__)

Status = Notification.Status
# Order event kind -> notification event.
EVENT_OF_KIND = {
    OrderEvent.Kind.CONFIRMED: Event.ORDER_CONFIRMED, OrderEvent.Kind.CANCELLED: Event.ORDER_CANCELLED,
    OrderEvent.Kind.CHECKED_OUT: Event.CHECKED_OUT,
}
PUBLISH_BATCH = 200
# Guests from outside Greater China get English unless the store says otherwise.
CHINESE_NATIONALITIES = frozenset({"", "CHN", "HKG", "MAC", "TWN"})
# A wording is Django template language over the values ``_values`` gives, with the tags
# of logic and formatting only. Tags that read other templates or files (include, extends,
# ssi), load tag libraries, reverse URLs or dump the context (debug) are refused when a
# template is saved and refused again when one is rendered (a row written before the
# check); the engine has no template loader and no library to find anything with anyway.
ALLOWED_TAGS = frozenset({
    "if", "elif", "else", "endif", "for", "empty", "endfor", "with", "endwith", "comment", "endcomment", "firstof",
    "cycle", "resetcycle", "ifchanged", "endifchanged", "spaceless", "endspaceless", "filter", "endfilter",
    "autoescape", "endautoescape", "verbatim", "endverbatim", "templatetag", "widthratio", "now", "regroup",
})
_ENGINE = Engine(autoescape=False, string_if_invalid="", loaders=[("django.template.loaders.locmem.Loader", {})], libraries={})


def _enqueue(ids: list[int]) -> None:
    from apps.notifications.tasks import (
        send_notification,  # tasks import this module: the Celery circle, closed at call time
    )

    for pk in ids:
        delay_on_commit(send_notification, notification_id=pk)


# Orders' outbox events after which notifications are due at once (the others are
# published by the next kick or by the sweep within a minute).
KICK_EVENTS = frozenset({"order.confirmed", "order.cancelled", "order.checked_out"})


# Per process: tenant schema -> time.monotonic() at which the kick already sent for it
# runs (its countdown); see outbox_kick.
_kick_lock = threading.Lock()
_kick_runs_at: dict[str, float] = {}
# A pending kick covers a new event only if it starts at least this much after the skip:
# the worker runs it by its own clock (the ETA Celery computed from ours), so this absorbs
# the clocks' disagreement and the worker's timer firing a little early.
KICK_MARGIN_S = 0.1


class _BackgroundSender:
    """One daemon thread per process that sends the kicks, so that no request waits on the
    broker: a booking commits its ``OrderEvent`` (the outbox row) in its own transaction
    and answers; the publish happens beside it. A frozen or stopped Redis costs the
    sender its bounded broker timeouts (settings: ``CELERY_BROKER_TRANSPORT_OPTIONS``,
    ``CELERY_TASK_PUBLISH_RETRY_POLICY``), never a request; what it could not send the beat
    sweep publishes within a minute. Started lazily in the process that sends (gunicorn
    forks its workers after loading the app: a thread started before would not be there)."""

    MAX_PENDING = 1000  # beyond, a kick is dropped: the sweep covers it

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue(maxsize=self.MAX_PENDING)
        self._pid: int | None = None

    def submit(self, send: Callable[[], None]) -> bool:
        """Hand ``send`` to the thread; False if too many are pending (not sent). It runs in
        a copy of the caller's context: the message carries the request's id (and trace)."""
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.Queue(maxsize=self.MAX_PENDING)
                threading.Thread(target=self._run, args=(self._queue,), name="outbox-kick", daemon=True).start()
                self._pid = os.getpid()
        context = contextvars.copy_context()
        try:
            self._queue.put_nowait(lambda: context.run(send))
        except queue.Full:
            return False
        return True

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was submitted so far is sent (tests, shutdown)."""
        if self._pid != os.getpid():
            return True
        done = threading.Event()
        self._queue.put(done.set)
        return done.wait(timeout)

    @staticmethod
    def _run(jobs: queue.Queue) -> None:
        while True:
            send = jobs.get()
            try:
                send()
            except Exception:  # noqa: BLE001 - each send logs its own failure
                logger.exception("notification.kick_sender_failed")


_sender = _BackgroundSender()


def _send_kick(send: Callable[[], None]) -> None:
    """Where a kick is sent from: the background sender (tests replace it)."""
    if not _sender.submit(send):
        logger.warning("notification.kick_dropped")


def outbox_kick(event: str, **fields) -> None:
    """Orders' outbox subscriber, called after an order change committed: publish the
    outbox soon if the change is one that is notified. Never raises.

    Coalesced, at most one Celery message per tenant schema per
    ``PMS_OUTBOX_KICK_WINDOW_S`` (0.5 s) and process, instead of one per booking: the kick
    is sent with ``countdown=window`` and the time it will run at is remembered; a call
    while that time is still more than ``KICK_MARGIN_S`` away sends nothing. That loses no
    event: the skipping call runs after its own transaction committed, and the pending
    task cannot start before its countdown, so the publisher it runs sees that event
    (``order_events_publish`` takes every unpublished row, in batches, until none is
    left). A notification therefore goes out up to a window later than with one kick per
    change. What a kick can still miss (the broker refused it, a message was lost, the
    wall clock jumped) the beat sweep publishes within a minute, as before.

    Window 0, or tasks run eagerly (``task_always_eager``: tests, ``PMS_NO_REDIS``), where
    the countdown is ignored and the task runs at once: a kick on every call, as before.
    Thread-safe: a lock guards the read and the reservation (never the broker round trip),
    so threads of one process never send two kicks for one window; processes each send
    their own.

    The message itself is sent by this process's background sender (``_BackgroundSender``),
    never by the caller: a request that committed a booking answers at once, whatever
    state the broker is in (Redis frozen: the request used to wait for it, for ever)."""
    if event not in KICK_EVENTS and not (event == "order.created" and fields.get("status") == Order.Status.CONFIRMED):
        return
    from apps.notifications.tasks import publish_order_events  # (see _enqueue)

    schema = connection.schema_name
    window = settings.PMS_OUTBOX_KICK_WINDOW_S
    log_extra = {"event": event, "order_id": fields.get("order_id")}
    if publish_order_events.app.conf.task_always_eager:
        try:  # no broker: the publisher runs here and now
            publish_order_events.delay(schema_name=schema)
        except Exception:  # noqa: BLE001
            logger.exception("notification.kick_failed", extra=log_extra)
        return
    if window <= 0:
        def send_now() -> None:
            try:
                publish_order_events.delay(schema_name=schema)
            except Exception:  # the broker is down: the sweep publishes within a minute
                logger.exception("notification.kick_failed", extra=log_extra)

        _send_kick(send_now)
        return
    now = time.monotonic()
    runs_at = now + window
    with _kick_lock:
        pending = _kick_runs_at.get(schema)
        if pending is not None and pending - now > KICK_MARGIN_S:
            return  # the pending kick starts after this commit: it publishes this event
        _kick_runs_at[schema] = runs_at

    def send() -> None:
        try:
            publish_order_events.apply_async(kwargs={"schema_name": schema}, countdown=window)
        except Exception:  # the broker is down: the sweep publishes within a minute
            with _kick_lock:  # not sent: the next change tries again
                if _kick_runs_at.get(schema) == runs_at:
                    del _kick_runs_at[schema]
            logger.exception("notification.kick_failed", extra=log_extra)

    _send_kick(send)


def _language(store_language: str, order) -> str:
    contact = order_recipient(order)
    nationality = (getattr(contact, "nationality", "") or "").upper()
    if store_language == Language.ZH_HANS and nationality not in CHINESE_NATIONALITIES:
        return Language.EN
    return store_language


def order_events_publish(*, batch: int = PUBLISH_BATCH) -> int:
    """Turn the current tenant's unpublished order events into notifications and mark
    them published (every event, of interest or not: the outbox cursor). Concurrent
    publishers take disjoint rows (SKIP LOCKED). Returns the number of events published."""
    published = 0
    while True:
        with transaction.atomic():
            events = order_events_unpublished_claim(batch=batch)
            if not events:
                break
            wanted = [e for e in events if e.kind in EVENT_OF_KIND]
            orders = orders_by_id(order_ids=[e.order_id for e in wanted])
            stores = {s.pk: s for s in store_list_by_ids(store_ids={e.store_id for e in wanted})}
            conf = {pk: notify_settings(store=store) for pk, store in stores.items()}
            now = timezone.now()
            rows = []
            for e in wanted:
                store_conf, event = conf[e.store_id], EVENT_OF_KIND[e.kind]
                if event not in store_conf.events:
                    continue
                language = _language(store_conf.language, orders[e.order_id])
                rows += [
                    Notification(store_id=e.store_id, order_id=e.order_id, order_event_id=e.pk, event=event, channel=channel,
                                 language=language, next_attempt_at=now)
                    for channel in store_conf.channels
                ]
            Notification.objects.bulk_create(rows, ignore_conflicts=True)  # UNIQUE (order_event, channel)
            order_events_mark_published(event_ids=[e.pk for e in events], at=now)
            _enqueue(list(Notification.objects.filter(order_event_id__in=[e.pk for e in wanted], status=Status.QUEUED,
                                                      attempts=0).values_list("pk", flat=True)))
            published += len(events)
        if len(events) < batch:
            break
    if published:
        logger.info("notification.outbox_published", extra={"events": published})
    return published


def arrival_reminders_queue(*, store: Store, arrival: date) -> int:
    """Queue the reminders of the store's confirmed orders arriving on ``arrival`` (once per
    order, arrival date and channel, whatever the number of calls). Returns how many
    rows were new."""
    conf = notify_settings(store=store)
    if Event.ARRIVAL_REMINDER not in conf.events or not conf.channels:
        return 0
    orders = list(order_list(store=store, filters={"status": [Order.Status.CONFIRMED], "arrival_from": arrival, "arrival_to": arrival}))
    now = timezone.now()
    rows = [
        Notification(store=store, order=order, event=Event.ARRIVAL_REMINDER, channel=channel, for_date=arrival,
                     language=_language(conf.language, order), next_attempt_at=now)
        for order in orders for channel in conf.channels
    ]
    with transaction.atomic():
        before = Notification.objects.filter(store=store, event=Event.ARRIVAL_REMINDER, for_date=arrival).count()
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        new = Notification.objects.filter(store=store, event=Event.ARRIVAL_REMINDER, for_date=arrival).count() - before
        _enqueue(list(Notification.objects.filter(store=store, event=Event.ARRIVAL_REMINDER, for_date=arrival,
                                                  status=Status.QUEUED, attempts=0).values_list("pk", flat=True)))
    return new


# --- sending -------------------------------------------------------------------------------


def backoff_seconds(attempts: int) -> int:
    """Wait after the ``attempts``-th failed attempt: base x 2^(n-1), capped."""
    base = settings.PMS_NOTIFICATION_BACKOFF_SECONDS
    return int(min(base * 2 ** max(0, attempts - 1), settings.PMS_NOTIFICATION_BACKOFF_MAX_SECONDS))


def _values(n: Notification, contact) -> dict[str, str]:
    order, store = n.order, n.store
    return {
        "store_name": store.name, "store_phone": store.phone, "guest_name": contact.full_name if contact else order.primary_contact_name,
        "order_code": order.code, "room_type": order.room_type.name, "arrival": order.arrival.isoformat(),
        "departure": order.departure.isoformat(), "nights": str(order.nights), "total": str(quantize(order.total_amount, order.currency)),
        "currency": order.currency,
    }


def _tags_check(text: str) -> None:
    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name not in ALLOWED_TAGS:
                raise TemplateSyntaxError(_("The tag {%% %(tag)s %%} cannot be used in a notification.") % {"tag": name})


def render(text: str, values: dict[str, str]) -> str:
    _tags_check(text)
    return _ENGINE.from_string(text).render(Context(values, autoescape=False)).strip()


def _stale(n: Notification) -> bool:
    """A reminder that is no longer true (cancelled, moved) is not sent."""
    order = n.order
    return n.event == Event.ARRIVAL_REMINDER and (order.status != Order.Status.CONFIRMED or order.arrival != n.for_date)


def notification_send(*, notification_id: int) -> Notification | None:
    """One attempt at sending a ``queued`` notification, under its row lock (a second
    worker with the same id skips it). Returns the row after the attempt, or None if it
    was not queued (sent, given up, skipped) or is being sent right now."""
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("order", "order__room_type", "order__booker", "store")
            .filter(pk=notification_id, status=Status.QUEUED).first()
        )
        if n is None:
            return None
        _attempt(n)
        n.save()
    return n


def _attempt(n: Notification) -> None:
    now = timezone.now()
    adapter = channel_get(n.channel)
    contact = order_recipient(n.order)
    if adapter is None or _stale(n):
        n.status, n.last_error = Status.SKIPPED, ("channel_unavailable" if adapter is None else "no_longer_applies")
        return
    address = adapter.address_for(contact) if contact is not None else None
    if not address:
        n.status, n.last_error = Status.SKIPPED, "no_address"
        return
    n.recipient_masked = adapter.mask(address)[:64]
    n.attempts += 1
    try:
        template = template_effective(store=n.store, event=n.event, channel=n.channel, language=n.language)
        values = _values(n, contact)
        ref = adapter.send(
            address=address, subject=render(template.subject, values) if adapter.uses_subject else "",
            body=render(template.body, values), notification_id=n.pk,
        )
    except PermanentChannelError as exc:
        n.status, n.last_error = Status.FAILED, str(exc)[:500]
        logger.warning("notification.refused", extra={"notification_id": n.pk, "channel": n.channel, "error": n.last_error})
        return
    except Exception as exc:  # ChannelError, a template error, a bug in an adapter: count the attempt
        n.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if n.attempts >= settings.PMS_NOTIFICATION_MAX_ATTEMPTS:
            n.status = Status.FAILED
            logger.warning("notification.gave_up", extra={"notification_id": n.pk, "attempts": n.attempts})
        else:
            n.next_attempt_at = now + timedelta(seconds=backoff_seconds(n.attempts))
            logger.info("notification.retry_scheduled", extra={"notification_id": n.pk, "attempts": n.attempts})
        return
    n.status, n.sent_at, n.provider_ref, n.last_error = Status.SENT, now, (ref or "")[:128], ""
    logger.info("notification.sent", extra={"notification_id": n.pk, "channel": n.channel, "event": n.event,
                                            "order_id": n.order_id, "to": n.recipient_masked})


def notifications_requeue_due(*, grace_s: int = 120) -> int:
    """Enqueue again the queued notifications whose attempt is overdue by ``grace_s``
    (a send message lost with a broker outage). Duplicates are harmless: a row is sent
    only while queued, under its lock."""
    overdue = timezone.now() - timedelta(seconds=grace_s)
    ids = list(Notification.objects.filter(status=Status.QUEUED, next_attempt_at__lte=overdue).order_by("id")
               .values_list("pk", flat=True)[:500])
    _enqueue(ids)
    return len(ids)


def notification_retry(*, notification: Notification, actor) -> Notification:
    """A manager sends a failed notification again (attempts start over)."""
    with transaction.atomic():
        n = Notification.objects.select_for_update().get(pk=notification.pk)
        if Status.QUEUED not in Notification.TRANSITIONS[n.status]:
            raise DomainError(
                NotificationErrorCode.NOT_RETRYABLE, _("Only a failed notification can be sent again."),
                extra={"status": n.status},
            )
        n.status, n.attempts, n.next_attempt_at, n.last_error = Status.QUEUED, 0, timezone.now(), ""
        n.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "updated_at"])
        _enqueue([n.pk])
    logger.info("notification.retried", extra={"notification_id": n.pk, "user_id": getattr(actor, "pk", None)})
    return n


# --- templates -------------------------------------------------------------------------------


def template_check(field: str, text: str) -> None:
    try:
        render(text, {})
    except Exception as exc:  # noqa: BLE001 - whatever fails with no values is an error of the template
        message = _("This template has an error: %(error)s") % {"error": exc}
        raise DomainValidationError(NotificationErrorCode.TEMPLATE_INVALID, message, extra={"fields": {field: [message]}}) from exc


def template_set(
    *, store: Store | None, event: str, channel: str, language: str, subject: str, body: str, actor=None,
) -> NotificationTemplate:
    """Create or replace the store's (``store=None``: the tenant's) wording of ``event`` on
    ``channel`` in ``language``."""
    if channel not in channel_codes():
        message = _("Unknown channel.")
        raise DomainValidationError(NotificationErrorCode.CHANNEL_UNKNOWN, message, extra={"fields": {"channel": [message]}})
    template_check("subject", subject)
    template_check("body", body)
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        row = (NotificationTemplate.objects.select_for_update()
               .filter(store=store, event=event, channel=channel, language=language).first())
        if row is None:
            return NotificationTemplate.objects.create(
                store=store, event=event, channel=channel, language=language, subject=subject, body=body, updated_by=user
            )
        row.subject, row.body, row.updated_by = subject, body, user
        row.save(update_fields=["subject", "body", "updated_by", "updated_at"])
        return row


def template_delete(*, template: NotificationTemplate) -> None:
    """Drop an override: the tenant's wording (or the shipped one) applies again."""
    template.delete()
