"""``Idempotency-Key`` for POSTs from external systems (Stripe's semantics; IETF
draft-ietf-httpapi-idempotency-key-header).

- First request with a key: a row ``in_flight`` is inserted **and committed** in its own
  short transaction before any work, so a concurrent duplicate sees it.
- The work runs; in the same transaction the row becomes ``done`` with the response.
- Same key + same request (method, path, canonical JSON body) -> the stored response,
  replayed (header ``Idempotent-Replayed: true``), and still one order.
- Same key + another request -> 422 ``idempotency_key_mismatch``.
- Same key while the first is still running -> 409 ``idempotency_key_in_flight``. A row
  left ``in_flight`` by a crashed worker is taken over after ``ABANDONED_AFTER``.
- A request that fails (validation, a refusal, a crash) stores nothing: its transaction
  rolled back, the in-flight row is deleted, and the client may retry with the same key.
- Keys live ``TTL`` (24 h); an expired key is treated as new.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.utils.encoders import JSONEncoder

from apps.common.errors import DomainError
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import IdempotencyKey, Order
from apps.tenancy.models import Store

TTL = timedelta(hours=24)
ABANDONED_AFTER = timedelta(seconds=60)
REPLAY_HEADER = "Idempotent-Replayed"


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """sha256 of the method, the path and the body as canonical JSON (key order and
    whitespace do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=JSONEncoder)
    return hashlib.sha256(f"{method.upper()}\n{path}\n{canonical}".encode()).hexdigest()


def jsonable(data: Any) -> Any:
    """``data`` as plain JSON types (what is stored is exactly what is replayed)."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


@dataclass(frozen=True)
class Begun:
    """``key`` is ours to process (``replay`` is None), or the stored response to replay."""

    key: IdempotencyKey | None
    replay: tuple[int, Any] | None = None


class IdempotencyMismatch(DomainError):
    status = 422

    def __init__(self):
        super().__init__(
            OrderErrorCode.IDEMPOTENCY_KEY_MISMATCH,
            _("This Idempotency-Key was used with another request. Use a new key for a new request."),
        )


class IdempotencyInFlight(DomainError):
    status = 409

    def __init__(self, retry_after_s: int):
        super().__init__(
            OrderErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT,
            _("The first request with this Idempotency-Key is still being processed. Retry shortly."),
            extra={"retry_after_s": retry_after_s},
        )


def idempotency_begin(*, store: Store, key: str, fingerprint: str) -> Begun:
    """Claim ``key`` for a new request, or say what to answer instead. Must run outside
    any transaction (the claim is committed at once so concurrent duplicates see it)."""
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO orders_idempotencykey
                    (store_id, key, fingerprint, status, created_at, started_at, expires_at)
                VALUES (%s, %s, %s, 'in_flight', %s, %s, %s)
                ON CONFLICT (store_id, key) DO NOTHING
                RETURNING id
                """,
                [store.pk, key, fingerprint, now, now, now + TTL],
            )
            row = cursor.fetchone()
    if row is not None:
        return Begun(IdempotencyKey.objects.get(pk=row[0]))

    existing = IdempotencyKey.objects.filter(store=store, key=key).first()
    if existing is None:  # deleted by a failing first request between our two statements
        return idempotency_begin(store=store, key=key, fingerprint=fingerprint)
    if existing.expires_at <= now:
        taken = IdempotencyKey.objects.filter(pk=existing.pk, expires_at__lte=now).update(
            fingerprint=fingerprint, status=IdempotencyKey.Status.IN_FLIGHT, response_status=None, response_body=None,
            order=None, created_at=now, started_at=now, expires_at=now + TTL,
        )
        if taken:
            return Begun(IdempotencyKey.objects.get(pk=existing.pk))
        existing.refresh_from_db()
    if existing.fingerprint != fingerprint:
        raise IdempotencyMismatch()
    if existing.status == IdempotencyKey.Status.DONE:
        return Begun(None, replay=(existing.response_status, existing.response_body))
    # In flight: ours to retry only if its worker died (held far longer than any request).
    if existing.started_at <= now - ABANDONED_AFTER:
        taken = IdempotencyKey.objects.filter(
            pk=existing.pk, status=IdempotencyKey.Status.IN_FLIGHT, started_at=existing.started_at
        ).update(started_at=now)
        if taken:
            existing.started_at = now
            return Begun(existing)
    remaining = max(1, int((existing.started_at + ABANDONED_AFTER - now).total_seconds()))
    raise IdempotencyInFlight(retry_after_s=min(remaining, 5))


def idempotency_finish(*, key: IdempotencyKey, status: int, body: Any, order: Order | None) -> None:
    """Store the response; call inside the transaction that did the work."""
    IdempotencyKey.objects.filter(pk=key.pk).update(
        status=IdempotencyKey.Status.DONE, response_status=status, response_body=body, order=order,
    )


def idempotency_release(*, key: IdempotencyKey) -> None:
    """The request failed and changed nothing: forget the key so a retry is processed."""
    IdempotencyKey.objects.filter(pk=key.pk, status=IdempotencyKey.Status.IN_FLIGHT, started_at=key.started_at).delete()


def idempotency_purge_expired(*, store: Store | None = None) -> int:
    """Delete expired keys (a periodic job); returns how many."""
    qs = IdempotencyKey.objects.filter(expires_at__lte=timezone.now())
    if store is not None:
        qs = qs.filter(store=store)
    deleted, _rows = qs.delete()
    return deleted
