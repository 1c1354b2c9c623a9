"""``Idempotency-Key`` for every POST of the API that creates or moves money or bookings
(Stripe's semantics; IETF draft-ietf-httpapi-idempotency-key-header). docs/api.md,
"Idempotency", lists the operations and why the others take no key.

Views apply it with ``@idempotent`` (the external intake: ``@idempotent(required=True)``):

- The key belongs to the authenticated principal (the user) in the store of the path,
  in the tenant's schema: another user's same key is another key. The request's
  fingerprint is sha256 of method, path and the body as canonical JSON.
- First request with a key: a row ``in_flight`` is inserted **and committed** in its own
  short transaction before any work, so a concurrent duplicate sees it.
- The work runs in one transaction with the update of the row to ``done`` and the
  answer (status and JSON body): both commit, or neither.
- Same key + same request -> the stored answer, replayed (header
  ``Idempotent-Replayed: true``); the work is not done again.
- Same key + another request (body, path or method) -> 422 ``idempotency_key_mismatch``.
- Same key while the first is still running -> 409 ``idempotency_key_in_flight``. A row
  left ``in_flight`` by a dead worker is taken over after ``PMS_IDEMPOTENCY_ABANDONED_SECONDS``;
  should the first request still be running, its own update to ``done`` finds the claim
  gone and it rolls back (``IdempotencyInFlight``): the work is done once.
- A request that fails (an answer of 400 or more, raised or returned, or a crash) stores
  nothing: its transaction rolled back, the in-flight row is deleted, and the client may
  correct and retry with the same key. A refusal depends on the state at the time (a
  room taken, a folio closed), and nothing was done, so a retry runs again.
- Keys live ``PMS_IDEMPOTENCY_TTL_SECONDS`` (24 h); an expired key is treated as new.
- Without the header (where it is optional) the request runs exactly as before.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from apps.common.errors import DomainError, DomainValidationError
from apps.orders.error_codes import OrderErrorCode
from apps.orders.models import IdempotencyKey, Order
from apps.tenancy.models import Store

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Printable ASCII (a UUID, a ULID, "order-push-42"): what every HTTP stack carries as is.
_KEY_RE = re.compile(r"[\x20-\x7e]{1,%d}" % MAX_KEY_LENGTH)
# What the schema says of the header (the value as sent, spaces around it being the HTTP
# layer's): 1 to 255 printable ASCII characters, neither the first nor the last a space.
KEY_PATTERN = r"^[!-~](?:[ -~]{0,%d}[!-~])?$" % (MAX_KEY_LENGTH - 2)


def ttl() -> timedelta:
    return timedelta(seconds=settings.PMS_IDEMPOTENCY_TTL_SECONDS)


def abandoned_after() -> timedelta:
    return timedelta(seconds=settings.PMS_IDEMPOTENCY_ABANDONED_SECONDS)


class _FingerprintEncoder(JSONEncoder):
    """DRF's encoder (decimals, dates, UUIDs) and, for what a JSON body cannot hold (an
    uploaded file of a multipart body), its text: a fingerprint, never a 500."""

    def default(self, obj):
        try:
            return super().default(obj)
        except TypeError:
            return repr(obj)


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """sha256 of the method, the path and the body as canonical JSON (key order and
    whitespace do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=_FingerprintEncoder)
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


def _key_error(code: str, message: str) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {HEADER: [message]}})


def idempotency_key_parse(*, raw: str | None, required: bool) -> str | None:
    """The key of the header's value (spaces around it dropped), None without the header
    where it is optional; 400 ``idempotency_key_required`` without it where it is required,
    400 ``idempotency_key_invalid`` for an empty one, one over 255 characters or one with
    other characters than printable ASCII."""
    if raw is None:
        if required:
            raise _key_error(OrderErrorCode.IDEMPOTENCY_KEY_REQUIRED,
                             _("Send a unique Idempotency-Key header (at most 255 characters) with every order push."))
        return None
    key = raw.strip()
    if not _KEY_RE.fullmatch(key):
        raise _key_error(OrderErrorCode.IDEMPOTENCY_KEY_INVALID,
                         _("The Idempotency-Key header must be 1 to 255 printable ASCII characters, e.g. a UUID."))
    return key


