"""When a phone screenshot was taken: from its EXIF, else from the name phones and WeChat give it.

The answer says where the time came from (``time_source``), which is recorded with the capture:

- ``exif``: DateTimeOriginal (else DateTime) with its offset (OffsetTimeOriginal / OffsetTime);
  without an offset the phone's zone is unknown and the computer's own zone is assumed;
- ``file_name``: ``Screenshot_20261120-140312``, ``Screenshot_2026-11-20-14-03-12``,
  ``IMG_20261120_140312``, ``微信图片_20261120140312``, ``mmexport<epoch ms>`` (local time, except
  ``mmexport``: an instant);
- otherwise None: the user is asked (``user``), the importer never guesses from file times, which
  a copy over WeChat or a cable resets.

Pure: bytes and names in, aware datetimes out.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image

EXIF_IFD = 0x8769
DATETIME, DATETIME_ORIGINAL = 0x0132, 0x9003
OFFSET, OFFSET_ORIGINAL = 0x9010, 0x9011
TIME_SOURCES = ("exif", "file_name", "user", "clock")


@dataclass(frozen=True)
class FoundTime:
    at: datetime  # aware
    source: str  # one of TIME_SOURCES


def local_zone() -> timezone:
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    return timezone(offset)


def _offset(text: object) -> timezone | None:
    m = re.fullmatch(r"([+-])(\d{2}):(\d{2})", str(text or "").strip())
    if not m:
        return None
    delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
    return timezone(-delta if m[1] == "-" else delta)


def time_from_exif(data: bytes) -> FoundTime | None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            exif = im.getexif()
    except Exception:  # not an image Pillow reads: no EXIF time, the caller asks
        return None
    sub = exif.get_ifd(EXIF_IFD)
    for when, offset in (
        (sub.get(DATETIME_ORIGINAL), sub.get(OFFSET_ORIGINAL)),
        (exif.get(DATETIME), sub.get(OFFSET)),
    ):
        if not when:
            continue
        try:
            naive = datetime.strptime(str(when).strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            continue
        return FoundTime(naive.replace(tzinfo=_offset(offset) or local_zone()), "exif")
    return None


NAME_PATTERNS = (
    re.compile(r"(?:Screenshot|screenshot|截屏|IMG|VID|PXL|Snipaste)[_-]?(\d{8})[_-](\d{6})"),
    re.compile(r"Screenshot[_-](\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})"),
    re.compile(r"微信图片_(\d{8})(\d{6})"),
    re.compile(r"(\d{8})[_-](\d{6})"),
)
MMEXPORT = re.compile(r"mmexport(\d{13})")


def time_from_name(name: str, zone: timezone | None = None) -> FoundTime | None:
    """The time in a phone's or WeChat's file name; wall-clock names are read in ``zone``."""
    zone = zone or local_zone()
    m = MMEXPORT.search(name)
    if m:
        at = datetime.fromtimestamp(int(m[1]) / 1000, timezone.utc).astimezone(zone)
        return FoundTime(at.replace(microsecond=at.microsecond // 1000 * 1000), "file_name")
    for pattern in NAME_PATTERNS:
        m = pattern.search(name)
        if not m:
            continue
        digits = "".join(m.groups())
        try:
            naive = datetime.strptime(digits, "%Y%m%d%H%M%S")
        except ValueError:
            continue
        if 2000 <= naive.year <= 2100:
            return FoundTime(naive.replace(tzinfo=zone), "file_name")
    return None


def capture_time(data: bytes, name: str) -> FoundTime | None:
    """EXIF first (the camera's own record), then the file name; None: ask the user."""
    return time_from_exif(data) or time_from_name(name)
