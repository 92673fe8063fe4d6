"""m013: session recordings (issue #15). The chunks themselves are evidence rows of
``capture_files`` (m012, kind ``video_chunk``); this table only says a recording was finished and
where its derived, fixed-up copy is. Nothing here is evidence: it may be updated and rebuilt
(``companion/recording/store.py``)."""

from __future__ import annotations

from sqlite_utils import Database

from companion.core.migrations import migrations


@migrations()
def m013_recordings(db: Database) -> None:
    """One row per recording the extension said was finished, and its derived copy once made."""
    db["recordings"].create(
        {
            "capture_id": str,
            "recording_id": str,
            "chunks": int,  # how many chunks the extension says it recorded
            "duration_ms": int,  # how long the extension says it recorded
            "finished_at": str,  # when the finish call arrived (the companion's clock)
            "derived_sha256": str,  # the derived copy (never evidence), once made
            "derived_size": int,
            "derived_duration_ms": int,  # the duration the remuxed copy carries
            "derived_sources": str,  # the chunks' SHA-256s it was made from, joined: stale when they differ
            "derived_at": str,
            "derived_error": str,  # why no copy could be made (Chinese), else null
        },
        pk=("capture_id", "recording_id"),
        foreign_keys=[("capture_id", "captures", "id")],
        not_null={"capture_id", "recording_id", "finished_at"},
    )
