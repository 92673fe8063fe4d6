"""Migration m012: the files stored with a capture besides its visible screenshot (issue #15).

A full-page image (in parts when the page is very tall), the page source (MHTML or the serialised
DOM) and the chunks of a session recording. The bytes live in the blob store under their SHA-256;
each row is one entry of its campaign's side chain (``record_hash`` over ``prev_hash``), append-only
by trigger (``evidence/capture_files.py``: what each column holds and the hash rule).
"""

from __future__ import annotations

from sqlite_utils import Database

from companion.core.migrations import migrations


@migrations()
def m012_capture_files(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE capture_files (
          id INTEGER PRIMARY KEY,
          capture_id TEXT NOT NULL REFERENCES captures(id),
          campaign_id TEXT NOT NULL REFERENCES campaigns(id),
          file_seq INTEGER NOT NULL,
          kind TEXT NOT NULL,
          part INTEGER NOT NULL DEFAULT 0,
          recording_id TEXT,
          mime TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          size INTEGER NOT NULL,
          meta_json TEXT NOT NULL DEFAULT '{}',
          received_at TEXT NOT NULL,
          capture_hash TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          record_hash TEXT NOT NULL,
          UNIQUE (campaign_id, file_seq)
        )
        """
    )
    db.execute(
        "CREATE UNIQUE INDEX capture_files_slot ON capture_files "
        "(capture_id, kind, coalesce(recording_id, ''), part)"
    )
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER capture_files_no_{action.lower()} BEFORE {action} ON capture_files "
            "BEGIN SELECT RAISE(ABORT, 'capture files are append-only'); END"
        )
