"""Content-addressed, crash-safe file store for original screenshots and the files captures carry.

A file's name is its SHA-256, so identical frames are stored once and any later change to a file
is detectable by re-hashing. Writes go temp file → fsync → rename → fsync dir, so a crash leaves
either no file or the whole file, never a torn one under the real name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from companion.core import portable

# Screenshots, and the files a capture carries (issue #15): page sources and recording chunks.
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "multipart/related": ".mhtml",
    "text/html": ".html",
    "video/webm": ".webm",
}


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, mime: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}{EXTENSIONS[mime]}"

    def put(self, data: bytes, mime: str, sha256: str | None = None) -> str:
        """Store bytes unchanged; return their SHA-256. Idempotent. ``sha256``: the caller's own hash
        of ``data`` (the capture path has it already; hashing 3 MB again costs milliseconds)."""
        digest = sha256 or hashlib.sha256(data).hexdigest()
        final = self.path_for(digest, mime)
        if final.exists() and final.stat().st_size == len(data):
            return digest
        atomic_write(final, lambda fh: fh.write(data), mode=0o400)
        return digest

    def read(self, sha256: str, mime: str) -> bytes:
        return self.path_for(sha256, mime).read_bytes()


def atomic_write(path: Path, write: Callable[[BinaryIO], object], mode: int | None = None) -> None:
    """Write a file so that a crash leaves either nothing or the whole file under ``path``:
    temp file in the same dir → fsync → rename → fsync the dir."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        portable.fsync_dir(path.parent.parent)  # the new folder's name is durable too
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        portable.replace(tmp, path)
    except BaseException:
        portable.remove(tmp)
        raise
    portable.fsync_dir(path.parent)  # a no-op on Windows (docs/windows.md)
