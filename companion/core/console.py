"""What reaches the user's terminal: Chinese lines only, readable in any Windows console.

The libraries' own log lines (waitress's "Serving on", its queue-depth warnings, our tracebacks)
are English and go to ``companion.log`` in the data dir; the terminal gets one Chinese line per
error, naming that file. A Windows console whose code page is GBK (cp936) cannot show ✓ or ✗:
``make_printable`` makes such a stream replace what it cannot encode instead of raising
UnicodeEncodeError in the middle of a report (docs/windows.md).
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import sys

from companion.core.config import DataDir

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SAMPLE = "砍价存证 ✓ ✗ ¥ …"


def make_printable(stream: io.TextIOBase | None) -> None:
    """Let ``stream`` replace characters its encoding lacks (a GBK console and ✓)."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        _SAMPLE.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


class ChineseConsoleHandler(logging.Handler):
    """An error anywhere becomes one Chinese line on stderr; the details are in the log file."""

    def __init__(self, log_path: str) -> None:
        super().__init__(level=logging.ERROR)
        self.log_path = log_path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"助手遇到一个错误（已记录，详情见日志 {self.log_path}）。\n")
            sys.stderr.flush()
        except Exception:  # a closed console must not stop the companion
            self.handleError(record)


def configure_logging(layout: DataDir) -> str:
    """Log everything to ``<data dir>/companion.log`` (rotated, 1 MB x 3); returns its path."""
    for stream in (sys.stdout, sys.stderr):
        make_printable(stream)
    path = str(layout.log)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_bargain_witness", False):
            root.removeHandler(handler)
            handler.close()
    to_file = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    to_file.setFormatter(logging.Formatter(LOG_FORMAT))
    console = ChineseConsoleHandler(path)
    for handler in (to_file, console):
        handler._bargain_witness = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # Python warnings too: into the file, never the terminal
    return path
