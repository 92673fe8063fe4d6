"""Thumbnails of stored screenshots, made once on first request and cached on disk.

``<data dir>/thumbs/<sha256>.webp`` (PNG when this Pillow has no WebP), at most 320 px wide. A
thumbnail is derived data: the original under ``blobs/`` is only read, never re-encoded, and the
cache can be deleted at any time. Writes are temp file → fsync → rename, so a crash leaves no torn
thumbnail under the real name; a per-image lock makes concurrent first requests generate it once.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from PIL import Image, ImageOps, features

from companion.evidence.blobs import atomic_write

MAX_WIDTH = 320
# Full-page screenshots of a phone page are very tall; past this the thumbnail gets narrower instead.
MAX_HEIGHT = 1280
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_STRIPES = 64


class Thumbnails:
    def __init__(self, root: Path, fmt: str | None = None) -> None:
        self.root = root
        self.format = fmt or ("WEBP" if features.check("webp") else "PNG")
        self.suffix = ".webp" if self.format == "WEBP" else ".png"
        self.mime = "image/webp" if self.format == "WEBP" else "image/png"
        self.generated = 0  # how many thumbnails this process made (tests check the cache with it)
        self._locks = [threading.Lock() for _ in range(_STRIPES)]

    @staticmethod
    def size_for(width: int | None, height: int | None) -> tuple[int, int]:
        """The thumbnail's size for an original of ``width`` × ``height`` (for <img> attributes)."""
        if not width or not height:
            return MAX_WIDTH, MAX_WIDTH
        scale = min(1.0, MAX_WIDTH / width, MAX_HEIGHT / height)
        return max(1, round(width * scale)), max(1, round(height * scale))

    def path_for(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / f"{sha256}{self.suffix}"

    def get(self, sha256: str, original: Path) -> Path:
        """The cached thumbnail of ``original`` (named by its SHA-256), generating it if missing."""
        path = self.path_for(sha256)
        if _usable(path):
            return path
        with self._locks[int(sha256[:8], 16) % _STRIPES]:
            if _usable(path):  # another request made it while we waited
                return path
            self._generate(original, path)
            self.generated += 1
        return path

    def _generate(self, original: Path, path: Path) -> None:
        with Image.open(original, formats=["PNG", "JPEG"]) as img:
            img.draft("RGB", (MAX_WIDTH, MAX_HEIGHT))  # JPEG: decode at a reduced scale (fast)
            img = ImageOps.exif_transpose(img)
            if img.mode not in ("RGB", "RGBA"):
                img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
            img.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS, reducing_gap=3.0)
            if self.format == "WEBP":
                atomic_write(path, lambda fh: img.save(fh, format="WEBP", quality=82, method=4))
            else:
                atomic_write(path, lambda fh: img.save(fh, format="PNG", optimize=False))


def _usable(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False
