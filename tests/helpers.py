"""Builders shared by tests: valid capture payloads and real images made with Pillow."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image, ImageDraw

CST = timezone(timedelta(hours=8))


def png_bytes(width: int = 64, height: int = 48, seed: int = 0, fmt: str = "PNG") -> bytes:
    img = Image.new("RGB", (width, height), (255, 255 - seed % 256, 255))
    ImageDraw.Draw(img).text((2, 2), str(seed), fill=(200, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def capture_payload(
    *,
    url: str = "https://mobile.yangkeduo.com/bargain.html?goods_id=123&refer_share_id=abc",
    facts: dict[str, Any] | None = None,
    image: bytes | None = None,
    mime: str = "image/png",
    taken_at: datetime | None = None,
    capture_id: str | None = None,
    seed: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    data = image if image is not None else png_bytes(seed=seed, fmt="PNG" if mime == "image/png" else "JPEG")
    body = {
        "capture_id": capture_id or str(uuid.uuid4()),
        "taken_at": (taken_at or datetime(2026, 11, 20, 14, 3, tzinfo=CST)).isoformat(),
        "source": "extension",
        "page": {"url": url, "title": "砍价免费拿"},
        "image": {"mime": mime, "data_base64": base64.b64encode(data).decode("ascii")},
        "facts": facts if facts is not None else {"cut_amount": 98.76, "remaining_amount": 0.52},
        "client": {"name": "tests", "version": "0", "browser": "pytest"},
    }
    body.update(extra)
    return body
