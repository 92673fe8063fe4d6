"""Screenshot checks: only real PNG/JPEG, within pixel limits, sound in structure; bounded work.

The bytes are stored unchanged; checking is never a re-encode (originals are evidence). Nothing on
the request path decodes every pixel (a crafted file could stall or exhaust the companion): Pillow
reads the header (format, size), the size is checked against the pixel limit, and
``image_structure`` walks the file with bounded time and memory (PNG: CRCs and the head of the
image data, ``PNG_INFLATE_CHECK``; JPEG: markers and at most ``MAX_SCANS`` scans); a one-scan JPEG
is also decoded at 1/8 scale (cheap). A multi-picture JPEG (MPO, as some phones write) is a JPEG.
Thumbnails, which do decode, are made by the job worker (``campaigns/thumbnails.py``, bounded there too).
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image

from companion.core.errors import DomainError
from companion.evidence.image_structure import JpegLayout, Problem, jpeg_problem, png_problem

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg"}
_UNSUPPORTED = "图片不是有效的 PNG 或 JPEG 文件。"
# Inflated bytes of a PNG's image data checked on the request path (about 0.1 ms): the stream must
# start as zlib and not end short within them. A stream broken further on (CRCs intact) is found by
# the thumbnail job's full decode (logged, no thumbnail); the bytes are stored as sent either way.
PNG_INFLATE_CHECK = 128 * 1024


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int


def inspect_image(data: bytes, declared_mime: str, max_pixels: int) -> ImageInfo:
    """Identify and check the image; raise DomainError (415/413/422) for anything we won't archive."""
    if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise DomainError(415, "unsupported_image", _UNSUPPORTED)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as img:  # header only
                fmt, (width, height) = img.format, img.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_large(max_pixels) from None
    except (Image.UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, struct.error):
        raise DomainError(415, "unsupported_image", _UNSUPPORTED) from None
    mime = FORMATS.get(fmt or "")
    if mime is None:
        raise DomainError(415, "unsupported_image", _UNSUPPORTED)
    if mime != declared_mime:
        raise DomainError(
            415, "image_type_mismatch", f"图片实际格式是 {mime}，与声明的 {declared_mime} 不符。"
        )
    if width * height > max_pixels:
        raise _too_large(max_pixels, width, height)
    if not width or not height:
        raise DomainError(422, "corrupt_image", "图片的宽或高为 0，无法作为截图存证。")
    found = png_problem(data, PNG_INFLATE_CHECK) if mime == "image/png" else jpeg_problem(data)
    if isinstance(found, Problem) and found.kind == "unsupported":
        raise DomainError(415, "unsupported_image", f"图片{found.reason}。")
    if isinstance(found, Problem):
        raise DomainError(422, "corrupt_image", f"图片数据不完整或已损坏：{found.reason}。")
    if isinstance(found, JpegLayout) and found.streamable:
        _decode_reduced(data)
    return ImageInfo(mime=mime, width=width, height=height)


def _decode_reduced(data: bytes) -> None:
    """Decode a one-scan JPEG at 1/8 scale: time linear in the file's size, memory a 64th of the
    pixels; catches entropy data a decoder can't read. (Progressive files are checked by their
    structure only: decoding them at any scale buffers every block.)"""
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as img:
            img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
            img.load()
    except (OSError, ValueError, SyntaxError, EOFError, struct.error):
        raise DomainError(422, "corrupt_image", "图片数据已损坏，无法解码。") from None


def _too_large(max_pixels: int, width: int | None = None, height: int | None = None) -> DomainError:
    size = f" {width}×{height}" if width is not None else ""
    return DomainError(413, "image_too_large", f"图片尺寸{size}超过上限（{max_pixels} 像素）。")
