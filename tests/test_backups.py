"""Backups (docs/operations.md, "Backups and restore"): the WAL archive command, and the drill.

One tenant's export and restore: apps/tenancy/tests/test_tenant_backup.py.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import pg_backup  # noqa: E402

ARCHIVE = str(ROOT / "scripts" / "backup" / "archive_wal.sh")


def _has(tool: str) -> bool:
    try:
        pg_backup.pg_bin(tool)
        return True
    except SystemExit:
        return False


def test_archive_command_copies_once_and_refuses_other_content(tmp_path):
    segment = tmp_path / "000000010000000000000003"
    segment.write_bytes(b"wal" * 1000)
    archive = tmp_path / "archive"
    archive.mkdir()

    first = subprocess.run([ARCHIVE, str(segment), segment.name, str(archive)], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert (archive / segment.name).read_bytes() == segment.read_bytes()
    assert sorted(p.name for p in archive.iterdir()) == [segment.name]  # no partial file left
    # PostgreSQL retries a segment it did not see archived: same content is fine
    again = subprocess.run([ARCHIVE, str(segment), segment.name, str(archive)], capture_output=True, text=True)
    assert again.returncode == 0
    # another cluster's segment of the same name is never overwritten
    segment.write_bytes(b"other")
    clash = subprocess.run([ARCHIVE, str(segment), segment.name, str(archive)], capture_output=True, text=True)
    assert clash.returncode == 1 and "other content" in clash.stderr
    assert (archive / segment.name).read_bytes() == b"wal" * 1000


def test_restore_picks_the_newest_backup_finished_before_the_target(tmp_path):
    for name, finished in (("base-20261201T010000Z", "2026-12-01T01:05:00+00:00"),
                           ("base-20261202T010000Z", "2026-12-02T01:05:00+00:00")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "backup_label").write_text("START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n")
        (tmp_path / (name + ".json")).write_text(json.dumps({"finished": finished}))
    from datetime import datetime

    assert pg_backup.choose_base(tmp_path, datetime.fromisoformat("2026-12-02T01:04:00+00:00")).name == \
        "base-20261201T010000Z"
    assert pg_backup.choose_base(tmp_path, datetime.fromisoformat("2026-12-02T01:06:00+00:00")).name == \
        "base-20261202T010000Z"
    with pytest.raises(SystemExit, match="no base backup"):
        pg_backup.choose_base(tmp_path, datetime.fromisoformat("2026-11-30T00:00:00+00:00"))


@pytest.mark.slow
def test_restore_drill_restores_a_point_in_time_and_one_tenant():
    missing = [t for t in ("initdb", "pg_ctl", "pg_basebackup", "pg_verifybackup", "pg_archivecleanup") if not _has(t)]
    if missing:
        pytest.skip(f"PostgreSQL server programs missing ({', '.join(missing)}): apt-get install postgresql-15")
    done = subprocess.run([sys.executable, "scripts/restore_drill.py"], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"] is True, result
    assert done.returncode == 0
    assert result["pitr_mismatches"] == [] and result["tenant_restore_mismatches"] == []
    assert result["schemas_left_aside"] == []
    assert result["demo_contacts_at_target"] > 0 and result["demo_tables"] > 20
