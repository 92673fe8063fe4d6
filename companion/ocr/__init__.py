"""OCR: figures read from the pixels of phone screenshots and screen frames (docs/ocr.md).

One engine, loaded lazily and held by the job worker (``engine.py``); never on a request thread.
``layout.py`` turns its boxes into facts (pure), ``jobs.py`` queues a read for each new capture and
stores what it found: a capture that came with no facts gets its reading from the pixels, a capture
read from its page text gets a cross-check.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from companion.ocr import jobs

    jobs.register(app)
