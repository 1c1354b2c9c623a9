"""Compare the OpenAPI document of this checkout with the one of a git revision.

    .venv/bin/python scripts/openapi_compare.py 7245970

Both documents are generated the same way (``manage.py spectacular --urlconf
config.urls_api``, the command ``make schema`` runs), the revision's from a copy of its
tree taken with ``git archive``, with this checkout's Python and packages. They are
compared as data: object keys in any order, everything else (paths, operations, schemas,
examples, list order) exactly. Prints the differences and exits 1 if there are any,
else prints one JSON line ``{"openapi_compare": "identical", ...}`` and exits 0.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(tree: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "openapi.json"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "PYTHONPATH": str(tree)}
        subprocess.run(
            [sys.executable, "manage.py", "spectacular", "--urlconf", "config.urls_api", "--format", "openapi-json",
             "--file", str(out)],
            cwd=tree, env=env, check=True, capture_output=True, text=True,
        )
        return json.loads(out.read_text())


def tree_of(revision: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def differences(a, b, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a:
                out.append(f"{where}/{key}: only in this checkout")
            elif key not in b:
                out.append(f"{where}/{key}: only in the revision")
            else:
                out += differences(a[key], b[key], f"{where}/{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(b)} items in the revision, {len(a)} here"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {json.dumps(b, ensure_ascii=False)[:200]} -> {json.dumps(a, ensure_ascii=False)[:200]}"]


def main() -> int:
    revision = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    here = generate(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        there = generate(tree_of(revision, Path(tmp)))
    diffs = differences(here, there)
    for line in diffs:
        print(line)
    print(json.dumps({"openapi_compare": "identical" if not diffs else "different", "revision": revision,
                      "paths": len(here.get("paths", {})), "schemas": len(here.get("components", {}).get("schemas", {})),
                      "differences": len(diffs)}))
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
