"""Provision N tenants (schema cloned from the template, first store, admin) and time each.

Usage: python bench/tenant_provision.py [N]   (default 20)
Last line: {"bench": "tenant_provision", "n": ..., "p50_s": ..., "p95_s": ...}
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, setup_django  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tpl_base'")
        tables = cursor.fetchone()[0]
    durations, tenants = [], []
    try:
        for _ in range(n):
            started = time.perf_counter()
            tenant, _store, _admin = fresh_tenant(prefix="prov")
            durations.append(time.perf_counter() - started)
            tenants.append(tenant)
    finally:
        for tenant in tenants:
            drop_tenant(tenant)
    ordered = sorted(durations)
    emit({
        "bench": "tenant_provision",
        "n": n,
        "tables_per_schema": tables,
        "p50_s": round(ordered[len(ordered) // 2], 3),
        "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max_s": round(ordered[-1], 3),
    })


if __name__ == "__main__":
    main()
