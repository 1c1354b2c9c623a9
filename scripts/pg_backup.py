"""Physical backups of the PostgreSQL cluster: base backups, and a point-in-time restore.

    python scripts/pg_backup.py base-backup --dest /var/lib/pms-backup/base --keep 7 \\
        --wal-archive /var/lib/pms-backup/wal
    python scripts/pg_backup.py restore --base /var/lib/pms-backup/base --wal-archive /var/lib/pms-backup/wal \\
        --pgdata /var/lib/postgresql/15/restored --target-time "2026-12-07 21:40:00+00"

``base-backup`` runs ``pg_basebackup`` (plain format, the WAL it needs streamed into it, a fast
checkpoint) into ``<dest>/base-<UTC time>``, checks it with ``pg_verifybackup``, keeps the
``--keep`` newest, and removes from the WAL archive the segments older than the oldest backup
kept (``pg_archivecleanup``). Connection: the libpq variables (PGHOST, PGPORT, PGUSER, ...) or
``--dbname``; the role needs REPLICATION. WAL reaches the archive through ``archive_command``
(``scripts/backup/archive_wal.sh``). Scheduled by ``deploy/systemd/pms-basebackup.timer``.

``restore`` makes a new data directory from the newest base backup taken before the target,
with ``recovery.signal`` and the recovery settings (``restore_command`` from the archive,
``recovery_target_time``, promote at the target): start it with ``pg_ctl -D <pgdata> start``
and PostgreSQL replays the archive up to the target, then opens read-write.

The PostgreSQL programs come from ``PG_BIN`` if set, else the PATH, else Debian's
``/usr/lib/postgresql/<major>/bin``. Run as root, they run as the ``postgres`` user.
docs/operations.md, "Backups and restore"; ``scripts/restore_drill.py`` rehearses both.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE_WAL = ROOT / "scripts" / "backup" / "archive_wal.sh"


def pg_bin(name: str) -> str:
    if os.environ.get("PG_BIN"):
        return str(Path(os.environ["PG_BIN"]) / name)
    # The server programs (initdb, pg_ctl, pg_verifybackup) are not on Debian's PATH.
    majors = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for bin_dir in majors:
        if (bin_dir / name).exists():
            return str(bin_dir / name)
    found = shutil.which(name)
    if found:
        return found
    raise SystemExit(f"{name} not found: install PostgreSQL's programs or set PG_BIN")


def as_server_user(cmd: list[str]) -> list[str]:
    """Run as ``postgres`` when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", os.environ.get("PG_OS_USER", "postgres"), "--", *cmd]
    return cmd


