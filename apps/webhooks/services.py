"""Writes of webhooks: subscriptions, the pump that turns orders' change feed into
deliveries, the delivery of each order's events in order with retries and backoff, the
manual re-send, the automatic switch-off after repeated failure (docs/webhooks.md).

Flow: an order change commits its ``OrderEvent`` (orders' outbox); orders call
``outbox_kick`` after the commit, which has the pump run soon in a worker (never in the
request: a booking never waits for a delivery); the beat sweep runs it every minute too.
The pump reads the feed from its cursor (``apps.orders.feed``: a change committed late is
never skipped), creates one delivery per event and subscription that wants it
(``UNIQUE (subscription, event_id)``: never two) and moves its cursor in the same
transaction, then queues a delivery task per (subscription, order). A delivery task holds
the pair's advisory lock and posts the pair's pending deliveries oldest event first; a
failure stops the pair until its next attempt (backoff), so a later event of an order
never overtakes an earlier one."""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.common.errors import DomainError, DomainValidationError
from apps.common.feed import FeedCursor
from apps.orders.feed import order_changes_poll
from apps.orders.models import OrderEvent
from apps.webhooks.error_codes import WebhookErrorCode
from apps.webhooks.models import WebhookAttempt, WebhookCursor, WebhookDelivery, WebhookSubscription
from apps.webhooks.signing import HEADER, signature
from apps.common.outbound import url_check

logger = logging.getLogger(__name__)

EVENT_TYPES = tuple(f"order.{kind}" for kind in OrderEvent.Kind.values)
PUMP_BATCH = 500
USER_AGENT = "PMS-Webhooks/1"


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- subscriptions ----------------------------------------------------------------------------


def _check_types(event_types) -> list[str]:
    types = sorted(set(event_types or ()))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        message = _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}
        raise DomainValidationError(WebhookErrorCode.EVENT_TYPE_UNKNOWN, message, extra={"fields": {"event_types": [message]}})
    return types


def subscription_create(*, store, url: str, event_types=(), is_active: bool = True) -> WebhookSubscription:
    """A new subscription with a fresh secret (the caller shows it once). The URL is
    checked (``webhook_url_not_allowed``)."""
    url_check(url, code=WebhookErrorCode.URL_NOT_ALLOWED)
    return WebhookSubscription.objects.create(
        store=store, url=url, secret=secrets.token_hex(32), event_types=_check_types(event_types), is_active=is_active,
    )


def subscription_update(*, subscription: WebhookSubscription, **values) -> WebhookSubscription:
    """Change the URL, event types or the active flag; switching on again clears the
    failure count and the reason it was switched off."""
    fields = []
    if "url" in values:
        subscription.url = url_check(values["url"], code=WebhookErrorCode.URL_NOT_ALLOWED)
        fields.append("url")
    if "event_types" in values:
        subscription.event_types = _check_types(values["event_types"])
        fields.append("event_types")
    if "is_active" in values:
        subscription.is_active = bool(values["is_active"])
        fields.append("is_active")
        if subscription.is_active:
            subscription.consecutive_failures, subscription.disabled_at, subscription.disabled_reason = 0, None, ""
            fields += ["consecutive_failures", "disabled_at", "disabled_reason"]
    if fields:
        subscription.save(update_fields=fields)
    return subscription


def subscription_rotate_secret(*, subscription: WebhookSubscription) -> WebhookSubscription:
    subscription.secret = secrets.token_hex(32)
    subscription.save(update_fields=["secret"])
    return subscription


# --- the payload ------------------------------------------------------------------------------


def _mask_name(name: str) -> str:
    """A guest's name as the subscriber sees it: the first character, the rest masked (王**)."""
    name = (name or "").strip()
    return name[:1] + "*" * min(max(len(name) - 1, 1), 3) if name else ""


