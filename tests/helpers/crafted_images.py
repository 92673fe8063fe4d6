"""Malformed, crafted and bomb images for the image checks (#11): made here, deterministically.

``corpus()`` returns ``(name, bytes, declared mime)`` for well over 200 files: valid controls in
every mode (CMYK, 16-bit, palette, interlaced, MPO, EXIF-rotated), truncations and bit flips,
wrong magic, huge dimensions in the header, progressive JPEGs with many scans, zlib bombs in the
image data and in iCCP/zTXt chunks, animated images, broken JPEG marker structures.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw

PNG, JPEG = "image/png", "image/jpeg"
SIG = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def raw_size(width: int, height: int, depth: int, colour: int, interlace: int) -> int:
    bits = _CHANNELS[colour] * depth
    passes = [(0, 0, 1, 1)]
    if interlace:
        passes = [
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ]
    total = 0
    for x, y, dx, dy in passes:
        w, h = (width - x + dx - 1) // dx, (height - y + dy - 1) // dy
        total += h * (1 + (w * bits + 7) // 8) if w and h else 0
    return total


def make_png(
    width: int,
    height: int,
    depth: int = 8,
    colour: int = 2,
    interlace: int = 0,
    raw: bytes | None = None,
    before: list[bytes] = (),
    after: list[bytes] = (),
    idat_pieces: int = 1,
    level: int = 9,
) -> bytes:
    """A PNG of zero pixels (every row filter 0) unless ``raw`` is given; chunks inserted as asked."""
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))
    data = zlib.compress(
        raw if raw is not None else bytes(raw_size(width, height, depth, colour, interlace)), level
    )
    step = max(1, -(-len(data) // idat_pieces))
    idats = b"".join(chunk(b"IDAT", data[i : i + step]) for i in range(0, len(data), step))
    plte = chunk(b"PLTE", bytes(range(48))) if colour == 3 else b""
    return SIG + ihdr + b"".join(before) + plte + idats + b"".join(after) + chunk(b"IEND", b"")


def picture(width: int = 96, height: int = 64, mode: str = "RGB", seed: int = 0) -> Image.Image:
    img = Image.new("RGB", (width, height), (250, 240 - seed % 200, 230))
    draw = ImageDraw.Draw(img)
    for i in range(6):
        draw.rectangle([i * 13, i * 7, i * 13 + 20, i * 7 + 15], fill=(30 * i % 256, 80, 160))
    draw.text((3, 3), f"{seed}", fill=(200, 0, 0))
    return img.convert(mode) if mode != "RGB" else img


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each segment of a JPEG; a scan's entropy data is part of its SOS."""
    out, i = [(0xD8, 0, 2)], 2
    while i < len(data):
        marker = data[i + 1]
        if marker == 0xD9:
            out.append((marker, i, i + 2))
            break
        end = i + 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker == 0xDA:
            while True:
                end = data.index(b"\xff", end)
                if data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7:
                    end += 2
                    continue
                break
        out.append((marker, i, end))
        i = end
    return out


def many_scans(width: int, height: int, extra: int) -> bytes:
    """A progressive JPEG with its last scan repeated ``extra`` times: tiny, slow to decode fully."""
    data = encode(Image.new("RGB", (width, height), (120, 130, 140)), "JPEG", progressive=True, quality=80)
    segs = jpeg_segments(data)
    _, start, end = [s for s in segs if s[0] == 0xDA][-1]
    eoi = segs[-1][1]
    return data[:eoi] + data[start:end] * extra + data[eoi:]


def with_marker(data: bytes, marker: int, new: int) -> bytes:
    """``data`` with the first segment of ``marker`` relabelled as ``new``."""
    i = next(s for m, s, _ in jpeg_segments(data) if m == marker)
    return data[: i + 1] + bytes([new]) + data[i + 2 :]


def without(data: bytes, marker: int) -> bytes:
    _, start, end = next(s for s in jpeg_segments(data) if s[0] == marker)
    return data[:start] + data[end:]


def sof_size(data: bytes, width: int, height: int) -> bytes:
    _, start, _ = next(s for s in jpeg_segments(data) if s[0] in (0xC0, 0xC2))
    return data[: start + 5] + struct.pack(">HH", height, width) + data[start + 9 :]


