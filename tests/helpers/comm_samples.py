"""Small communication files as phones and mail clients write them (made here, byte by byte)."""

from __future__ import annotations

import io
import struct
import wave
from datetime import datetime, timezone

EPOCH_1904 = datetime(1904, 1, 1, tzinfo=timezone.utc)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def m4a(created: datetime | None, audio: bytes = b"\x00" * 64) -> bytes:
    """An M4A: ftyp, moov/mvhd (version 0, creation time in seconds since 1904 UTC), mdat."""
    seconds = int((created - EPOCH_1904).total_seconds()) if created else 0
    mvhd = struct.pack(">B3xIIII", 0, seconds, seconds, 1000, 5000) + b"\x00" * 80
    return (
        _box(b"ftyp", b"M4A \x00\x00\x00\x00M4A mp42isom")
        + _box(b"moov", _box(b"mvhd", mvhd))
        + _box(b"mdat", audio)
    )


def mp3() -> bytes:
    """An ID3v2 tag and one MPEG-1 Layer III frame header with silence."""
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413


def amr() -> bytes:
    return b"#!AMR\n" + b"\x3c" + b"\x00" * 31


def aac() -> bytes:
    """Raw AAC in ADTS frames (what some recorders save as .aac)."""
    return b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 9


def wav(seconds: float = 0.1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))
    return out.getvalue()


def eml(date: str = "Fri, 20 Nov 2026 14:03:12 +0800", subject: str = "关于砍价活动的回复") -> bytes:
    return (
        "From: service@example.com\r\n"
        "To: me@example.com\r\n"
        f"Date: {date}\r\n"
        "Subject: =?utf-8?b?" + __import__("base64").b64encode(subject.encode()).decode() + "?=\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "您好，您的砍价活动已结束。\r\n"
    ).encode("utf-8")
