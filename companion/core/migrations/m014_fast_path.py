"""Migration m014: the pending-blob table of the one-sync capture path (#13, docs/performance.md).

A small original is written into its capture's own transaction (one WAL sync covers the image and
the rows); the job worker makes the content-addressed file durable afterwards and deletes the row
(``evidence/blobs.py``). A row here is the original until then: every reader of originals looks
here while the file is not yet synced.
"""

from __future__ import annotations

from sqlite_utils import Database

from companion.core.migrations import migrations


@migrations()
def m014_pending_blobs(db: Database) -> None:
    db.execute(
        "CREATE TABLE pending_blobs (sha256 TEXT PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL, "
        "staged_at TEXT NOT NULL)"
    )
