"""Video for the recording tests: a WebM made the way MediaRecorder makes one (a live stream: no
duration, no seek index), cut into chunks at arbitrary byte offsets as the recorder's timeslices do,
and decoded back to count frames and measure what plays."""

from __future__ import annotations

import io

import av
import numpy as np


def live_webm(seconds: float = 3.0, fps: int = 10, width: int = 160, height: int = 96) -> bytes:
    """VP8 frames whose picture changes every frame, muxed as a live WebM (like MediaRecorder's)."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="webm", options={"live": "1"}) as out:
        stream = out.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(round(seconds * fps)):
            pixels = np.full((height, width, 3), (i * 7) % 256, dtype=np.uint8)
            pixels[:, : (i * 5) % width, 0] = 255
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def split(data: bytes, parts: int) -> list[bytes]:
    """Cut ``data`` into ``parts`` pieces at byte offsets that ignore the WebM structure."""
    step = -(-len(data) // parts)
    return [data[i : i + step] for i in range(0, len(data), step)]


def decode(data: bytes) -> dict[str, float]:
    """Decode every video frame: {frames, first_s, last_s, header_s} (header_s: the stated duration)."""
    with av.open(io.BytesIO(data), "r") as container:
        header = (container.duration or 0) / 1_000_000
        times = [float(f.pts * f.time_base) for f in container.decode(video=0) if f.pts is not None]
    return {
        "frames": len(times),
        "first_s": min(times) if times else 0.0,
        "last_s": max(times) if times else 0.0,
        "header_s": header,
    }
