"""The OCR engine (rapidocr on onnxruntime), one per worker, loaded on first use.

rapidocr ships its default PP-OCR models inside the wheel and runs offline with them; asking for
any other model makes it download at start-up, which fails offline, so only the defaults are used
and ``.vis()`` (which downloads a font) is never called. The text direction classifier is off:
screenshots are upright. The engine keeps ~0.6 GB of memory, so there is one, held by the job
worker's services (docs/ocr.md), and one read at a time (a lock).

An image wider than a phone's 720 px is read at that width (boxes scaled back): phone text stays
large enough and the work drops by the square of the factor. rapidocr's ``max_side_len`` shrinks an
image whose long side is over 2000 px and loses small lines, so a tall screenshot is read in
overlapping strips (``strips``) and the boxes of the overlaps merged.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from companion.ocr.layout import Box

log = logging.getLogger(__name__)
READ_WIDTH = 720  # wider images are read at this width: phone text stays >= 25 px, 2.25x less work
MAX_SIDE = 2000  # rapidocr's default max_side_len: a taller image would be shrunk
STRIP = 1800  # pixels of one strip of a tall image (under MAX_SIDE)
OVERLAP = 240  # pixels two strips share, more than any line of text is tall
# OCR runs in the background beside the captures (the job worker): its inference threads take at most
# half the cores, so a capture arriving while a screenshot is read keeps a core (on 2 cores a capture
# took 3x as long while an OCR job ran on both; docs/performance.md "Background work").
OCR_THREADS = max(1, (os.cpu_count() or 2) // 2)
ENGINE_PARAMS = {
    "Global.use_cls": False,
    "Global.log_level": "warning",
    "EngineConfig.onnxruntime.intra_op_num_threads": OCR_THREADS,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}


@dataclass(frozen=True)
class PixelRead:
    boxes: list[Box]
    width: int
    height: int
    seconds: float


def strips(height: int, strip: int = STRIP, overlap: int = OVERLAP) -> list[tuple[int, int]]:
    """Top and bottom of each strip that covers ``height`` (one strip when it fits)."""
    if height <= MAX_SIDE:
        return [(0, height)]
    out, top = [], 0
    while True:
        bottom = min(height, top + strip)
        out.append((top, bottom))
        if bottom == height:
            return out
        top = bottom - overlap


def merge_strips(per_strip: list[tuple[int, list[Box]]]) -> list[Box]:
    """Boxes of all strips in image coordinates; a line read in two strips' overlap is kept once
    (the same text where the boxes overlap by more than half)."""
    merged: list[Box] = []
    for top, boxes in per_strip:
        for b in boxes:
            moved = Box(b.text, b.score, b.x0, b.y0 + top, b.x1, b.y1 + top)
            if not any(_same_box(moved, m) for m in merged):
                merged.append(moved)
    return merged


def _same_box(a: Box, b: Box) -> bool:
    w = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    h = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0)) or 1.0
    return w * h / smaller > 0.5 and (a.text in b.text or b.text in a.text)


def load_image(data: bytes) -> Image.Image:
    """The first frame (an MPO's primary picture), upright per EXIF, as RGB."""
    from PIL import ImageOps

    with Image.open(io.BytesIO(data)) as im:
        im.seek(0)
        return ImageOps.exif_transpose(im).convert("RGB")


def make_rapidocr() -> Callable[[Any], Any]:
    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return RapidOCR(params=ENGINE_PARAMS)


class OcrEngine:
    """Reads boxes from an image; the model loads on the first read (seconds, ~0.6 GB)."""

    def __init__(self, factory: Callable[[], Callable[[Any], Any]] = make_rapidocr) -> None:
        self._factory = factory
        self._engine: Callable[[Any], Any] | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def read(self, data: bytes) -> PixelRead:
        import numpy as np

        original = load_image(data)
        started = time.perf_counter()
        image, factor = original, 1.0
        if original.width > READ_WIDTH:
            factor = original.width / READ_WIDTH
            image = original.resize((READ_WIDTH, round(original.height / factor)), Image.BILINEAR)
        with self._lock:
            if self._engine is None:
                self._engine = self._factory()
            per_strip = []
            for top, bottom in strips(image.height):
                part = (
                    image.crop((0, top, image.width, bottom)) if (top, bottom) != (0, image.height) else image
                )
                per_strip.append((top, self._boxes(self._engine(np.asarray(part)))))
        boxes = [
            Box(b.text, b.score, b.x0 * factor, b.y0 * factor, b.x1 * factor, b.y1 * factor)
            for b in merge_strips(per_strip)
        ]
        return PixelRead(boxes, original.width, original.height, time.perf_counter() - started)

    @staticmethod
    def _boxes(result: Any) -> list[Box]:
        if result is None or getattr(result, "boxes", None) is None:
            return []
        return [
            Box.from_quad(str(text), float(score), quad.tolist())
            for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=False)
        ]


def engine_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"rapidocr {version('rapidocr')} / onnxruntime {version('onnxruntime')}"
    except PackageNotFoundError:
        return "rapidocr (not installed)"
