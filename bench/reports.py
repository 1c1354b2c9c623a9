"""A year's range report through the API, for one store and for a tenant of 10 stores,
and a year's xlsx export (issue 19, docs/reports.md).

The tenant: 10 stores of ``BENCH_ROOMS`` rooms (default 300). Each store has two years of
closed days (730 rows of the night audit's daily figures, as the audit writes them: 300
rooms, 0-3 out of order, 55-90 % sold at 260-420, extras) and an open business day
(yesterday, store-local) with 70 % of its rooms in the house (orders, lines and held
nights bulk-written as ``bench/night_audit.py`` does): the open night is computed live.
The daily rows are written in bulk, not by replaying 730 audits per store: the reports
read those rows, so what is measured is what a year of audits leaves behind.

Through gunicorn (``gunicorn.conf.py``'s workers), the tenant admin's bearer token:

    GET reports/range/?start=D-364&end=D&granularity=month&store=<first store>   x BENCH_N (default 40)
    GET reports/range/?start=D-364&end=D&granularity=month&store=all            x BENCH_N

(each with the previous period and the same period last year: two years of rows read),
then in this process the year's range report of the 10 stores by day exported to xlsx
(``exports.xlsx_bytes``: 365 trend rows, the comparison and 10 stores), BENCH_XLSX times
(default 5), the median reported.

Targets: p95 < 200 ms (both), xlsx < 2 s.
Last line: {"bench": "reports", "p95_ms": ..., "tenant_p95_ms": ..., "xlsx_s": ..., "days": 365, "rooms": 300}
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import drop_tenant, emit, fresh_tenant, percentiles, serve, server_config, setup_django  # noqa: E402
from booking_race import Http  # noqa: E402

ROOMS = int(os.environ.get("BENCH_ROOMS", 300))
STORES = int(os.environ.get("BENCH_STORES", 10))
N = int(os.environ.get("BENCH_N", 40))
XLSX_RUNS = int(os.environ.get("BENCH_XLSX", 5))
HISTORY_DAYS = 730


def build(store, rnd: random.Random) -> dict:
    """Rooms, the open day's stays (night_audit's bench builder), two years of closed days."""
    from django.utils import timezone
    from night_audit import build_store

    from apps.night_audit.models import DailyStoreStats

    built = build_store(store, rnd, ROOMS)
    day = built["day"]
    now = timezone.now()
    rows = []
    for k in range(1, HISTORY_DAYS + 1):
        out = rnd.randint(0, 3)
        sold = int((ROOMS - out) * rnd.uniform(0.55, 0.9))
        rate = Decimal(rnd.randint(26000, 42000)) / 100
        rows.append(DailyStoreStats(
            store=store, date=day - timedelta(days=k), rooms_total=ROOMS, rooms_out_of_order=out,
            rooms_available=ROOMS - out, rooms_sold=sold, room_revenue=rate * sold,
            other_revenue=Decimal(rnd.randint(0, 400000)) / 100, arrivals=sold // 3, departures=sold // 3,
            no_shows=rnd.randint(0, 2), currency="CNY", computed_at=now,
        ))
    DailyStoreStats.objects.bulk_create(rows, batch_size=1000)
    return built


def main() -> None:
    setup_django()
    from django.db import connection
    from django_tenants.utils import tenant_context

    from apps.reports import exports, selectors
    from apps.tenancy.services import store_create

    rnd = random.Random(19)
    t0 = time.perf_counter()
    tenant, first_store, _admin = fresh_tenant("rp")
    try:
        with tenant_context(tenant):
            stores = [first_store] + [store_create(name=f"门店{i + 2}", code=f"s{i + 2}") for i in range(STORES - 1)]
            days = [build(s, rnd)["day"] for s in stores]
        connection.set_schema_to_public()
        day = days[0]
        start = day - timedelta(days=364)
        build_s = time.perf_counter() - t0

        workers, threads = server_config()
        with serve(workers=workers, threads=threads) as base:
            http = Http(base, {})
            status, body = http.request("POST", f"/t/{tenant.slug}/api/v1/auth/login/",
                                        {"username": "admin", "password": "bench-pass-1"})
            assert status == 200, body
            http.headers["Authorization"] = f"Bearer {body['access']}"
            path = f"/t/{tenant.slug}/api/v1/reports/range/?start={start.isoformat()}&end={day.isoformat()}&granularity=month"

            def timed(store_param: str) -> tuple[list[float], dict]:
                samples, last = [], {}
                for i in range(N + 3):
                    began = time.perf_counter()
                    status, last = http.request("GET", f"{path}&store={store_param}")
                    took = time.perf_counter() - began
                    assert status == 200, last
                    if i >= 3:  # the first requests warm each worker's caches
                        samples.append(took)
                return samples, last

            one, one_body = timed(str(first_store.pk))
            many, many_body = timed("all")
            http.close()
        assert one_body["total"]["audited_nights"] == 364 and many_body["store_count"] == STORES

        with tenant_context(tenant):
            xlsx_times, size = [], 0
            for _ in range(XLSX_RUNS):
                began = time.perf_counter()
                report = selectors.range_report(stores=stores, start=start, end=day, granularity="day")
                size = len(exports.xlsx_bytes(exports.tables_range(report)))
                xlsx_times.append(time.perf_counter() - began)
        connection.set_schema_to_public()

        load = os.getloadavg()[0]
        single, tenant_wide = percentiles(one), percentiles(many)
        print(f"data: {STORES} stores x {ROOMS} rooms, {HISTORY_DAYS} closed days each and an open day with "
              f"{round(ROOMS * 0.7)} stays in the house, built in {build_s:.1f} s; one store p50 {single['p50_ms']} ms, "
              f"tenant p50 {tenant_wide['p50_ms']} ms ({N} requests each, {workers} workers x {threads} threads); "
              f"xlsx {size} bytes, runs {[round(x, 3) for x in xlsx_times]} s; load average {load:.1f}; "
              f"at {datetime.now().isoformat(timespec='seconds')}")
        emit({"bench": "reports", "p95_ms": single["p95_ms"], "tenant_p95_ms": tenant_wide["p95_ms"],
              "xlsx_s": round(statistics.median(xlsx_times), 3), "days": 365, "rooms": ROOMS, "stores": STORES,
              "p50_ms": single["p50_ms"], "tenant_p50_ms": tenant_wide["p50_ms"]})
    finally:
        connection.set_schema_to_public()
        drop_tenant(tenant)


if __name__ == "__main__":
    main()
