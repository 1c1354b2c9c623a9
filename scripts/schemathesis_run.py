"""Schemathesis over the whole API against a live server: no server error, no response that breaks the schema.

    .venv/bin/python scripts/schemathesis_run.py [--max-examples 150] [--seeds 1,2,3] [--workers 2] [--checks all] [--include-path-regex REGEX]
    make contract

Starts gunicorn on a free port against the bench database (``pms_bench``, see
bench/_common.py), provisions a fresh tenant with two stores, staff and each app's demo
data, logs in through ``auth/login/`` for a bearer token, then runs ``st run`` with the
schema from ``/api/schema/`` and base URL ``http://127.0.0.1:<port>/t/<slug>``.

For each seed (``--seeds``, three by default), two runs, so that logging out does not cut
the main run short: every operation except ``auth_logout`` with one token, then
``auth_logout`` alone with another; each seed gets fresh tokens. Checks: ``all`` by
default (every check Schemathesis has: server errors, status codes, content types,
response headers and schemas, negative data rejected, positive data accepted, missing
auth, unsupported methods, ...). The coverage phase alone generates thousands of cases
(edge values, wrong types, unexpected methods); ``--max-examples`` adds fuzzing cases per
operation. Prints the failing operations and one JSON summary line with the number of
generated cases per seed and in all, and exits non-zero on any failure (logs and JUnit
in var/schemathesis/).

``st run`` reads ``schemathesis.toml`` at the repository's root: the operations whose
schema-valid requests may answer a business rule's 400 or 422 (docs/api.md, "Contract checks").

The bench database is ``pms_bench`` unless ``BENCH_DATABASE_URL`` names another.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import drop_tenant, fresh_tenant, serve, setup_django  # noqa: E402

PASSWORD = "bench-pass-1"
REPORTS = ROOT / "var" / "schemathesis"


def _provision():
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from apps.tenancy.models import StaffProfile
    from apps.tenancy.services import setting_set, staff_create, store_create

    tenant, store, _admin = fresh_tenant(prefix="st", store_name="契约测试店")
    with tenant_context(tenant), transaction.atomic():
        second = store_create(name="第二门店", code="second")
        staff_create(username="manager", password=PASSWORD, role=StaffProfile.Role.STORE_MANAGER, stores=[store])
        staff_create(username="clerk", password=PASSWORD, role=StaffProfile.Role.FRONT_DESK, stores=[second])
        setting_set(store=None, group="policy", key="checkout_time", value="12:00", value_type="time")
        setting_set(store=store, group="policy", key="checkout_time", value="13:00", value_type="time")
        for app in ("rooms", "contacts", "orders", "folios"):
            try:
                module = importlib.import_module(f"apps.{app}.demo")
            except ModuleNotFoundError:
                continue
            for s in (store, second):
                module.seed(store=s)
    return tenant


def _login(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/login/", data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access"]


def _st(schema_url: str, base: str, token: str, name: str, seed: int, args, extra: list[str]) -> tuple[int, dict]:
    cmd = [
        str(Path(sys.executable).with_name("st")), "--no-color", "run", schema_url, "--url", base,
        "--header", f"Authorization: Bearer {token}", "--checks", args.checks,
        "--max-examples", str(args.max_examples), "--seed", str(seed), "--workers", str(args.workers),
        "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
        "--report", "junit", "--report-junit-path", str(REPORTS / f"{name}.junit.xml"), *extra,
    ]
    completed = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    output = completed.stdout + completed.stderr
    (REPORTS / f"{name}.log").write_text(output)
    return completed.returncode, _summary(output)


def _summary(output: str) -> dict:
    """Generated cases, failures and failing operations, from the text summary of ``st run``."""
    generated = re.search(r"^\s*(\d+) generated", output, re.M)
    failures = re.search(r"(\d+) found (\d+) unique failures", output)
    failing = []
    for match in re.finditer(r"^_{3,} (\S+ \S+) _{3,}\n1\. Test Case ID: \S+\n\n- (ST\d+ [^\n]+)", output, re.M):
        failing.append(f"{match[1]}: {match[2]}")
    return {
        "cases": int(generated[1]) if generated else 0,
        "failures": int(failures[2]) if failures else len(failing),
        "failing": failing,
    }


def _seeds(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=150, help="generated cases per operation in the fuzzing phase")
    parser.add_argument("--seeds", type=_seeds, default=[20260501, 20260502, 20260503], help="comma-separated; one run per seed")
    parser.add_argument("--checks", default="all", help="schemathesis checks (comma-separated, or all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the tenants afterwards")
    parser.add_argument("--include-path-regex", default="", help="only operations whose path matches (e.g. /auth/)")
    args = parser.parse_args()

    # the fake code2Session client: the live server must not call WeChat
    os.environ.setdefault("PMS_WECHAT_CLIENT", "apps.tenancy.wechat.FakeWeChatClient")
    # one seed's run can outlast a production access token on a busy machine
    os.environ.setdefault("PMS_ACCESS_TOKEN_SECONDS", str(12 * 3600))
    setup_django()
    REPORTS.mkdir(parents=True, exist_ok=True)
    runs, rcs, failing = [], [], []
    with serve(workers=args.workers + 1) as server:
        schema_url = f"{server}/api/schema/?format=json"
        for seed in args.seeds:
            # a fresh tenant per seed: its own data, its own log-in counters
            tenant = _provision()
            try:
                base = f"{server}/t/{tenant.slug}"
                # both tokens first: the main run fuzzes auth/login/ until this address is throttled
                main_token, logout_token = _login(base), _login(base)
                only = ["--include-path-regex", args.include_path_regex] if args.include_path_regex else []
                main_rc, main = _st(schema_url, base, main_token, f"main-{seed}", seed, args,
                                    ["--exclude-operation-id", "auth_logout", *only])
                out_rc, out = _st(schema_url, base, logout_token, f"logout-{seed}", seed, args,
                                  ["--include-operation-id", "auth_logout"])
            finally:
                if not args.keep:
                    from django.db import connection

                    connection.set_schema_to_public()
                    drop_tenant(tenant)
            rcs += [main_rc, out_rc]
            failing += [f"seed {seed}: {line}" for line in main["failing"] + out["failing"]]
            runs.append({"seed": seed, "cases": main["cases"] + out["cases"], "failures": main["failures"] + out["failures"],
                         "exit_codes": [main_rc, out_rc]})
            print(json.dumps(runs[-1]), flush=True)
    cases = sum(run["cases"] for run in runs)
    failures = sum(run["failures"] for run in runs)
    for line in failing:
        print(f"FAILED {line}")
    ok = not any(rcs) and failures == 0
    print(json.dumps({
        "schemathesis": "ok" if ok else "failed", "checks": args.checks, "cases": cases, "failures": failures,
        "seeds": runs, "logs": str(REPORTS.relative_to(ROOT)),
    }))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
