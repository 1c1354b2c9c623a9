"""`make test`: find or start PostgreSQL and Redis, check migrations, run pytest.

Extra arguments go to pytest (e.g. `make test ARGS="-k rooms -x"`).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import services  # noqa: E402


def main() -> int:
    env = dict(os.environ)
    db_url, db_source = services.database_url("postgres")
    env["DATABASE_URL"] = db_url
    redis, redis_source = services.redis_url()
    if not redis:
        print("[test] Redis is required by the tests and none was found or could be started "
              "(install redis-server, or set REDIS_URL).", file=sys.stderr)
        return 2
    env["REDIS_URL"] = redis
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    print(f"[test] PostgreSQL: {db_source}; Redis: {redis_source}", flush=True)
    check = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT, env=env,
        capture_output=True, text=True,
    )
    if check.returncode != 0:
        print(check.stdout + check.stderr, file=sys.stderr)
        print("[test] Models changed without a migration.", file=sys.stderr)
        return 1
    return subprocess.call([sys.executable, "-m", "pytest", *sys.argv[1:]], cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