def corpus() -> list[tuple[str, bytes, str]]:
    rnd = random.Random(11)
    out: list[tuple[str, bytes, str]] = []
    png = encode(picture(seed=1), "PNG")
    jpg = encode(picture(seed=2), "JPEG", quality=85)
    prog = encode(picture(320, 240, seed=3), "JPEG", quality=85, progressive=True)

    # Valid controls, in every mode a screenshot or a phone might use.
    for mode in ("RGB", "RGBA", "L", "LA", "P", "1", "I;16"):
        out.append((f"valid png {mode}", encode(picture(mode=mode, seed=4), "PNG"), PNG))
    out.append(("valid png palette transparency", encode(picture(mode="P"), "PNG", transparency=0), PNG))
    for depth, colour in ((16, 2), (16, 6), (16, 4), (2, 0), (4, 3), (1, 3)):
        out.append((f"valid png depth {depth} colour {colour}", make_png(70, 50, depth, colour), PNG))
    for depth, colour in ((8, 2), (16, 6), (1, 0)):
        out.append(
            (f"valid interlaced png {depth}/{colour}", make_png(37, 29, depth, colour, interlace=1), PNG)
        )
    out.append(("valid png in 200 IDAT chunks", make_png(200, 150, idat_pieces=200, level=0), PNG))
    for mode in ("RGB", "L", "CMYK"):
        out.append((f"valid jpeg {mode}", encode(picture(mode=mode, seed=5), "JPEG"), JPEG))
    out.append(("valid progressive jpeg", prog, JPEG))
    out.append(
        ("valid jpeg 4:4:4 optimized", encode(picture(seed=6), "JPEG", subsampling=0, optimize=True), JPEG)
    )
    exif = Image.Exif()
    exif[0x0112] = 6
    out.append(("valid jpeg rotated by exif", encode(picture(200, 100, seed=7), "JPEG", exif=exif), JPEG))
    out.append(("valid jpeg with trailing bytes", jpg + b"trailing data", JPEG))
    for n in (2, 3):
        frames = [picture(seed=10 + i) for i in range(n)]
        mpo = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
        out.append((f"valid mpo {n} pictures", mpo, JPEG))

    # Truncated anywhere, and bytes flipped anywhere.
    for base, mime, label in ((png, PNG, "png"), (jpg, JPEG, "jpeg"), (prog, JPEG, "progressive")):
        for cut in (
            8,
            16,
            33,
            60,
            len(base) // 3,
            len(base) // 2,
            len(base) - 20,
            len(base) - 2,
            len(base) - 1,
        ):
            out.append((f"truncated {label} at {cut}", base[:cut], mime))
        for i in range(35):
            flipped = bytearray(base)
            for _ in range(1 + i % 4):
                pos = rnd.randrange(len(flipped))
                flipped[pos] ^= 1 << rnd.randrange(8)
            out.append((f"flipped {label} #{i}", bytes(flipped), mime))

    # Not what they claim.
    others = {
        "gif": encode(picture(), "GIF"),
        "animated gif": encode(picture(), "GIF", save_all=True, append_images=[picture(seed=9)]),
        "bmp": encode(picture(), "BMP"),
        "tiff": encode(picture(), "TIFF"),
        "webp": encode(picture(), "WEBP"),
        "ico": encode(picture(32, 32), "ICO"),
        "svg": b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        "html": b"<!doctype html><script>alert(1)</script>",
        "pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        "zip": b"PK\x03\x04" + bytes(60),
        "zeros": bytes(64),
        "png signature only": SIG,
        "jpeg soi only": b"\xff\xd8",
        "jpeg soi eoi": b"\xff\xd8\xff\xd9",
    }
    out += [(f"wrong magic {k}", v, PNG) for k, v in others.items()]
    out += [("png declared jpeg", png, JPEG), ("jpeg declared png", jpg, PNG)]

    # Huge dimensions in the header (few bytes), and bombs within and beyond the pixel limit.
    out.append(("png header 100000x100000", make_png(100000, 100000, raw=b"\0"), PNG))
    out.append(("png header 7681x4320", make_png(7681, 4320, raw=b"\0"), PNG))
    out.append(("png header 1x50000000", make_png(1, 50_000_000, raw=b"\0"), PNG))
    out.append(("png header 0x10", make_png(0, 10, raw=b""), PNG))
    out.append(("jpeg sof 65535x65535", sof_size(jpg, 65535, 65535), JPEG))
    out.append(("jpeg sof 7681x4320", sof_size(jpg, 7681, 4320), JPEG))
    out.append(("jpeg sof 0x0", sof_size(jpg, 0, 0), JPEG))
    for depth, colour in ((8, 2), (8, 6), (16, 6)):
        out.append((f"8K png zlib bomb {depth}/{colour}", make_png(7680, 4320, depth, colour), PNG))
    out.append(("png idat longer than the image", make_png(100, 100, raw=bytes(10_000_000)), PNG))
    out.append(("png idat shorter than the image", make_png(1000, 1000, raw=bytes(5000)), PNG))
    out.append(
        (
            "png idat not zlib",
            SIG
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", b"garbage!")
            + chunk(b"IEND", b""),
            PNG,
        )
    )
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)
    out.append(("png huge iccp", make_png(64, 48, before=[chunk(b"iCCP", b"icc\0\0" + bomb)]), PNG))
    out.append(
        ("png huge ztxt before idat", make_png(64, 48, before=[chunk(b"zTXt", b"Comment\0\0" + bomb)]), PNG)
    )
    out.append(
        ("png huge ztxt after idat", make_png(64, 48, after=[chunk(b"zTXt", b"Comment\0\0" + bomb)]), PNG)
    )
    out.append(("png huge itxt", make_png(64, 48, before=[chunk(b"iTXt", b"Comment\0\1\0\0\0" + bomb)]), PNG))
    out.append(
        ("png 5 MB text", make_png(64, 48, before=[chunk(b"tEXt", b"Comment\0" + b"x" * 5_000_000)]), PNG)
    )
    out.append(("png 50000 tiny chunks", make_png(64, 48, before=[chunk(b"abCd", b"")] * 50_000), PNG))
    out.append(("png bad crc", png[:-5] + bytes([png[-5] ^ 1]) + png[-4:], PNG))
    out.append(("png no iend", png[:-12], PNG))
    out.append(("png ihdr not first", SIG + chunk(b"tEXt", b"a\0b") + png[8:], PNG))
    out.append(("png chunk length 2^31", SIG + struct.pack(">I", 0x80000000) + b"IHDR" + bytes(20), PNG))
    out.append(
        ("png split idat", make_png(64, 48, after=[chunk(b"tEXt", b"a\0b"), chunk(b"IDAT", b"x")]), PNG)
    )
    out.append(("png bad depth", make_png(64, 48, depth=7, raw=b""), PNG))
    out.append(
        ("animated png", encode(picture(), "PNG", save_all=True, append_images=[picture(seed=8)]), PNG)
    )

    # Progressive JPEGs with many scans: each scan is a pass over every block of the image.
    for w, h, extra in ((4000, 3000, 10_000), (7680, 4320, 2000), (2000, 1500, 40), (640, 480, 25)):
        out.append((f"progressive {w}x{h} +{extra} scans", many_scans(w, h, extra), JPEG))
    scans = sum(1 for m, _, _ in jpeg_segments(many_scans(64, 48, 0)) if m == 0xDA)
    out.append(("progressive with 32 scans (the most accepted)", many_scans(64, 48, 32 - scans), JPEG))

    # Broken JPEG marker structures.
    out.append(("jpeg arithmetic sof", with_marker(jpg, 0xC0, 0xC9), JPEG))
    out.append(("jpeg lossless sof", with_marker(jpg, 0xC0, 0xC3), JPEG))
    out.append(("jpeg without sof", without(jpg, 0xC0), JPEG))
    out.append(("jpeg without huffman tables", without(without(jpg, 0xC4), 0xC4), JPEG))
    out.append(("jpeg without eoi", jpg[:-2], JPEG))
    out.append(("jpeg segment length 0", jpg[:4] + b"\x00\x00" + jpg[6:], JPEG))
    out.append(("jpeg segment past the end", jpg[:4] + b"\xff\xff" + jpg[6:], JPEG))
    out.append(("jpeg nested soi", jpg[:2] + b"\xff\xd8" + jpg[2:], JPEG))
    out.append(("jpeg 10000 app segments", jpg[:2] + (b"\xff\xe5\x00\x02") * 10_000 + jpg[2:], JPEG))
    out.append(
        ("jpeg 64 KB comment x 100", jpg[:2] + (b"\xff\xfe\xff\xff" + bytes(65533)) * 100 + jpg[2:], JPEG)
    )
    return out
