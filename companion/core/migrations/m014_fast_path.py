"""Migrations m014 and m015 of the fast path (#13, docs/performance.md).

m014: the pending-blob table of the one-sync capture path.

A small original is written into its capture's own transaction (one WAL sync covers the image and
the rows); the job worker makes the content-addressed file durable afterwards and deletes the row
(``evidence/blobs.py``). A row here is the original until then: every reader of originals looks
here while the file is not yet synced.

m015: a large stored capture answer is kept as the point of the analysis it was computed at.
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


@migrations()
def m015_answers_by_reference(db: Database) -> None:
    """A capture's answer carries all of its campaign's findings, so storing each one whole made the
    archive grow with the square of a campaign's findings (21 KB a capture at 17 findings, 123 KB at
    100). A large answer is now stored as ``readings_upto``: the readings (by rowid) its findings were
    computed from, which a replay folds again (``evidence/ingest.py``)."""
    db.execute("ALTER TABLE capture_answers ADD COLUMN readings_upto INTEGER")
