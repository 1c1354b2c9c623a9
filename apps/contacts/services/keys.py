"""Key rotation: every protected value re-encrypted with the current key, in batches, resumable."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.views.decorators.debug import sensitive_variables

from apps.contacts import crypto
from apps.contacts.models import Contact
from apps.contacts.selectors import (
    FIELD_BIRTH_DATE,
    FIELD_ID_NUMBER,
    FIELD_PHONE,
)
from apps.contacts.services.protection import logger


@dataclass
class RotationProgress:
    schema: str
    scanned_to_pk: int = 0
    rotated: int = 0
    failures: int = 0
    batches: int = 0


def _needs_rotation_sql(current: str) -> tuple[str, list[str]]:
    # starts_with, not LIKE: a key id may contain "_", a LIKE wildcard.
    prefix = current + ":"
    return (
        "((id_number_encrypted <> '' AND NOT starts_with(id_number_encrypted, %s)) "
        "OR (phone_encrypted <> '' AND NOT starts_with(phone_encrypted, %s)) "
        "OR (birth_date_encrypted <> '' AND NOT starts_with(birth_date_encrypted, %s)))",
        [prefix, prefix, prefix],
    )


def contact_keys_rotate(
    *, batch_size: int = 1000, after_pk: int = 0, on_batch: Callable[[RotationProgress], None] | None = None
) -> RotationProgress:
    """Re-encrypt, under the current key, every contact of the current tenant written
    under an older one. Safe while the system runs and resumable.

    Walks the table by primary key in batches; each batch is one short transaction that
    locks only its rows (``FOR UPDATE``), so a concurrent edit waits at most one batch
    and is never lost. Rows already under the current key are skipped, so a rerun after
    a crash continues where it stopped. A row that does not decrypt is counted as a
    failure (logged by id, never by value) and left as it is.
    """
    ring = crypto.keyring()
    current = ring.current_id
    schema = connection.schema_name
    progress = RotationProgress(schema=schema, scanned_to_pk=after_pk)
    where, params = _needs_rotation_sql(current)
    table = Contact._meta.db_table
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, id_number_encrypted, phone_encrypted, birth_date_encrypted FROM {table} "
                f"WHERE id > %s AND {where} ORDER BY id LIMIT %s FOR UPDATE",
                [progress.scanned_to_pk, *params, batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            updates = []
            for pk, doc, phone, birth in rows:
                try:
                    new_doc = _reencrypt(doc, FIELD_ID_NUMBER, current, ring, schema)
                    new_phone = _reencrypt(phone, FIELD_PHONE, current, ring, schema)
                    new_birth = _reencrypt(birth, FIELD_BIRTH_DATE, current, ring, schema)
                except crypto.ProtectedValueError as exc:
                    progress.failures += 1
                    logger.error("contact.rotation_failed", extra={"contact_id": pk, "schema": schema, "reason": exc.extra.get("reason")})
                    continue
                updates.append((pk, new_doc, new_phone, new_birth))
            if updates:
                # Four array parameters, not 4 x batch placeholders: one cheap statement.
                ids, docs, phones, births = (list(col) for col in zip(*updates))
                cursor.execute(
                    f"UPDATE {table} AS c SET id_number_encrypted = v.doc, phone_encrypted = v.phone, "
                    "birth_date_encrypted = v.birth "
                    "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS v(id, doc, phone, birth) "
                    "WHERE c.id = v.id",
                    [ids, docs, phones, births],
                )
            progress.rotated += len(updates)
            progress.scanned_to_pk = rows[-1][0]
            progress.batches += 1
        if on_batch is not None:
            on_batch(progress)
    logger.info(
        "contact.keys_rotated",
        extra={"schema": schema, "rotated": progress.rotated, "failures": progress.failures, "key_id": current},
    )
    return progress


@sensitive_variables()
def _reencrypt(value: str, field: str, current: str, ring: crypto.Keyring, schema: str) -> str:
    if not value or crypto.key_id_of(value) == current:
        return value
    return crypto.encrypt(crypto.decrypt(value, field=field, schema=schema, ring=ring), field=field, schema=schema, ring=ring)
