"""`make run`: set up the database, a demo tenant, and serve the back office.

Usage: python scripts/run.py [--port 8000] [--no-serve]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import services  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--no-serve", action="store_true", help="set up and seed, then exit")
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    db_url, db_source = services.database_url()
    env["DATABASE_URL"] = db_url
    redis, redis_source = services.redis_url()
    if redis:
        env["REDIS_URL"] = redis
    else:
        env["PMS_NO_REDIS"] = "1"
    print(f"[run] PostgreSQL: {db_source} ({db_url})", flush=True)
    print(f"[run] Redis: {redis_source}{'' if redis else ' - using an in-process cache and running tasks inline'}", flush=True)

    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    subprocess.run(manage + ["setup_db"], env=env, check=True, cwd=ROOT)
    subprocess.run(manage + ["seed_demo"], env=env, check=True, cwd=ROOT)
    if args.no_serve:
        return 0
    print(f"[run] Back office: http://{args.host}:{args.port}/t/demo/  (Ctrl-C to stop)", flush=True)
    try:
        return subprocess.call(manage + ["runserver", "--noreload", f"{args.host}:{args.port}"], env=env, cwd=ROOT)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
