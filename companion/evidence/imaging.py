"""Screenshot checks with Pillow: only real PNG/JPEG, within pixel limits, fully decodable.

The bytes are stored unchanged; decoding is only a check, never a re-encode (originals are evidence).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

from companion.core.errors import DomainError

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int


def inspect_image(data: bytes, declared_mime: str, max_pixels: int) -> ImageInfo:
    """Identify and decode the image; raise DomainError (415/413/422) for anything we won't archive."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(FORMATS))
            fmt = img.format
    except (Image.UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise DomainError(415, "unsupported_image", "图片不是有效的 PNG 或 JPEG 文件。") from None
    except (OSError, ValueError, SyntaxError):
        raise DomainError(415, "unsupported_image", "图片不是有效的 PNG 或 JPEG 文件。") from None
    mime = FORMATS[fmt]
    if mime != declared_mime:
        raise DomainError(
            415, "image_type_mismatch", f"图片实际格式是 {mime}，与声明的 {declared_mime} 不符。"
        )
    width, height = img.size
    if width * height > max_pixels:
        raise DomainError(
            413, "image_too_large", f"图片尺寸 {width}×{height} 超过上限（{max_pixels} 像素）。"
        )
    try:
        img.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise DomainError(422, "corrupt_image", "图片数据不完整或已损坏，无法解码。") from None
    finally:
        img.close()
    return ImageInfo(mime=mime, width=width, height=height)