def idempotency_begin(*, store: Store, user, key: str, fingerprint: str) -> Begun:
    """Claim ``key`` of ``user`` in ``store`` for a new request, or say what to answer
    instead. Must run outside any transaction (the claim is committed at once so
    concurrent duplicates see it)."""
    now = timezone.now()
    claim = IdempotencyKey(store=store, user=user, key=key, fingerprint=fingerprint, status=IdempotencyKey.Status.IN_FLIGHT,
                           created_at=now, started_at=now, expires_at=now + ttl())
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO orders_idempotencykey
                    (store_id, user_id, key, fingerprint, status, created_at, started_at, expires_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (store_id, user_id, key) DO NOTHING
                RETURNING id
                """,
                [store.pk, user.pk, key, fingerprint, claim.status, now, now, claim.expires_at],
            )
            row = cursor.fetchone()
    if row is not None:
        claim.pk = row[0]
        return Begun(claim)

    existing = IdempotencyKey.objects.filter(store=store, user=user, key=key).first()
    if existing is None:  # deleted by a failing first request between our two statements
        return idempotency_begin(store=store, user=user, key=key, fingerprint=fingerprint)
    if existing.expires_at <= now:
        taken = IdempotencyKey.objects.filter(pk=existing.pk, expires_at__lte=now).update(
            fingerprint=fingerprint, status=IdempotencyKey.Status.IN_FLIGHT, response_status=None, response_body=None,
            order=None, created_at=now, started_at=now, expires_at=now + ttl(),
        )
        if taken:
            return Begun(IdempotencyKey.objects.get(pk=existing.pk))
        existing.refresh_from_db()
    if existing.fingerprint != fingerprint:
        raise IdempotencyMismatch()
    if existing.status == IdempotencyKey.Status.DONE:
        logger.info("idempotency.replayed", extra={"idempotency_key_id": existing.pk, "store_id": store.pk})
        return Begun(None, replay=(existing.response_status, existing.response_body))
    # In flight: ours to retry only if its worker died (held far longer than any request).
    if existing.started_at <= now - abandoned_after():
        taken = IdempotencyKey.objects.filter(
            pk=existing.pk, status=IdempotencyKey.Status.IN_FLIGHT, started_at=existing.started_at
        ).update(started_at=now)
        if taken:
            logger.warning("idempotency.taken_over", extra={"idempotency_key_id": existing.pk, "store_id": store.pk})
            existing.started_at = now
            return Begun(existing)
    remaining = max(1, int((existing.started_at + abandoned_after() - now).total_seconds()))
    raise IdempotencyInFlight(retry_after_s=min(remaining, 5))


def idempotency_finish(*, key: IdempotencyKey, status: int, body: Any, order: Order | None = None) -> None:
    """Store the response; call inside the transaction that did the work. If another
    request took the claim over meanwhile (this one ran past the abandon time), raise
    ``IdempotencyInFlight``: the caller's transaction rolls back and the work is the
    other request's."""
    stored = IdempotencyKey.objects.filter(
        pk=key.pk, status=IdempotencyKey.Status.IN_FLIGHT, started_at=key.started_at
    ).update(status=IdempotencyKey.Status.DONE, response_status=status, response_body=body, order=order)
    if not stored:
        logger.warning("idempotency.claim_lost", extra={"idempotency_key_id": key.pk, "store_id": key.store_id})
        raise IdempotencyInFlight(retry_after_s=1)


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


# --- the API: a decorator for view methods ----------------------------------------------


@dataclass(frozen=True)
class IdempotencyPolicy:
    """What ``@idempotent`` attaches to a view method; the schema (``apps.common.schema.AutoSchema``)
    reads it to document the header, ``Idempotent-Replayed`` and the 400, 409 and 422 answers."""

    required: bool = False

    def openapi_parameters(self) -> list[OpenApiParameter]:
        if self.required:
            text = ("Required: a unique key per request (e.g. a UUID v4), the same through its retries; kept 24 h. ")
        else:
            text = ("Optional: a unique key per operation (e.g. a UUID v4), the same through its retries; kept 24 h. "
                    "Without it the request runs as it comes. ")
        return [
            OpenApiParameter(
                HEADER, {"type": "string", "pattern": KEY_PATTERN}, OpenApiParameter.HEADER, required=self.required,
                description=text + "Same key and body: the first answer is replayed (header `Idempotent-Replayed: true`) "
                "and nothing is done again; same key with another body or path: 422 `idempotency_key_mismatch`; the first "
                "request still running: 409 `idempotency_key_in_flight`. 1 to 255 printable ASCII characters "
                "(400 `idempotency_key_invalid`). Errors are not kept: a refused request may be retried with its key. "
                "docs/api.md, \"Idempotency\".",
            ),
            OpenApiParameter(
                REPLAY_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 201, 202],
                enum=["true"], description="`true` when this is the stored answer of an earlier request with the same "
                "`Idempotency-Key` (nothing was done again).",
            ),
        ]

    def openapi_errors(self) -> dict[int, tuple[str, list[tuple[str, str, dict]]]]:
        """status -> (what to add to its description, [(code, English message, extra)])."""
        key_errors = [("idempotency_key_invalid", "The Idempotency-Key header must be 1 to 255 printable ASCII characters, e.g. a UUID.",
                       {"fields": {HEADER: ["The Idempotency-Key header must be 1 to 255 printable ASCII characters, e.g. a UUID."]}})]
        if self.required:
            key_errors.insert(0, ("idempotency_key_required",
                                  "Send a unique Idempotency-Key header (at most 255 characters) with every order push.",
                                  {"fields": {HEADER: ["Send a unique Idempotency-Key header (at most 255 characters) with every order push."]}}))
        return {
            400: ("`" + "`, `".join(code for code, _m, _e in key_errors) + "`: the `Idempotency-Key` header.", key_errors),
            409: ("`idempotency_key_in_flight`: the first request with this `Idempotency-Key` is still running "
                  "(retry after `extra.retry_after_s`).",
                  [("idempotency_key_in_flight", "The first request with this Idempotency-Key is still being processed. Retry shortly.",
                    {"retry_after_s": 2})]),
            422: ("`idempotency_key_mismatch`: this `Idempotency-Key` was used with another request (body, path or method).",
                  [("idempotency_key_mismatch", "This Idempotency-Key was used with another request. Use a new key for a new request.", {})]),
        }


