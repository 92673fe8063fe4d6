"""The structure of a PNG or JPEG file, checked with bounded work and without decoding a pixel.

Decoding every pixel on the request path let a crafted file stall the companion (a 300 KB
progressive JPEG of thousands of scans took a minute) or take its memory. These walkers read the
file once, in C-speed steps, with memory independent of the image's size:

- PNG: the signature, every chunk's length and CRC, IHDR first, an IEND, no animation (``acTL``),
  and the image data (IDAT) inflated in pieces (never held whole) until it yields exactly the
  bytes its width, height, depth and interlacing need; so a truncated or corrupt stream is caught
  and the work is bounded by the pixel limit, not by what the stream claims. On the request path
  only the stream's head is inflated (``inflate_limit``): inflating a whole screenshot was the
  largest CPU cost of a capture POST (#13).
- JPEG: the marker structure from SOI to the first EOI (an MPO's further pictures follow it),
  segment lengths, a baseline, extended or progressive frame, at most ``MAX_SCANS`` scans.

Each returns a ``Problem``, or for a sound file None (PNG) or its ``JpegLayout`` (pure: no Pillow,
Flask or SQLite).
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Ordinary progressive JPEGs have about 10 scans (one per component and band); each scan is a pass
# over every block of the image, so the count bounds the time a decoder spends.
MAX_SCANS = 32
INFLATE_PIECE = 64 * 1024  # compressed bytes fed to zlib at a time
INFLATE_OUT = 1024 * 1024  # most inflated bytes held at a time
# What decoders (Pillow) inflate of a text or ICC chunk at most; a file with more is refused here,
# wherever the chunk is (a decoder reads those after the image data only when decoding it).
MAX_TEXT_CHUNK = 1024 * 1024
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel
_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
# A marker: 0xFF then anything but a stuffed zero, a restart marker or another fill byte.
_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_FRAMES_OK = frozenset({0xC0, 0xC1, 0xC2})  # baseline, extended sequential, progressive (Huffman)
_FRAMES_OTHER = frozenset({0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


@dataclass(frozen=True)
class Problem:
    kind: str  # "corrupt" (422), "unsupported" (415)
    reason: str  # Chinese, for the error message


def _corrupt(reason: str) -> Problem:
    return Problem("corrupt", reason)


def png_raw_size(width: int, height: int, depth: int, colour: int, interlaced: bool) -> int:
    """Bytes the inflated image data of a PNG must hold: each row's filter byte and its samples."""
    bits = _CHANNELS[colour] * depth

    def rows(w: int, h: int) -> int:
        return h * (1 + (w * bits + 7) // 8) if w and h else 0

    if not interlaced:
        return rows(width, height)
    return sum(rows((width - x + dx - 1) // dx, (height - y + dy - 1) // dy) for x, y, dx, dy in _ADAM7)


def png_problem(data: bytes, inflate_limit: int | None = None) -> Problem | None:
    """``inflate_limit``: inflate at most this many bytes of the image data (the request path: the
    head of the stream must inflate, and a stream that ends short within it is refused; a longer
    image's full length is left to the thumbnail job's decode, docs/performance.md). None: all."""
    view = memoryview(data)
    if not data.startswith(PNG_SIGNATURE):
        return Problem("unsupported", "不是 PNG 文件")
    pos, seen, expected, produced, target = 8, 0, 0, 0, 0
    inflater = zlib.decompressobj()
    idat_seen = idat_done = False
    while True:
        if pos + 12 > len(data):
            return _corrupt("文件不完整（缺少结尾块 IEND）")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            return _corrupt("文件不完整（数据块被截断）")
        body = view[pos + 8 : end - 4]
        if zlib.crc32(body, zlib.crc32(kind)) != struct.unpack_from(">I", data, end - 4)[0]:
            return _corrupt(f"数据块 {kind.decode('latin-1')} 的校验值不符")
        if seen == 0:
            if kind != b"IHDR" or length != 13:
                return _corrupt("缺少文件头块 IHDR")
            width, height, depth, colour, _, _, interlace = struct.unpack_from(">IIBBBBB", body)
            if depth not in _DEPTHS.get(colour, ()) or interlace > 1 or not width or not height:
                return _corrupt("文件头块 IHDR 的参数无效")
            expected = png_raw_size(width, height, depth, colour, interlace == 1)
            target = expected if inflate_limit is None else min(expected, inflate_limit)
        elif kind == b"acTL":
            return Problem("unsupported", "是动画 PNG，不能作为一张截图存证")
        elif kind in (b"zTXt", b"iTXt", b"iCCP") and _inflates_past(kind, body, MAX_TEXT_CHUNK):
            return Problem("unsupported", f"的附加数据块 {kind.decode('latin-1')} 解压后过大")
        elif kind == b"IDAT":
            if idat_done:
                return _corrupt("图像数据块 IDAT 不连续")
            idat_seen = True
            try:
                produced = _inflate(inflater, body, produced, target)
            except zlib.error:
                return _corrupt("图像数据无法解压")
        elif idat_seen:
            idat_done = True
        seen += 1
        pos = end
        if kind == b"IEND":
            break
    if produced < target or (inflater.eof and produced < expected):
        return _corrupt("图像数据不完整")
    return None


def _inflates_past(kind: bytes, body: memoryview, limit: int) -> bool:
    """A compressed text or colour-profile chunk inflates to more than ``limit`` bytes (a zlib bomb
    that decoders refuse); at most ``limit`` + 1 bytes are inflated to tell."""
    data = bytes(body[: INFLATE_PIECE * 16])  # a bomb needs no more input than this to show itself
    name_end = data.find(b"\0")
    if name_end < 0:
        return False
    start = name_end + 2  # zTXt, iCCP: name, 0, method, data
    if kind == b"iTXt":  # keyword, 0, compressed?, method, language, 0, translated keyword, 0, text
        if data[name_end + 1 : name_end + 2] != b"\1":
            return False
        lang_end = data.find(b"\0", name_end + 3)
        start = data.find(b"\0", lang_end + 1) + 1 if lang_end >= 0 else 0
        if start <= 0:
            return False
    try:
        return len(zlib.decompressobj().decompress(data[start:], limit + 1)) > limit
    except zlib.error:
        return False


def _inflate(inflater, body: memoryview, produced: int, expected: int) -> int:
    """Feed one IDAT chunk in pieces, holding at most ``INFLATE_OUT`` inflated bytes at a time; stop
    counting once the image has all its bytes (what follows is never inflated: bounded work)."""
    for start in range(0, len(body), INFLATE_PIECE):
        piece = body[start : start + INFLATE_PIECE]
        while piece and produced < expected:
            produced += len(inflater.decompress(piece, min(INFLATE_OUT, expected - produced)))
            piece = inflater.unconsumed_tail
        if produced >= expected:
            break
    return produced


@dataclass(frozen=True)
class JpegLayout:
    """What decoding the first picture costs: one sequential scan decodes a few rows at a time
    (cheap at a reduced scale); progressive or several scans need every block buffered."""

    scans: int
    progressive: bool

    @property
    def streamable(self) -> bool:
        return self.scans == 1 and not self.progressive


def jpeg_problem(data: bytes) -> Problem | JpegLayout:
    """A ``Problem``, or the ``JpegLayout`` of a sound file."""
    if not data.startswith(b"\xff\xd8"):
        return Problem("unsupported", "不是 JPEG 文件")
    pos, frame, scans, size, progressive = 2, False, 0, len(data), False
    while True:
        if pos >= size or data[pos] != 0xFF:
            return _corrupt("文件不完整或标记损坏")
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            return _corrupt("文件不完整（缺少结尾标记 EOI）")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: an MPO's further pictures (or anything else) may follow
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if marker in (0x00, 0xD8) or pos + 2 > size:
            return _corrupt("标记损坏")
        length = struct.unpack_from(">H", data, pos)[0]
        if length < 2 or pos + length > size:
            return _corrupt("文件不完整（数据段被截断）")
        if marker in _FRAMES_OTHER:
            return Problem("unsupported", "使用了不支持的 JPEG 编码（无损或算术编码）")
        frame = frame or marker in _FRAMES_OK
        progressive = progressive or marker == 0xC2
        pos += length
        if marker == 0xDA:
            if not frame:
                return _corrupt("缺少帧头 SOF")
            scans += 1
            if scans > MAX_SCANS:
                return _corrupt(f"扫描段过多（超过 {MAX_SCANS} 个），可能是恶意构造的文件")
            found = _MARKER.search(data, pos)
            if found is None:
                return _corrupt("文件不完整（缺少结尾标记 EOI）")
            pos = found.start()
    if not scans:
        return _corrupt("没有图像数据")
    return JpegLayout(scans, progressive)
