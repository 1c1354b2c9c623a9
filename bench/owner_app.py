"""The owner app (miniprogram/): H5 first load to the overview, and the mp main package size.

A tenant with the demo data of its store (the apps' ``demo.seed``), served by gunicorn as
production runs it (gunicorn.conf.py, or BENCH_WORKERS / BENCH_THREADS) behind
scripts/owner_app_h5.py (the H5 build and the API on one loopback origin). Each run opens
the app in a new Chromium context (390x844, empty HTTP cache, the owner signed in: tokens
in its storage) at the overview and stops the clock when the first figure is on screen.
Requests to other hosts are aborted and counted. The builds are made (or reused) as the
tests make them (tests/owner_app/app_build.py).

Usage: python bench/owner_app.py   (env BENCH_RUNS=20)
Last line: {"bench": "owner_app", "runs", "first_load_to_overview": {"p50_ms", "p95_ms", "p99_ms"},
            "target_p95_ms": 1000, "median_ms_from_navigation": {dom_content_loaded, app_js, first_api_request,
            overview_answered} (the browser's own clock from the navigation's start), "mp_main_package_bytes", "mp_total_bytes", "h5_bytes", "foreign_requests"}
"""
from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, drop_tenant, emit, fresh_tenant, percentiles, serve, server_config, setup_django  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", 20))
CHROMIUM = os.environ.get("PMS_CHROMIUM", "/usr/bin/chromium")


def seed(tenant, store) -> None:
    import importlib

    from django.db import connection
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        for app in ("rooms", "contacts", "orders", "folios"):
            importlib.import_module(f"apps.{app}.demo").seed(store=store)
    connection.set_schema_to_public()


def api_login(base: str, slug: str) -> dict:
    body = json.dumps({"username": "admin", "password": "bench-pass-1"}).encode()
    req = urllib.request.Request(f"{base}/t/{slug}/api/v1/auth/login/", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "Idempotency-Key": "bench-owner-app"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def main() -> None:
    from scripts.owner_app_h5 import serve as serve_h5
    from tests.owner_app import app_build

    app_build.ensure_node_modules()
    app_build.generate_schema()
    app_build.build_all()
    sizes = app_build.mp_sizes()

    setup_django()
    tenant, store, _admin = fresh_tenant("oa", store_name="西湖店")
    workers, threads = server_config()
    try:
        seed(tenant, store)
        with serve(workers=workers, threads=threads) as api:
            h5, base = serve_h5(api=api)
            pair = api_login(api, tenant.slug)
            storage = {"pms.tenant": tenant.slug, "pms.access": pair["access"], "pms.refresh": pair["refresh"],
                       "pms.store": str(store.pk)}
            init = "".join(f"localStorage.setItem({json.dumps(k)}, {json.dumps(v)});" for k, v in storage.items())
            allowed = {urlsplit(base).netloc}
            foreign: list[str] = []

            def guard(route):
                if urlsplit(route.request.url).netloc in allowed or route.request.url.startswith("data:"):
                    route.fallback()
                else:
                    foreign.append(route.request.url)
                    route.abort()

            from playwright.sync_api import sync_playwright

            from tests.browser import CHROMIUM_ARGS

            samples: list[float] = []
            breakdown: dict[str, list[float]] = {}
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                for i in range(RUNS + 2):  # two warm-up runs (the server's first requests)
                    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
                    context.add_init_script(f"if (!sessionStorage.getItem('pms.bench')) {{ {init} sessionStorage.setItem('pms.bench', '1'); }}")
                    context.route("**/*", guard)
                    page = context.new_page()
                    t0 = time.perf_counter()
                    page.goto(f"{base}/#/pages/overview/overview")
                    page.locator("[data-testid=today] [data-k=room_revenue]").wait_for(timeout=30_000)
                    elapsed = time.perf_counter() - t0
                    marks = page.evaluate("""() => {
                        const nav = performance.getEntriesByType('navigation')[0];
                        const res = performance.getEntriesByType('resource');
                        const end = (s) => Math.max(0, ...res.filter(r => r.name.includes(s)).map(r => r.responseEnd));
                        const start = (s) => Math.min(...res.filter(r => r.name.includes(s)).map(r => r.startTime));
                        return {dom_content_loaded: nav.domContentLoadedEventEnd, app_js: end('/assets/index-'),
                                first_api_request: start('/api/v1/'), overview_answered: end('/m/overview/')};
                    }""")
                    if i >= 2:
                        samples.append(elapsed)
                        for k, v in marks.items():
                            breakdown.setdefault(k, []).append(v / 1000)
                    context.close()
                browser.close()
            h5.shutdown()
    finally:
        drop_tenant(tenant)

    stats = percentiles(samples)
    medians = {k: percentiles(v)["p50_ms"] for k, v in breakdown.items()}
    print(f"owner app H5, cold context, signed in, to the overview's first figure: {RUNS} runs, "
          f"p50 {stats['p50_ms']} ms, p95 {stats['p95_ms']} ms (gunicorn {workers}x{threads}); "
          f"mp-weixin main package {sizes['main']} B of {sizes['total']} B", flush=True)
    emit({
        "bench": "owner_app", "runs": RUNS, "first_load_to_overview": stats, "target_p95_ms": 1000,
        "median_ms_from_navigation": medians,
        "mp_main_package_bytes": sizes["main"], "mp_total_bytes": sizes["total"], "mp_subpackages": sizes["subpackages"],
        "h5_bytes": app_build.dir_size(app_build.DIST / "h5"), "foreign_requests": len(foreign),
        "server": f"gunicorn {workers}x{threads}",
    })


if __name__ == "__main__":
    main()
