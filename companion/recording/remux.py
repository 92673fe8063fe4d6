"""The derived copy of a recording: MediaRecorder's chunks, concatenated in order, are one WebM
stream without a duration or a seek index (the browser cannot go back to write them). Remuxing it
with PyAV (FFmpeg's Matroska muxer writes Duration and Cues when it can seek its output) gives a
file a player can show the length of and seek in. No re-encoding: the frames are the original ones.

Pure: paths in, facts out; no Flask, no SQLite. The original chunks stay the evidence.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av


@dataclass(frozen=True)
class Remuxed:
    duration_ms: int
    packets: int
    truncated: bool  # the input ended in a torn chunk; what came before it was kept


def concatenate(sources: Iterable[Path], out: Path) -> int:
    """The chunks, byte for byte one after the other (what the recorder produced); returns the size."""
    size = 0
    with out.open("wb") as fh:
        for path in sources:
            if path.exists():  # a chunk the archive lost is reported by verify; play what is left
                with path.open("rb") as src:
                    size += _copy(src, fh)
    return size


def _copy(src, dst) -> int:
    before = dst.tell()
    shutil.copyfileobj(src, dst, 1024 * 1024)
    return dst.tell() - before


def remux(source: Path, out: Path) -> Remuxed:
    """Copy the audio and video packets of ``source`` into a new WebM at ``out``, indexed. Raises
    ValueError when ``source`` holds nothing decodable (FFmpeg's own errors included)."""
    try:
        return _remux(source, out)
    except av.FFmpegError as exc:
        raise ValueError(f"not a readable WebM: {exc}") from exc


def _remux(source: Path, out: Path) -> Remuxed:
    packets = 0
    truncated = False
    with av.open(str(source), "r") as inp, av.open(str(out), "w", format="webm") as output:
        mapping = {
            s.index: output.add_stream_from_template(s) for s in inp.streams if s.type in ("video", "audio")
        }
        if not mapping:
            raise ValueError("no audio or video stream")
        try:
            for packet in inp.demux(*[s for s in inp.streams if s.index in mapping]):
                if packet.dts is None:  # the demuxer's flush packet
                    continue
                packet.stream = mapping[packet.stream.index]
                output.mux(packet)
                packets += 1
        except av.FFmpegError:
            truncated = True  # a torn last chunk: keep everything before it
    if packets == 0:
        raise ValueError("no frames")
    return Remuxed(duration_ms=probe_duration_ms(out), packets=packets, truncated=truncated)


def probe_duration_ms(path: Path) -> int:
    """The duration the file's header states (0 when it states none, as MediaRecorder's files)."""
    with av.open(str(path), "r") as container:
        return int((container.duration or 0) / 1000)
