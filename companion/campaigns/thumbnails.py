"""Thumbnails of stored screenshots, made once (by the job worker, or on first request) and cached.

``<data dir>/thumbs/<sha256>.webp`` (PNG when this Pillow has no WebP), at most 320 px wide. A
thumbnail is derived data: the original under ``blobs/`` is only read, never re-encoded, and the
cache can be deleted at any time. Writes are temp file → fsync → rename, so a crash leaves no torn
thumbnail under the real name; a per-image lock makes concurrent first requests generate it once.

Making one decodes the original, so time and memory are bounded (#11): a JPEG is decoded at a
reduced scale (``draft``); the image is shrunk before any conversion or rotation (never a second
full-size copy); and a ``PixelBudget`` lets only so many pixels be decoded at once across the job
worker and the requests (a few screenshots, or one 8K image alone). A request that can't get its
turn in time answers "busy" instead of piling up decodes.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from PIL import Image, ImageOps, features

from companion.evidence.blobs import atomic_write

MAX_WIDTH = 320
# Full-page screenshots of a phone page are very tall; past this the thumbnail gets narrower instead.
MAX_HEIGHT = 1280
ORIENTATION = 0x0112  # the EXIF tag
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_STRIPES = 64


class ThumbnailError(Exception):
    """The original can't be made into a thumbnail (odd, damaged, or over the pixel limit)."""


class ThumbnailBusy(Exception):
    """Too much decoding under way; try again shortly."""


class PixelBudget:
    """At most ``limit`` pixels decoded at once; a larger image waits until it can run alone."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.peak = 0
        self._cond = threading.Condition()

    def acquire(self, pixels: int, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self.used and self.used + pixels > self.limit:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            self.used += pixels
            self.peak = max(self.peak, self.used)
            return True

    def release(self, pixels: int) -> None:
        with self._cond:
            self.used -= pixels
            self._cond.notify_all()


class Thumbnails:
    def __init__(self, root: Path, fmt: str | None = None, max_pixels: int = 7680 * 4320) -> None:
        self.root = root
        self.format = fmt or ("WEBP" if features.check("webp") else "PNG")
        self.suffix = ".webp" if self.format == "WEBP" else ".png"
        self.mime = "image/webp" if self.format == "WEBP" else "image/png"
        self.generated = 0  # how many thumbnails this process made (tests check the cache with it)
        self.max_pixels = max_pixels  # originals larger than the capture limit are not decoded
        self.budget = PixelBudget(max_pixels)
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

    def get(self, sha256: str, original: Path, wait: float | None = None) -> Path:
        """The cached thumbnail of ``original`` (named by its SHA-256), generating it if missing.

        ``wait``: how long to wait for a turn to decode (None: as long as it takes, for the job
        worker); ``ThumbnailBusy`` after that, ``ThumbnailError`` when the original can't be used."""
        path = self.path_for(sha256)
        if _usable(path):
            return path
        pixels = self._pixels(original)
        if not self.budget.acquire(pixels, wait):
            raise ThumbnailBusy(sha256)
        try:
            with self._locks[int(sha256[:8], 16) % _STRIPES]:
                if _usable(path):  # another request made it while we waited
                    return path
                try:
                    self._generate(original, path)
                except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
                    raise ThumbnailError(f"{sha256}: {exc}") from exc
                self.generated += 1
        finally:
            self.budget.release(pixels)
        return path

    def _pixels(self, original: Path) -> int:
        """Pixels decoding ``original`` costs (its header only is read); over the limit is refused."""
        try:
            with Image.open(original, formats=["PNG", "JPEG"]) as img:
                width, height = img.size
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            raise ThumbnailError(f"{original.name}: {exc}") from exc
        if not 0 < width * height <= self.max_pixels:
            raise ThumbnailError(f"{original.name}: {width}×{height} is over the pixel limit")
        return width * height

    def _generate(self, original: Path, path: Path) -> None:
        with Image.open(original, formats=["PNG", "JPEG"]) as img:
            # Shrunk before it is turned upright: a quarter turn swaps the bounds.
            turned = img.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
            bounds = (MAX_HEIGHT, MAX_WIDTH) if turned else (MAX_WIDTH, MAX_HEIGHT)
            img.draft("RGB", bounds)  # JPEG: decode at a reduced scale (fast, small)
            small = img
            if small.mode in ("P", "PA", "1"):  # shrinking these would pick pixels, not average them
                small = small.convert("RGBA" if "transparency" in small.info or small.mode == "PA" else "RGB")
            # Bilinear (its support widens with the reduction, so it still averages) and WebP's
            # method 2: a third of the CPU of Lanczos and method 4 for a thumbnail ~6 % larger; the
            # job worker makes one per capture, beside the captures (docs/performance.md).
            small.thumbnail(bounds, Image.Resampling.BILINEAR, reducing_gap=3.0)
            small = ImageOps.exif_transpose(small)  # on the small image: no full-size copy
            if small.mode not in ("RGB", "RGBA"):
                small = small.convert("RGBA" if "A" in small.getbands() else "RGB")
            if self.format == "WEBP":
                atomic_write(path, lambda fh: small.save(fh, format="WEBP", quality=82, method=2))
            else:
                atomic_write(path, lambda fh: small.save(fh, format="PNG", optimize=False))


def _usable(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False
