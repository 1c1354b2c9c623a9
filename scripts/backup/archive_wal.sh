#!/bin/sh
# PostgreSQL's archive_command: copy one finished WAL segment into the archive, atomically.
#
#   archive_mode = on
#   archive_command = '/opt/pms/scripts/backup/archive_wal.sh "%p" "%f" /var/lib/pms-backup/wal'
#
# Exit 0 only once the file is in the archive and synced: PostgreSQL keeps (and retries) the
# segment until then. A segment archived before with the same content (a retry after a crash
# between the copy and PostgreSQL's bookkeeping) is fine; with other content it is an error
# (two clusters archiving into one directory). docs/operations.md, "Backups and restore".
set -eu
src="$1"
name="$2"
dest="${3:-${PMS_WAL_ARCHIVE:?archive directory: third argument or PMS_WAL_ARCHIVE}}"

if [ -f "$dest/$name" ]; then
    if cmp -s "$src" "$dest/$name"; then
        exit 0
    fi
    echo "archive_wal: $dest/$name already archived with other content" >&2
    exit 1
fi
tmp="$dest/.$name.partial"
cp "$src" "$tmp"
sync "$tmp" 2>/dev/null || sync
mv "$tmp" "$dest/$name"
sync "$dest" 2>/dev/null || true
