"""Content-addressed, crash-safe file store for original screenshots and the files captures carry.

A file's name is its SHA-256, so identical frames are stored once and any later change to a file
is detectable by re-hashing. Writes go temp file → fsync → rename → fsync dir, so a crash leaves
either no file or the whole file, never a torn one under the real name.

The one-sync capture path (#13, docs/performance.md "The syncs"): a small original (up to
``STAGE_LIMIT``) is not fsynced on the request path. ``stage`` puts its bytes into the capture's
own SQLite transaction (table ``pending_blobs``), so the one WAL sync of the commit makes image and
rows durable together; ``write_staged`` then writes the file after the commit without a sync (a
crash or kill -9 keeps it: the page cache survives a process), and the job worker's
``sync_pending`` re-hashes it, fsyncs file and folders and only then deletes the row. Until then the
row is the original: ``read``/``open``/``exists``/``path`` look there when the file is missing or
not what its name says (a power cut before the sync), and the worker's start rewrites such files
from their rows before anything else runs. A larger original keeps the direct durable write
(``put``): its own data write dwarfs the syncs, and a few MB in the WAL would be written twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from companion.core import portable
from companion.core.db import write_transaction
from companion.core.timeutil import format_rfc3339, now_local

# Screenshots, and the files a capture carries (issue #15): page sources and recording chunks.
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "multipart/related": ".mhtml",
    "text/html": ".html",
    "video/webm": ".webm",
}
log = logging.getLogger(__name__)
STAGE_LIMIT = 512 * 1024  # bytes; see the module's docstring
SYNC_BATCH = 200  # pending originals made durable per worker transaction


class BlobStore:
    """``root``: the blobs folder. ``database``: the archive's SQLite file, whose ``pending_blobs``
    rows this store reads and syncs (None: a bare store whose every write is durable at once)."""

    def __init__(self, root: Path, database: Path | str | None = None) -> None:
        self.root = root
        self.database = database

    def path_for(self, sha256: str, mime: str) -> Path:
        """Where the file is (or will be): pure, it says nothing about whether it is written yet."""
        return self.root / sha256[:2] / f"{sha256}{EXTENSIONS[mime]}"

    def put(self, data: bytes, mime: str, sha256: str | None = None) -> str:
        """Store bytes unchanged and durably now; return their SHA-256. Idempotent. ``sha256``: the
        caller's own hash of ``data`` (the capture path has it already; hashing 3 MB again costs
        milliseconds)."""
        digest = sha256 or hashlib.sha256(data).hexdigest()
        final = self.path_for(digest, mime)
        if final.exists() and final.stat().st_size == len(data):
            return digest
        atomic_write(final, lambda fh: fh.write(data), mode=0o400)
        return digest

    # -- the one-sync capture path ---------------------------------------------------------------

    def stageable(self, size: int) -> bool:
        return self.database is not None and size <= STAGE_LIMIT

    def stage(self, db, data: bytes, mime: str, sha256: str) -> None:
        """Inside the caller's write transaction (``stageable`` said yes): the bytes commit with it.
        A file already stored whole needs nothing (rows are deleted only once their file is synced)."""
        final = self.path_for(sha256, mime)
        if final.exists() and final.stat().st_size == len(data):
            return
        db.execute(
            "INSERT OR IGNORE INTO pending_blobs (sha256, mime, data, staged_at) VALUES (?, ?, ?, ?)",
            [sha256, mime, data, format_rfc3339(now_local())],
        )

    def write_staged(self, data: bytes, mime: str, sha256: str) -> None:
        """After the commit: the file under its name, not yet synced (``sync_pending`` does that).
        A failure here loses nothing, the committed row is the original: logged, retried by the worker."""
        final = self.path_for(sha256, mime)
        try:
            if not (final.exists() and final.stat().st_size == len(data)):
                atomic_write(final, lambda fh: fh.write(data), mode=0o400, sync=False)
        except OSError as exc:
            log.warning("original %s not written yet (the job worker will): %s", sha256, exc)

    def sync_pending(self, db) -> int:
        """Make pending originals durable files, then delete their rows; returns how many. Run by the
        job worker (and at its start, before any other job). Each file is re-hashed first: one that a
        power cut left torn or missing is written again from its row."""
        done = 0
        while True:
            rows = db.execute(
                "SELECT sha256, mime, data FROM pending_blobs ORDER BY staged_at LIMIT ?", [SYNC_BATCH]
            ).fetchall()
            if not rows:
                return done
            folders = {self.root}
            for sha256, mime, data in rows:
                final = self.path_for(sha256, mime)
                if not _synced_in_place(final, sha256):
                    atomic_write(final, lambda fh, d=data: fh.write(d), mode=0o400)
                folders.add(final.parent)
            for folder in folders:
                portable.fsync_dir(folder)
            with write_transaction(db):
                db.conn.executemany("DELETE FROM pending_blobs WHERE sha256 = ?", [(r[0],) for r in rows])
            done += len(rows)

    # -- readers: the file, or its pending row while the file is not written ------------------------

    def read(self, sha256: str, mime: str) -> bytes:
        """The original's bytes: the file when it is what its name says, else the staged copy (a
        file not yet written, or torn by a power cut), else the file as it is (verify names it)."""
        final = self.path_for(sha256, mime)
        try:
            data: bytes | None = final.read_bytes()
        except FileNotFoundError:
            data = None
        if data is not None and _sound(data, sha256):
            return data  # the common case: no database look-up (an export reads thousands)
        staged = self._pending(sha256)
        if staged is not None:
            return staged
        if data is None:
            raise FileNotFoundError(final)
        return data

    def open(self, sha256: str, mime: str) -> BinaryIO:
        return io.BytesIO(self.read(sha256, mime))

    def exists(self, sha256: str, mime: str) -> bool:
        return self.path_for(sha256, mime).exists() or self._pending(sha256) is not None

    def path(self, sha256: str, mime: str) -> Path:
        """The file's path for a reader that needs one (Pillow, ``send_file``): a staged original
        whose file is missing or torn is written first, durably. It may still not exist: check."""
        final = self.path_for(sha256, mime)
        try:
            if final.stat().st_size > STAGE_LIMIT or _sound(final.read_bytes(), sha256):
                return final
        except FileNotFoundError:
            pass
        staged = self._pending(sha256)
        if staged is not None:
            atomic_write(final, lambda fh: fh.write(staged), mode=0o400)
        return final

    def _pending(self, sha256: str) -> bytes | None:
        if self.database is None:
            return None
        # A short-lived read-only connection: readers of originals are not hot (the image route,
        # export, the jobs), and a kept one would hold the file open (Windows can't delete it then).
        uri = f"{Path(self.database).resolve().as_uri()}?mode=ro"
        try:
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
                row = conn.execute("SELECT data FROM pending_blobs WHERE sha256 = ?", [sha256]).fetchone()
        except sqlite3.OperationalError:  # no database yet, or one from before m014: no table
            return None
        return bytes(row[0]) if row else None


def _sound(data: bytes, sha256: str) -> bool:
    """``data`` is what its name says; a file over ``STAGE_LIMIT`` was never staged (it was fsynced
    before its commit), so only a small one is hashed (microseconds)."""
    return len(data) > STAGE_LIMIT or hashlib.sha256(data).hexdigest() == sha256


def _synced_in_place(path: Path, sha256: str) -> bool:
    """The file is there with its hash, and is now fsynced; False when it must be written again
    (missing, torn by a power cut, or a platform that can't fsync a read-only file: Windows)."""
    try:
        with open(path, "rb") as fh:
            digest = hashlib.sha256()
            while piece := fh.read(1 << 20):
                digest.update(piece)
            if digest.hexdigest() != sha256:
                return False
            os.fsync(fh.fileno())
    except OSError:
        return False
    return True


def atomic_write(
    path: Path, write: Callable[[BinaryIO], object], mode: int | None = None, sync: bool = True
) -> None:
    """Write a file so that a crash leaves either nothing or the whole file under ``path``:
    temp file in the same dir → fsync → rename → fsync the dir. ``sync=False`` (the staged capture
    path only, whose bytes are durable in SQLite meanwhile) skips both fsyncs."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if sync:
            portable.fsync_dir(path.parent.parent)  # the new folder's name is durable too
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        portable.replace(tmp, path)
    except BaseException:
        portable.remove(tmp)
        raise
    if sync:
        portable.fsync_dir(path.parent)  # a no-op on Windows (docs/windows.md)
