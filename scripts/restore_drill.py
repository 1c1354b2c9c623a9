"""Restore drill: a base backup + WAL archive restored to a point in time, and one tenant put back.

    python scripts/restore_drill.py [--keep] [--port 55432]

In a temporary directory, with PostgreSQL's own programs (``PG_BIN``, default Debian's newest):

1. starts a throwaway cluster (``initdb`` + ``pg_ctl``, its own port) archiving its WAL with
   ``scripts/backup/archive_wal.sh``; ``setup_db``, the demo tenant (``seed_demo``) and a second
   tenant (``provision_tenant``);
2. takes a base backup (``scripts/pg_backup.py base-backup``, verified);
3. changes the demo tenant (the "good" change), notes every table's rows in both tenants, and
   the time T;
4. after T, the accident: the demo tenant's stores renamed and its contacts table dropped;
   the other tenant goes on working (a change of its own);
5. restores the base backup + archive into a **fresh cluster** up to T (``pg_backup.py restore``)
   and checks that both tenants' tables hold there exactly the rows noted at T;
6. exports the demo tenant from the restored cluster (``tenant_export``) and restores it into
   the first cluster (``tenant_restore``): the demo tenant is back as at T, every table checked,
   while the other tenant keeps its change made after T.

The last line printed is a JSON summary (``"ok": true`` when every check held); exit status 1
otherwise. ``--keep`` leaves the directory and stops nothing of it but the clusters.
docs/operations.md, "Backups and restore"; tests/test_backups.py runs it (marked slow).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import pg_backup  # noqa: E402

DEMO, OTHER = "demo", "drill-other"
# Rows compared by content; these change by design when a schema is restored.
VOLATILE = {"tenancy_referenceversion"}


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def pick_port(first: int, avoid: set[int]) -> int:
    for port in range(first, first + 8):
        if port not in avoid and port_free(port):
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, workdir: Path, name: str, port: int):
        self.pgdata = workdir / name
        self.port = port
        self.log = workdir / f"{name}.log"
        self.socket_dir = workdir

    def init(self, archive: Path, archive_script: Path) -> None:
        self.pgdata.mkdir()
        pg_backup.give_to_server_user(self.pgdata)
        pg_backup.run([pg_backup.pg_bin("initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
                       "-E", "UTF8", "--no-sync"])
        with open(self.pgdata / "postgresql.auto.conf", "a") as conf:
            conf.write(
                "wal_level = replica\narchive_mode = on\n"
                f"archive_command = '{archive_script} \"%p\" \"%f\" {archive}'\n"
                "archive_timeout = 0\nmax_wal_senders = 4\ntimezone = 'UTC'\nlog_timezone = 'UTC'\n"
            )

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c full_page_writes=on -c max_connections=50")
        pg_backup.run([pg_backup.pg_bin("pg_ctl"), "-D", str(self.pgdata), "-o", opts, "-l", str(self.log),
                       "-w", "-t", "300", "start"])

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            pg_backup.run([pg_backup.pg_bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
                          check=False)

    def url(self, db: str = "pms") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def connect(self, db: str = "pms") -> psycopg.Connection:
        return psycopg.connect(self.url(db), autocommit=True)

    def env(self) -> dict:
        return {"PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": "postgres", **os.environ}


def manage(cluster: Cluster, *args: str) -> str:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": cluster.url(), "DJANGO_SETTINGS_MODULE": "config.settings.bench", "PMS_NO_REDIS": "1",
        "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "0",
    })
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done.stdout


def fingerprint(conn: psycopg.Connection, schema: str) -> dict[str, tuple[int, str]]:
    """Every table of ``schema``: (rows, md5 of its rows in order); None if the table is gone."""
    tables = [r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1", [schema]).fetchall()]
    out = {}
    for table in tables:
        count, digest = conn.execute(
            f'SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), \'\')) '
            f'FROM "{schema}"."{table}" t').fetchone()
        out[table] = (count, "-" if table in VOLATILE else digest)
    return out


def diff(expected: dict, found: dict) -> list[str]:
    problems = []
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            problems.append(f"{table}: expected {expected.get(table)}, found {found.get(table)}")
    return problems


def schema_of(conn: psycopg.Connection, slug: str) -> str:
    return conn.execute("SELECT schema_name FROM public.tenancy_public_tenant WHERE slug = %s", [slug]).fetchone()[0]


def wait_archived(conn: psycopg.Connection, timeout: float = 60) -> str:
    """Switch to a new WAL segment and wait until the finished one is in the archive."""
    segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
    deadline = time.time() + timeout
    while time.time() < deadline:
        last, failed = conn.execute("SELECT last_archived_wal, last_failed_wal FROM pg_stat_archiver").fetchone()
        if last is not None and last >= segment:
            return segment
        time.sleep(0.2)
    raise RuntimeError(f"segment {segment} not archived (last failed: {failed})")


def drill(workdir: Path, first_port: int) -> dict:
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = round(now - clock, 1)
        clock = now

    archive = workdir / "wal"
    base_root = workdir / "base"
    for d in (archive, base_root):
        d.mkdir()
        pg_backup.give_to_server_user(d)
    # The server user runs the archive command: a copy it can read, beside the archive.
    archive_script = workdir / "archive_wal.sh"
    shutil.copy(pg_backup.ARCHIVE_WAL, archive_script)
    os.chmod(archive_script, 0o755)
    pg_backup.give_to_server_user(workdir)

    live = Cluster(workdir, "live", pick_port(first_port, set()))
    restored = Cluster(workdir, "restored", pick_port(first_port, {live.port}))
    try:
        live.init(archive, archive_script)
        live.start()
        with live.connect("postgres") as c:
            c.execute("CREATE DATABASE pms")
        manage(live, "setup_db")
        manage(live, "seed_demo")
        manage(live, "provision_tenant", OTHER, "--name", "Drill other", "--store", "Other store",
               "--admin", "admin", "--password", "drill-pass-1")
        step("cluster_and_tenants_s")

        pg_backup.base_backup(dest=base_root, keep=2, wal_archive=archive, env=live.env(), textfile_dir=workdir)
        metric_written = "pms_backup_last_success_timestamp_seconds " in (workdir / "pms_backup.prom").read_text()
        step("base_backup_s")

        with live.connect() as c:
            demo, other = schema_of(c, DEMO), schema_of(c, OTHER)
            c.execute(f'UPDATE "{demo}".tenancy_store SET address = address || %s', [" (drill: kept)"])
            good = {demo: fingerprint(c, demo), other: fingerprint(c, other)}
            target = c.execute("SELECT clock_timestamp()").fetchone()[0]
            time.sleep(1.2)
            # the accident, after T
            c.execute(f'UPDATE "{demo}".tenancy_store SET name = %s', ["wiped by mistake"])
            c.execute(f'DROP TABLE "{demo}".contacts_contact CASCADE')
            c.execute(f'UPDATE "{other}".tenancy_store SET name = %s', ["changed after T"])
            other_after = fingerprint(c, other)
            broken = fingerprint(c, demo)
            wait_archived(c)
        assert "contacts_contact" not in broken and good[demo]["contacts_contact"][0] > 0, "the drill's accident"
        step("changes_s")

        pg_backup.prepare_restore(base=base_root, wal_archive=archive, pgdata=restored.pgdata,
                                  target_time=target.astimezone(UTC).isoformat())
        restored.start()
        with restored.connect() as c:
            deadline = time.time() + 120
            while c.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                if time.time() > deadline:
                    raise RuntimeError("the restored cluster did not finish recovery")
                time.sleep(0.2)
            pitr_problems = diff(good[demo], fingerprint(c, demo)) + diff(good[other], fingerprint(c, other))
        step("pitr_restore_s")

        export = workdir / "demo-export"
        manage(restored, "tenant_export", DEMO, str(export))
        manage(live, "tenant_restore", str(export), "--tenant", DEMO)
        with live.connect() as c:
            back = fingerprint(c, demo)
            tenant_problems = diff(good[demo], back) + [f"other tenant: {p}" for p in diff(other_after, fingerprint(c, other))]
            leftovers = [r[0] for r in c.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [demo + "_pre_restore%"]).fetchall()]
        step("tenant_restore_s")

        return {
            "drill": "restore",
            "ok": not pitr_problems and not tenant_problems and not leftovers and metric_written,
            "backup_metric_written": metric_written,
            "target_time": target.astimezone(UTC).isoformat(),
            "wal_segments_archived": len([p for p in archive.iterdir() if not p.name.startswith(".")]),
            "demo_tables": len(good[demo]),
            "demo_rows_at_target": sum(n for n, _ in good[demo].values()),
            "demo_contacts_at_target": good[demo]["contacts_contact"][0],
            "other_rows_at_target": sum(n for n, _ in good[other].values()),
            "pitr_mismatches": pitr_problems,
            "tenant_restore_mismatches": tenant_problems,
            "schemas_left_aside": leftovers,
            "seconds": steps,
        }
    finally:
        restored.stop()
        live.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=55432, help="first port tried for the two clusters")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="pms-restore-drill-"))
    os.chmod(workdir, 0o755)
    started = datetime.now(UTC)
    try:
        result = drill(workdir, args.port)
    except Exception as exc:
        result = {"drill": "restore", "ok": False, "error": f"{type(exc).__name__}: {exc}", "workdir": str(workdir)}
        args.keep = True
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    result["total_s"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    if args.keep:
        result["workdir"] = str(workdir)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