def event_payload(row: dict) -> dict:
    """What a subscriber receives of an order event (a row of ``apps.orders.feed.EVENT_FIELDS``):
    the order's identity, dates, room, channel and status, the guest's name masked; never a
    phone or an ID number."""
    return {
        "id": f"evt_{row['id']}",
        "type": f"order.{row['kind']}",
        "occurred_at": row["at"].isoformat(),
        "store_id": row["store_id"],
        "data": {
            "from_status": row["from_status"] or None,
            "to_status": row["to_status"] or None,
            "order": {
                "id": row["order_id"], "code": row["order__code"], "status": row["order__status"],
                "arrival": row["order__arrival"].isoformat(), "departure": row["order__departure"].isoformat(),
                "room_type": row["order__room_type__name"], "room": row["order__room__number"],
                "channel": row["order__channel__name"], "guest_name": _mask_name(row["order__primary_contact_name"]),
            },
        },
    }


# --- the pump: the feed into deliveries ---------------------------------------------------------


def webhooks_pump(*, batches: int = 20) -> set[tuple[int, int]]:
    """Read orders' change feed from the pump's cursor and make the deliveries of the
    events the active subscriptions want (an event is delivered to subscriptions that
    existed when it happened). Returns the (subscription, order) pairs given new
    deliveries. Concurrent pumps take turns on the cursor row."""
    pairs: set[tuple[int, int]] = set()
    for _batch in range(batches):
        with transaction.atomic():
            WebhookCursor.objects.bulk_create([WebhookCursor(id=1)], ignore_conflicts=True)
            row = WebhookCursor.objects.select_for_update().get(id=1)
            subs = list(WebhookSubscription.objects.filter(is_active=True))
            by_store: dict[int, list[WebhookSubscription]] = {}
            for sub in subs:
                by_store.setdefault(sub.store_id, []).append(sub)
            cursor = FeedCursor.decode(row.cursor) if row.cursor else None
            polled = order_changes_poll(store_ids=list(by_store), cursor=cursor, limit=PUMP_BATCH, kinds=OrderEvent.Kind.values)
            now = timezone.now()
            deliveries = []
            for event in polled["events"]:
                event_type = f"order.{event['kind']}"
                for sub in by_store.get(event["store_id"], ()):
                    if sub.wants(event_type) and event["at"] >= sub.created_at:
                        deliveries.append(WebhookDelivery(
                            subscription=sub, store_id=sub.store_id, event_id=event["id"], order_id=event["order_id"],
                            event_type=event_type, payload=event_payload(event), next_attempt_at=now,
                        ))
                        pairs.add((sub.pk, event["order_id"]))
            WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            row.cursor = polled["next_cursor"]
            row.save(update_fields=["cursor", "updated_at"])
        if not polled["has_more"]:
            break
    return pairs


# --- delivery ---------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    base = float(_setting("PMS_WEBHOOK_BACKOFF_S", 10))
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 3600))


def _pair_key(subscription_id: int, order_id: int) -> int:
    digest = hashlib.blake2b(f"webhook:{subscription_id}:{order_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


_local = threading.local()


def _session() -> requests.Session:
    """One HTTP session per thread (a worker process has one): connections to a receiver are
    kept alive between posts."""
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
    return _local.session


def _post(sub: WebhookSubscription, delivery: WebhookDelivery, *, manual: bool) -> bool:
    """One attempt: guard the URL again, sign, POST (no redirect followed), log it. True if 2xx."""
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    started = time.monotonic()
    status_code, error = None, ""
    try:
        url_check(sub.url, code=WebhookErrorCode.URL_NOT_ALLOWED)
        ts = int(time.time())
        response = _session().post(
            sub.url, data=body, timeout=(3, float(_setting("PMS_WEBHOOK_TIMEOUT_S", 10))), allow_redirects=False,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, HEADER: signature(secret=sub.secret, timestamp=ts, body=body),
                     "X-PMS-Event": delivery.event_type, "X-PMS-Event-Id": delivery.payload["id"],
                     "X-PMS-Delivery": str(delivery.pk)},
        )
        status_code = response.status_code
        if 300 <= status_code < 400:
            error = "redirect not followed"
    except DomainError as exc:
        error = exc.code
    except requests.RequestException as exc:
        error = type(exc).__name__
    ok = status_code is not None and 200 <= status_code < 300
    now = timezone.now()
    WebhookAttempt.objects.create(delivery=delivery, at=now, status_code=status_code, error=error[:255],
                                  duration_ms=int((time.monotonic() - started) * 1000), manual=manual)
    delivery.attempts += 1
    delivery.last_status_code = status_code
    if ok:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, now
        WebhookSubscription.objects.filter(pk=sub.pk, consecutive_failures__gt=0).update(consecutive_failures=0)
    else:
        if delivery.attempts >= int(_setting("PMS_WEBHOOK_MAX_ATTEMPTS", 8)):
            delivery.status = WebhookDelivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + _backoff(delivery.attempts)
        _count_failure(sub)
    delivery.save(update_fields=["attempts", "last_status_code", "status", "delivered_at", "next_attempt_at"])
    logger.info("webhook.attempt", extra={"delivery_id": delivery.pk, "subscription_id": sub.pk, "status_code": status_code,
                                          "ok": ok, "error": error})
    return ok


