"""What a communication file is and when it happened: pure, bytes and names in.

Kinds are told by the file's first bytes (never its name alone): a recording (M4A/AAC in MP4,
MP3, AMR, raw AAC in ADTS, WAV), an e-mail (RFC 5322 headers, ``.eml``) or a chat screenshot (PNG
or JPEG, the same rules as a phone screenshot). Times, where the file has one:

- ``email_date``: the e-mail's ``Date`` header, with its own offset;
- ``mp4_mvhd``: an M4A's ``mvhd`` creation time (seconds since 1904, UTC), when not zero;
- ``exif`` / ``file_name``: chat screenshots as in ``intake/times.py``; recordings by the name phones
  give them (``录音_20261120_140312.m4a``, ``10086_20261120140312.mp3``);
- otherwise None: the user gives it (``user``).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

from companion.intake.times import FoundTime, capture_time, local_zone, time_from_name

KINDS = ("chat", "call", "email")
KIND_WORDS = {"chat": "客服聊天截图", "call": "通话录音", "email": "电子邮件"}
MAX_BYTES = {"chat": 25 << 20, "call": 200 << 20, "email": 25 << 20}
EPOCH_1904 = datetime(1904, 1, 1, tzinfo=timezone.utc)
HEADER = re.compile(rb"^[A-Za-z0-9-]+:[ \t]")


class NotACommunication(ValueError):
    """The file is none of the kinds kept (the message is Chinese, for the user)."""


@dataclass(frozen=True)
class Detected:
    kind: str
    mime: str


def detect(data: bytes) -> Detected:
    """The kind and type by magic bytes; ``NotACommunication`` for anything else."""
    head = data[:64]
    if head[4:8] == b"ftyp":
        return Detected("call", "audio/mp4")
    if head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06
    ):
        return Detected("call", "audio/mpeg")
    if head.startswith(b"#!AMR"):
        return Detected("call", "audio/amr")
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return Detected("call", "audio/aac")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return Detected("call", "audio/wav")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Detected("chat", "image/png")
    if head.startswith(b"\xff\xd8\xff"):
        return Detected("chat", "image/jpeg")
    if _looks_like_email(data):
        return Detected("email", "message/rfc822")
    raise NotACommunication(
        "只能添加聊天截图（PNG/JPEG）、通话录音（m4a、mp3、amr、aac、wav）或邮件（.eml）。"
    )


def _looks_like_email(data: bytes) -> bool:
    lines = data[:8192].replace(b"\r\n", b"\n").split(b"\n")
    headers = [ln for ln in lines[:40] if HEADER.match(ln)]
    names = {ln.split(b":", 1)[0].lower() for ln in headers}
    return bool(headers) and HEADER.match(lines[0] or b"") is not None and bool(names & {b"from", b"date"})


def email_date(data: bytes) -> FoundTime | None:
    msg = message_from_bytes(data, policy=policy.compat32)
    try:
        at = parsedate_to_datetime(str(msg.get("Date") or ""))
    except (TypeError, ValueError):
        return None
    if at is None or not 2000 <= at.year <= 2100:  # a far Date header is no time: the user gives one
        return None
    return FoundTime(at if at.tzinfo else at.replace(tzinfo=local_zone()), "email_date")


def email_subject(data: bytes) -> str:
    msg = message_from_bytes(data, policy=policy.default)
    try:
        return " ".join(str(msg.get("Subject") or "").split())[:200]
    except (TypeError, ValueError):
        return ""


def mvhd_time(data: bytes) -> FoundTime | None:
    """An MP4/M4A's movie header creation time; None when absent or zero (many apps leave 0)."""
    moov = _box(data, 0, len(data), b"moov")
    mvhd = _box(data, moov[0], moov[1], b"mvhd") if moov else None
    if not mvhd:
        return None
    start = mvhd[0]
    version = data[start] if start < len(data) else None
    if version == 1 and start + 12 <= len(data):
        seconds = struct.unpack(">Q", data[start + 4 : start + 12])[0]
    elif version == 0 and start + 8 <= len(data):
        seconds = struct.unpack(">I", data[start + 4 : start + 8])[0]
    else:
        return None
    if seconds == 0:
        return None
    at = EPOCH_1904 + timedelta(seconds=seconds)
    return FoundTime(at.astimezone(local_zone()), "mp4_mvhd") if at.year >= 2000 else None


def _box(data: bytes, start: int, end: int, name: bytes) -> tuple[int, int] | None:
    """(payload start, end) of the first box ``name`` between ``start`` and ``end``; bounded walk."""
    pos, steps = start, 0
    while pos + 8 <= end and steps < 10_000:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            return None
        if kind == name:
            return pos + header, min(pos + size, end)
        pos += size
        steps += 1
    return None


DIGITS14 = re.compile(r"(?<!\d)(20\d{12})(?!\d)")


def recording_name_time(name: str) -> FoundTime | None:
    found = time_from_name(name)
    if found:
        return found
    m = DIGITS14.search(name)
    if not m:
        return None
    try:
        naive = datetime.strptime(m[1], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return FoundTime(naive.replace(tzinfo=local_zone()), "file_name")


def file_time(kind: str, mime: str, data: bytes, name: str) -> FoundTime | None:
    """The file's own time by the rules above; None: ask the user."""
    if kind == "email":
        return email_date(data)
    if kind == "chat":
        return capture_time(data, name)
    return (mvhd_time(data) if mime == "audio/mp4" else None) or recording_name_time(name)