def idempotency_note_order(request, order: Order) -> None:
    """Record on the key of this request (if it has one) the order it made, for the admin."""
    request._idempotency_order = order


def _release_quietly(claim: IdempotencyKey) -> None:
    try:
        idempotency_release(key=claim)
    except Exception:  # noqa: BLE001 - the original error matters; a claim left in flight is taken over later
        logger.warning("idempotency.release_failed", extra={"idempotency_key_id": claim.pk, "store_id": claim.store_id})


def idempotent(view_method=None, *, required: bool = False):
    """Make a store-scoped view method (``post``, a viewset action) honour ``Idempotency-Key``.

    Runs after authentication and the store's scope (``StoreScopedMixin.initial``): a 401,
    403 or 404 of the scope never touches a key. With a key, the method runs in one
    transaction with the storing of its answer (services' own ``atomic`` blocks nest in
    it). A method that calls another decorated one (a subclass's ``super()``) is one
    request with one key."""

    def decorate(method):
        @functools.wraps(method)
        def handler(view, request, *args, **kwargs):
            if getattr(request, "_idempotency_claim", None) is not None:
                return method(view, request, *args, **kwargs)
            key = idempotency_key_parse(raw=request.headers.get(HEADER), required=required)
            if key is None:
                return method(view, request, *args, **kwargs)
            fingerprint = request_fingerprint(method=request.method, path=request.path, body=request.data)
            begun = idempotency_begin(store=view.store, user=request.user, key=key, fingerprint=fingerprint)
            if begun.replay is not None:
                code, body = begun.replay
                return Response(body, status=code, headers={REPLAY_HEADER: "true"})
            claim = request._idempotency_claim = begun.key
            try:
                with transaction.atomic():
                    response = method(view, request, *args, **kwargs)
                    if response.status_code < 400:
                        idempotency_finish(key=claim, status=response.status_code, body=jsonable(response.data),
                                           order=getattr(request, "_idempotency_order", None))
                    else:  # an error returned rather than raised: it commits nothing either
                        transaction.set_rollback(True)
            except BaseException:
                _release_quietly(claim)
                raise
            finally:
                request._idempotency_claim = None
            if response.status_code >= 400:
                _release_quietly(claim)
            return response

        handler.idempotency = IdempotencyPolicy(required=required)
        return handler

    return decorate(view_method) if view_method is not None else decorate