def _count_failure(sub: WebhookSubscription) -> None:
    limit = int(_setting("PMS_WEBHOOK_DISABLE_AFTER", 50))
    failures = (
        WebhookSubscription.objects.filter(pk=sub.pk).update(consecutive_failures=F("consecutive_failures") + 1)
        and WebhookSubscription.objects.values_list("consecutive_failures", flat=True).get(pk=sub.pk)
    )
    if failures and failures >= limit:
        switched = WebhookSubscription.objects.filter(pk=sub.pk, is_active=True).update(
            is_active=False, disabled_at=timezone.now(),
            disabled_reason=f"{failures} failed attempts in a row",
        )
        if switched:
            # The notice: the manager's page and the API show why; the log says it once.
            logger.warning("webhook.subscription_disabled", extra={"subscription_id": sub.pk, "store_id": sub.store_id,
                                                                   "failures": failures})


def deliveries_run(*, subscription_id: int, order_id: int) -> float | None:
    """Post the pending deliveries of one subscription and order, oldest event first,
    until none is left (None) or one must wait (the seconds until its next attempt).
    Holds the pair's advisory lock meanwhile (a second runner returns at once, None); a
    delivery given up for good does not stop the ones after it."""
    key = _pair_key(subscription_id, order_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return None
    try:
        sub = WebhookSubscription.objects.filter(pk=subscription_id, is_active=True).first()
        if sub is None:
            return None
        while True:
            # the pair's pending deliveries in event order, read again once these are done
            # (the pump may have added some meanwhile)
            batch = list(
                WebhookDelivery.objects.filter(subscription_id=subscription_id, order_id=order_id, status=WebhookDelivery.Status.PENDING)
                .order_by("event_id")[:50]
            )
            if not batch:
                return None
            for delivery in batch:
                wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
                if wait > 0:
                    return wait
                if not _post(sub, delivery, manual=False):
                    if delivery.status == WebhookDelivery.Status.PENDING:
                        return max((delivery.next_attempt_at - timezone.now()).total_seconds(), 0.0)
                    if not WebhookSubscription.objects.filter(pk=subscription_id, is_active=True).exists():
                        return None  # switched off by this failure
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """A manager sends a delivery again (a failed one, or a delivered one the receiver
    lost): it becomes pending and due now, its attempts counted from zero; it goes out
    before any later pending event of its order."""
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise DomainError(WebhookErrorCode.DELIVERY_NOT_RESENDABLE, _("This delivery is still being attempted."))
    delivery.status, delivery.attempts, delivery.next_attempt_at = WebhookDelivery.Status.PENDING, 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


def due_pairs() -> set[tuple[int, int]]:
    """(subscription, order) pairs of active subscriptions with a pending delivery due now (the sweep)."""
    return set(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now(),
                                       subscription__is_active=True)
        .values_list("subscription_id", "order_id").distinct()
    )
