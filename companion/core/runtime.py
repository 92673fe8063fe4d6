"""Where the running companion is, and the command the user starts it with.

``serve`` leaves a small record (pid, port, data dir) in the user's state directory while it runs;
``token``, ``verify``, ``info`` and ``export`` without ``--data-dir`` use the data dir of the companion
the user runs, instead of silently creating a second one whose token would not pair
(docs/windows.md, "Which data dir a command uses"). A record whose process is gone is stale and is
dropped when read (a killed companion cannot remove its own).

Messages name the command the user actually has: ``scripts/start`` (or ``scripts\\start.bat``) sets
``BARGAIN_WITNESS_COMMAND`` to the path it was called by, so a hint says ``scripts/start token``
rather than a bare ``bargain-witness`` that is not on the user's PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from companion.core import portable
from companion.core.config import APP_NAME, DataDir, resolve_data_dir

RUNTIME_ENV = "BARGAIN_WITNESS_RUNTIME"  # where the records go (tests point it at a temp dir)
COMMAND_ENV = "BARGAIN_WITNESS_COMMAND"  # set by the start scripts


@dataclass(frozen=True)
class Running:
    pid: int
    port: int
    data_dir: str
    started: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@dataclass(frozen=True)
class Found:
    """A data dir and, in Chinese, why it was chosen (commands print it)."""

    layout: DataDir
    why: str

    @property
    def sentence(self) -> str:
        return f"数据目录：{self.layout.root}（{self.why}）"


def runtime_dir() -> Path:
    chosen = os.environ.get(RUNTIME_ENV)
    return Path(chosen) if chosen else Path(platformdirs.user_state_dir(APP_NAME, appauthor=False), "running")


def record_running(layout: DataDir, port: int) -> Path:
    """Say that this process serves ``layout`` on ``port``; returns the record to remove at exit."""
    folder = runtime_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{os.getpid()}.json"
    tmp = path.with_suffix(".tmp")
    record = {"pid": os.getpid(), "port": port, "data_dir": str(layout.root), "started": time.time()}
    tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    portable.replace(tmp, path)
    return path


def forget_running(path: Path) -> None:
    path.unlink(missing_ok=True)


def running() -> list[Running]:
    """Live companions of this user, the most recently started first; stale records are removed."""
    folder = runtime_dir()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.json"):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            record = Running(int(raw["pid"]), int(raw["port"]), str(raw["data_dir"]), float(raw["started"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # half-written by a starting companion, or not ours: leave it be
        if portable.pid_alive(record.pid):
            found.append(record)
        else:
            path.unlink(missing_ok=True)
    return sorted(found, key=lambda r: r.started, reverse=True)


def find_data_dir(explicit: str | os.PathLike | None) -> Found:
    """--data-dir (or $BARGAIN_WITNESS_DATA), else the running companion's, else the default."""
    if explicit:
        return Found(resolve_data_dir(explicit), "由 --data-dir 或环境变量 BARGAIN_WITNESS_DATA 指定")
    live = running()
    if live:
        newest = live[0]
        why = f"正在运行的助手 {newest.url} 使用的目录"
        others = {r.data_dir for r in live[1:]} - {newest.data_dir}
        if others:
            why += f"；另有助手使用 {'、'.join(sorted(others))}，可用 --data-dir 指定"
        return Found(resolve_data_dir(newest.data_dir), why)
    return Found(resolve_data_dir(None), "默认目录；助手当前没有运行")


def user_command(*args: str) -> str:
    """The command line the user would type to run ``args`` (e.g. ``scripts/start token``)."""
    base = os.environ.get(COMMAND_ENV, "").strip() or _own_command()
    return " ".join([base, *args])


def _own_command() -> str:
    """``bargain-witness`` when that is on PATH and is us, else the full path of what was run."""
    argv0 = Path(sys.argv[0] or "bargain-witness")
    if argv0.stem != "bargain-witness":  # python -m companion, or a test harness
        return f"{_quote(sys.executable)} -m companion"
    on_path = shutil.which("bargain-witness")
    if on_path and Path(on_path).resolve() == argv0.resolve():
        return "bargain-witness"
    return _quote(str(argv0.resolve()))


def _quote(path: str) -> str:
    """Double quotes around a path with a space: what both cmd.exe and POSIX shells accept."""
    return f'"{path}"' if " " in path else path