def run(cmd: list[str], *, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(as_server_user(cmd), env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        user = os.environ.get("PG_OS_USER", "postgres")
        shutil.chown(path, user, user)


# --- base backups ---------------------------------------------------------------------


def backup_label(backup: Path) -> dict[str, str]:
    """``backup_label`` of a plain base backup: START WAL LOCATION, START TIME, LABEL, ..."""
    fields = {}
    for line in (backup / "backup_label").read_text().splitlines():
        key, _sep, value = line.partition(": ")
        fields[key] = value
    return fields


def start_wal_file(backup: Path) -> str:
    match = re.search(r"\(file ([0-9A-F]{24})\)", backup_label(backup)["START WAL LOCATION"])
    return match.group(1)


def finished_time(backup: Path) -> datetime:
    """When the backup finished (from ``<backup>.json`` beside it, written by ``base_backup``):
    a point-in-time restore needs a base backup finished before its target."""
    side = backup.with_name(backup.name + ".json")
    if side.exists():
        return datetime.fromisoformat(json.loads(side.read_text())["finished"])
    raise SystemExit(f"{backup}: no {side.name}; give the backup itself to --base")


def backups(root: Path) -> list[Path]:
    """Complete base backups under ``root``, oldest first."""
    return sorted(p for p in Path(root).glob("base-*") if p.is_dir() and (p / "backup_label").exists()
                  and not p.name.endswith(".partial"))


def write_textfile_metric(directory: Path, finished: datetime, size_bytes: int) -> None:
    """``pms_backup.prom`` for node_exporter's textfile collector (alert BaseBackupTooOld)."""
    directory = Path(directory)
    tmp = directory / ".pms_backup.prom.tmp"
    tmp.write_text(
        "# HELP pms_backup_last_success_timestamp_seconds Unix time the last verified base backup finished.\n"
        "# TYPE pms_backup_last_success_timestamp_seconds gauge\n"
        f"pms_backup_last_success_timestamp_seconds {finished.timestamp():.0f}\n"
        "# HELP pms_backup_last_size_bytes Size of the last base backup.\n"
        "# TYPE pms_backup_last_size_bytes gauge\n"
        f"pms_backup_last_size_bytes {size_bytes}\n"
    )
    tmp.replace(directory / "pms_backup.prom")


def base_backup(*, dest: Path, keep: int = 7, wal_archive: Path | None = None, dbname: str | None = None,
                env: dict | None = None, textfile_dir: Path | None = None) -> Path:
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    give_to_server_user(dest)
    started = datetime.now(UTC)
    name = f"base-{started:%Y%m%dT%H%M%SZ}"
    partial = dest / f"{name}.partial"
    cmd = [pg_bin("pg_basebackup"), "-D", str(partial), "-Fp", "-Xstream", "--checkpoint=fast",
           f"--label=pms {name}", "--no-password"]
    if dbname:
        cmd.append(f"--dbname={dbname}")
    run(cmd, env=env)
    run([pg_bin("pg_verifybackup"), "--quiet", str(partial)], env=env)
    final = dest / name
    partial.rename(final)
    finished = datetime.now(UTC)
    final.with_name(name + ".json").write_text(json.dumps({
        "started": started.isoformat(), "finished": finished.isoformat(), "start_wal": start_wal_file(final),
    }) + "\n")
    kept = backups(dest)
    for old in kept[:-keep] if keep > 0 else []:
        shutil.rmtree(old)
        old.with_name(old.name + ".json").unlink(missing_ok=True)
    kept = backups(dest)
    if wal_archive and kept:
        # WAL older than the oldest backup kept can restore nothing any more.
        run([pg_bin("pg_archivecleanup"), str(wal_archive), start_wal_file(kept[0])], env=env)
    if textfile_dir:
        size = sum(f.stat().st_size for f in final.rglob("*") if f.is_file())
        write_textfile_metric(textfile_dir, finished, size)
    return final


# --- point-in-time restore ------------------------------------------------------------------


def choose_base(root: Path, target: datetime | None) -> Path:
    """``root`` itself if it is a backup, else the newest backup under it started before ``target``."""
    root = Path(root)
    if (root / "backup_label").exists():
        return root
    found = [b for b in backups(root) if target is None or finished_time(b) < target]
    if not found:
        raise SystemExit(f"no base backup under {root} started before {target}")
    return found[-1]


def prepare_restore(*, base: Path, wal_archive: Path, pgdata: Path, target_time: str | None = None,
                    target_name: str | None = None, port: int | None = None) -> Path:
    """A new data directory at ``pgdata`` that recovers from ``base`` + the archive up to the
    target (or to the archive's end without one), then promotes. Returns the base used."""
    target = datetime.fromisoformat(target_time) if target_time else None
    if target is not None and target.tzinfo is None:
        raise SystemExit("--target-time needs a time zone (e.g. 2026-12-07 21:40:00+00:00)")
    chosen = choose_base(base, target)
    pgdata = Path(pgdata)
    if pgdata.exists() and any(pgdata.iterdir()):
        raise SystemExit(f"{pgdata} is not empty")
    shutil.copytree(chosen, pgdata, dirs_exist_ok=True)
    for leftover in ("postmaster.pid", "backup_manifest"):
        (pgdata / leftover).unlink(missing_ok=True)
    for sub in ("pg_wal",):
        (pgdata / sub).mkdir(exist_ok=True)
    lines = [
        "",
        "# point-in-time recovery (scripts/pg_backup.py restore)",
        f"restore_command = 'cp \"{Path(wal_archive).resolve()}/%f\" \"%p\"'",
        "recovery_target_action = 'promote'",
    ]
    if target is not None:
        lines.append(f"recovery_target_time = '{target.isoformat(sep=' ')}'")
    if target_name:
        lines.append(f"recovery_target_name = '{target_name}'")
    if port:
        lines.append(f"port = {int(port)}")
    with open(pgdata / "postgresql.auto.conf", "a") as conf:
        conf.write("\n".join(lines) + "\n")
    (pgdata / "recovery.signal").touch()
    os.chmod(pgdata, 0o700)
    if os.geteuid() == 0:
        user = os.environ.get("PG_OS_USER", "postgres")
        for path in [pgdata, *pgdata.rglob("*")]:
            shutil.chown(path, user, user)
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("base-backup", help="take, verify and rotate a base backup")
    b.add_argument("--dest", type=Path, required=True)
    b.add_argument("--keep", type=int, default=7)
    b.add_argument("--wal-archive", type=Path, help="prune segments older than the oldest backup kept")
    b.add_argument("--dbname", help="libpq connection string (else PGHOST, PGPORT, PGUSER, ...)")
    b.add_argument("--textfile-dir", type=Path,
                   help="write pms_backup.prom there (node_exporter's textfile collector) after a success")
    r = sub.add_parser("restore", help="prepare a data directory that recovers to a point in time")
    r.add_argument("--base", type=Path, required=True, help="a base backup, or the directory of them")
    r.add_argument("--wal-archive", type=Path, required=True)
    r.add_argument("--pgdata", type=Path, required=True, help="new, empty data directory")
    r.add_argument("--target-time", help="ISO time with zone; default: replay the whole archive")
    r.add_argument("--target-name", help="a restore point (pg_create_restore_point)")
    r.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    if args.command == "base-backup":
        made = base_backup(dest=args.dest, keep=args.keep, wal_archive=args.wal_archive, dbname=args.dbname,
                           textfile_dir=args.textfile_dir)
        print(f"base backup {made} (verified)")
    else:
        chosen = prepare_restore(base=args.base, wal_archive=args.wal_archive, pgdata=args.pgdata,
                                 target_time=args.target_time, target_name=args.target_name, port=args.port)
        print(f"{args.pgdata} prepared from {chosen}; start it: pg_ctl -D {args.pgdata} start")
    return 0


if __name__ == "__main__":
    sys.exit(main())
