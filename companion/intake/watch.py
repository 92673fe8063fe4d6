"""Screen watch: grab a screen region every N seconds with mss and keep a frame only when it changed.

A mirrored phone (scrcpy, 投屏, an emulator) shows the bargain in a window; ``bargain-witness watch
--region X,Y,W,H`` grabs that rectangle. Change detection is exact pixel equality with the last
stored frame (a perceptual hash misses "0.27元→0.26元"); an unchanged frame costs one grab (~5 ms)
and one compare, a changed one a fast PNG encode and the write path (``importer.store_file``,
``source: screen``). The loop waits on an event, not ``sleep``; the command turns Ctrl-C into
``stop`` (a SIGINT handler), so it ends between frames, never halfway through a write.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from companion.core.errors import DomainError


@dataclass(frozen=True)
class Region:
    left: int
    top: int
    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Region:
        parts = [p.strip() for p in text.replace("，", ",").split(",")]
        try:
            left, top, width, height = (int(p) for p in parts)
        except ValueError:
            raise DomainError(
                400, "bad_region", "区域格式应为 X,Y,宽,高（整数像素），例如 0,0,540,1200。"
            ) from None
        if width <= 0 or height <= 0 or width * height > 7680 * 4320:
            raise DomainError(400, "bad_region", "区域的宽和高必须大于 0，且不超过 8K 屏幕。")
        return cls(left, top, width, height)

    def as_mss(self) -> dict[str, int]:
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class Frame:
    rgb: bytes
    size: tuple[int, int]

    def png(self) -> bytes:
        out = io.BytesIO()
        Image.frombytes("RGB", self.size, self.rgb).save(out, "PNG", compress_level=1)
        return out.getvalue()


def mss_grabber(region: Region) -> tuple[Callable[[], Frame], Callable[[], None]]:
    """A grab function for ``region`` and its close; mss 10 names the class ``MSS`` (9: ``mss``)."""
    import mss

    screen = (getattr(mss, "MSS", None) or mss.mss)()
    box = region.as_mss()

    def grab() -> Frame:
        shot = screen.grab(box)
        return Frame(shot.rgb, shot.size)

    return grab, screen.close


def full_screen_png() -> bytes:
    """All monitors as one PNG, for the region picker; its left/top are the virtual screen's."""
    import mss

    with (getattr(mss, "MSS", None) or mss.mss)() as screen:
        mon = screen.monitors[0]
        shot = screen.grab(mon)
        return Frame(shot.rgb, shot.size).png()


def screen_origin() -> tuple[int, int]:
    import mss

    with (getattr(mss, "MSS", None) or mss.mss)() as screen:
        mon = screen.monitors[0]
        return mon["left"], mon["top"]


@dataclass
class WatchStats:
    frames: int = 0
    stored: int = 0
    last_change: float | None = None
    errors: list[str] = field(default_factory=list)


class Watcher:
    """``tick`` grabs once and stores the frame when its pixels differ from the last stored one."""

    def __init__(self, grab: Callable[[], Frame], store: Callable[[bytes], object]) -> None:
        self.grab = grab
        self.store = store
        self.stats = WatchStats()
        self._last: Frame | None = None
        self._stop = threading.Event()

    def tick(self) -> bool:
        frame = self.grab()
        self.stats.frames += 1
        if self._last is not None and frame == self._last:
            return False
        self.store(frame.png())
        self._last = frame
        self.stats.stored += 1
        self.stats.last_change = time.time()
        return True

    def stop(self) -> None:
        self._stop.set()

    def run(self, every: float, on_tick: Callable[[WatchStats], None] = lambda s: None, limit=None) -> None:
        """Tick every ``every`` seconds (measured from each tick's start) until ``stop`` or ``limit``."""
        while not self._stop.is_set() and (limit is None or self.stats.frames < limit):
            started = time.monotonic()
            self.tick()
            on_tick(self.stats)
            # In short slices: a Ctrl-C handler that calls ``stop`` is heard within half a second
            # on every platform (on Windows a long wait is not interrupted by the console signal).
            while not self._stop.is_set() and (left := every - (time.monotonic() - started)) > 0:
                self._stop.wait(min(0.5, left))


def status_line(stats: WatchStats) -> str:
    """The live line the command rewrites in place (``\r``)."""
    last = "—" if stats.last_change is None else time.strftime("%H:%M:%S", time.localtime(stats.last_change))
    return (
        f"已检查 {stats.frames} 帧 · 已保存 {stats.stored} 帧（画面有变化时才保存）"
        f" · 上次变化 {last} · 按 Ctrl+C 停止"
    )
