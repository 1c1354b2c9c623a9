"""Building the owner app (miniprogram/) for the tests and the bench: the OpenAPI schema from
the current code, its TypeScript types, `vue-tsc`, and the H5 and mp-weixin builds.

Builds are cached: a build is redone only when its inputs (sources, lockfile, generated
types, build variables) changed since the last one (a stamp in dist/), so a session builds
at most once and a second session with nothing changed builds nothing.
Every node process runs with tools/offline-guard.cjs: a DNS lookup or connection to
another host is refused and logged; ``offline_violations()`` returns the log.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "miniprogram"
DIST = APP / "dist" / "build"
SCHEMA_JSON = APP / "openapi.json"
SCHEMA_TS = APP / "src" / "api" / "schema.d.ts"
OFFLINE_LOG = APP / "dist" / "offline-violations.log"
MAIN_PACKAGE_LIMIT = 1024 * 1024  # the budget; WeChat's own limit is 2 MB
# Test builds: WeChat log-in through the development fake code2Session client in H5, reminders
# every 2 s, the API client on window.__pms.
H5_TEST_ENV = {"VITE_PMS_FAKE_WECHAT": "1", "VITE_PMS_POLL_MS": "2000", "VITE_PMS_TEST_HOOKS": "1"}


class NodeMissing(RuntimeError):
    pass


def node_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["CI"] = "1"  # uni's CLI skips its update check (a POST to uniapp.dcloud.net.cn)
    env["PMS_OFFLINE_LOG"] = str(OFFLINE_LOG)
    guard = f"--require {APP / 'tools' / 'offline-guard.cjs'}"
    env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") + " " + guard).strip()
    env["BROWSERSLIST_IGNORE_OLD_DATA"] = "1"
    env.update(extra or {})
    return env


def run(cmd: list[str], *, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(["nice", "-n", "10", *cmd], cwd=APP, env=env or node_env(), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def ensure_node_modules() -> None:
    if not (shutil.which("node") and shutil.which("npm")):
        raise NodeMissing("node and npm are required (apt-get install nodejs npm)")
    if not (APP / "node_modules" / ".bin" / "uni").exists():
        # Like .ci/run: exact versions from the lockfile, nothing resolved anew.
        run(["npm", "ci", "--no-audit", "--no-fund"], env=dict(os.environ), timeout=600)


def generate_schema() -> Path:
    """openapi.json from the current code (manage.py spectacular), then schema.d.ts."""
    OFFLINE_LOG.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--urlconf", "config.urls_api", "--format", "openapi-json",
         "--file", str(SCHEMA_JSON)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    run(["node", "node_modules/.bin/openapi-typescript", str(SCHEMA_JSON), "-o", str(SCHEMA_TS), "--default-non-nullable=false"])
    return SCHEMA_TS


def typecheck() -> subprocess.CompletedProcess:
    return run(["node", "node_modules/.bin/vue-tsc", "--noEmit", "-p", "."])


def _inputs_digest(platform: str, extra_env: dict) -> str:
    h = hashlib.sha256()
    for path in sorted([*(APP / "src").rglob("*"), APP / "package-lock.json", APP / "vite.config.ts", APP / "index.html"]):
        if path.is_file():
            h.update(str(path.relative_to(APP)).encode())
            h.update(path.read_bytes())
    h.update(json.dumps([platform, sorted(extra_env.items())]).encode())
    return h.hexdigest()


def build(platform: str) -> dict:
    """Build ``platform`` (h5 or mp-weixin) unless its stamp says it is up to date."""
    extra = H5_TEST_ENV if platform == "h5" else {}
    out = DIST / platform
    stamp = APP / "dist" / f".stamp-{platform}"
    digest = _inputs_digest(platform, extra)
    if out.is_dir() and stamp.exists() and stamp.read_text() == digest:
        return {"platform": platform, "cached": True}
    run(["node", "node_modules/.bin/uni", "build", "-p", platform], env=node_env(extra))
    stamp.write_text(digest)
    return {"platform": platform, "cached": False}


def build_all() -> dict:
    """Both builds, side by side (two cores)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(build, ["h5", "mp-weixin"]))
    return {r["platform"]: r for r in results}


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mp_sizes() -> dict:
    """Main package = everything in the mp-weixin output outside the subpackages' roots (app.json)."""
    root = DIST / "mp-weixin"
    app = json.loads((root / "app.json").read_text())
    subs = [s["root"].strip("/") for s in app.get("subPackages", app.get("subpackages", []))]
    total = dir_size(root)
    sub_sizes = {s: dir_size(root / s) for s in subs}
    return {"total": total, "main": total - sum(sub_sizes.values()), "subpackages": sub_sizes}


def offline_violations() -> list[str]:
    return OFFLINE_LOG.read_text().splitlines() if OFFLINE_LOG.exists() else []
