"""Key rotation: 100,000 contacts encrypted under key A, rotated to [B, A] by the real
management command (batches of 1,000), then every row verified under key B alone.

Usage: python bench/key_rotation.py [ROWS] [BATCH]   (defaults 100000, 1000)
Last line: {"bench": "key_rotation", "rows": ..., "rows_per_s": ..., "failures": 0, ...}
"""
from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, setup_django  # noqa: E402


def _people(n: int):
    """n distinct (resident ID, phone) pairs, checksum-correct, deterministic."""
    from datetime import date, timedelta

    from apps.contacts.documents import resident_id_check_char

    start = date(1960, 1, 1)
    for i in range(n):
        born = (start + timedelta(days=i // 1000)).strftime("%Y%m%d")
        first17 = f"330106{born}{i % 1000:03d}"
        yield first17 + resident_id_check_char(first17), f"+86139{i:08d}"


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    setup_django()
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from apps.contacts import crypto
    from apps.contacts.documents import mask_document
    from apps.contacts.models import Contact
    from apps.contacts.phones import mask_phone

    key_a, key_b, blind = crypto.generate_key(), crypto.generate_key(), crypto.generate_key()
    os.environ["PMS_BLIND_INDEX_KEY"] = blind
    os.environ["PMS_FIELD_KEYS"] = f"ka:{key_a}"
    ring_a = crypto.reload_keyring()

    tenant, store, _admin = fresh_tenant(prefix="rot")
    failures = 0
    try:
        with tenant_context(tenant):
            schema = tenant.schema_name
            expected: dict[int, tuple[str, str]] = {}
            started = time.perf_counter()
            chunk: list[Contact] = []
            plain: list[tuple[str, str]] = []

            def flush():
                for obj, values in zip(Contact.objects.bulk_create(chunk), plain):
                    expected[obj.pk] = values
                chunk.clear()
                plain.clear()

            for i, (doc, phone) in enumerate(_people(rows)):
                # precomputed ciphertexts and indexes (what the service does, without its lookups)
                chunk.append(Contact(
                    store=store, full_name=f"客人{i}", id_type="resident_id", nationality="CHN",
                    id_number_encrypted=crypto.encrypt(doc, field="id_number", schema=schema, ring=ring_a),
                    id_number_blind_index=crypto.blind_index(doc, field="id_number", schema=schema, ring=ring_a),
                    id_number_masked=mask_document(doc),
                    phone_encrypted=crypto.encrypt(phone, field="phone", schema=schema, ring=ring_a),
                    phone_blind_index=crypto.blind_index(phone, field="phone", schema=schema, ring=ring_a),
                    phone_masked=mask_phone(phone),
                ))
                plain.append((doc, phone))
                if len(chunk) == 5000:
                    flush()
            flush()
            insert_s = time.perf_counter() - started

            # Rotate: key B first, key A still configured for reading.
            os.environ["PMS_FIELD_KEYS"] = f"kb:{key_b},ka:{key_a}"
            out = io.StringIO()
            started = time.perf_counter()
            call_command("rotate_contact_keys", "--tenant", tenant.slug, "--batch", str(batch), stdout=out)
            rotate_s = time.perf_counter() - started
            sys.stderr.write("".join(out.getvalue().splitlines(keepends=True)[-3:]))

            # Verify every row under key B alone.
            only_b = crypto.Keyring.from_strings(f"kb:{key_b}", blind)
            checked = 0
            for pk, doc_ct, phone_ct in Contact.objects.order_by("pk").values_list(
                "pk", "id_number_encrypted", "phone_encrypted"
            ).iterator(chunk_size=5000):
                checked += 1
                try:
                    got = (
                        crypto.decrypt(doc_ct, field="id_number", schema=schema, ring=only_b),
                        crypto.decrypt(phone_ct, field="phone", schema=schema, ring=only_b),
                    )
                except crypto.ProtectedValueError:
                    failures += 1
                    continue
                if got != expected.get(pk):
                    failures += 1
            failures += abs(rows - checked)
    finally:
        from django.db import connection

        connection.set_schema_to_public()
        drop_tenant(tenant)
        os.environ.pop("PMS_FIELD_KEYS", None)
        os.environ.pop("PMS_BLIND_INDEX_KEY", None)
    emit({
        "bench": "key_rotation",
        "rows": rows,
        "rows_per_s": round(rows / rotate_s),
        "failures": failures,
        "rotate_s": round(rotate_s, 2),
        "batch": batch,
        "insert_s": round(insert_s, 2),
    })


if __name__ == "__main__":
    main()
