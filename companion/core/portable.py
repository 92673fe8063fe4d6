"""The few file and process operations that differ between POSIX and Windows, each behind one function.

Windows 10/11 is a first-class platform (docs/windows.md). What differs, and why each fallback is safe:

- ``fsync_dir``: on POSIX a rename is durable only once its directory is fsynced. Windows cannot open
  a directory as a file (``os.open`` raises PermissionError) and NTFS journals the rename's metadata
  itself, so there is nothing to do; failing there made every capture fail.
- ``replace``: ``os.replace`` on Windows refuses to overwrite a read-only file (our originals are
  0400) and fails while another program (a virus scanner, the search indexer, a thumbnail reader)
  has the target open. The read-only bit is cleared first, and a sharing violation is retried for a
  bounded time.
- ``restrict_to_owner``: POSIX modes keep other local users out of the token; on Windows ``chmod``
  only toggles read-only and the user profile's ACL already keeps other users out.
- ``remove``: Windows refuses to delete a read-only file; its read-only bit is cleared first.
- ``pid_alive``: ``os.kill(pid, 0)`` probes a process on POSIX, but on Windows signal 0 is
  CTRL_C_EVENT and would interrupt the process; there the process is opened and its exit code read.

``IS_WINDOWS`` is read at call time (``is_windows()``), so tests can take the Windows branches here.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

# Windows error numbers of a file another program has open (ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION)
# and of access denied (ERROR_ACCESS_DENIED), as OSError.winerror.
_SHARING = {32, 33}
_ACCESS_DENIED = 5
REPLACE_RETRY_SECONDS = 2.0


def is_windows() -> bool:
    return os.name == "nt"


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable; a no-op where directories cannot be opened (Windows)."""
    if is_windows():
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except (PermissionError, IsADirectoryError):  # what Windows (and some network file systems) say
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.ENOTSUP):  # a file system without dir fsync
            raise
    finally:
        os.close(fd)


def replace(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """``os.replace``, which on Windows also overwrites a read-only target and waits out a briefly
    open one (a scanner or indexer), for at most ``REPLACE_RETRY_SECONDS``."""
    deadline = time.monotonic() + REPLACE_RETRY_SECONDS
    pause = 0.01
    while True:
        try:
            os.replace(src, dst)
            return
        except PermissionError as exc:
            if not is_windows():
                raise
            if _read_only(dst):
                os.chmod(dst, stat.S_IWRITE | stat.S_IREAD)
                continue
            retryable = getattr(exc, "winerror", None) in (*_SHARING, _ACCESS_DENIED)
            if not retryable or time.monotonic() >= deadline:
                raise
            time.sleep(pause)  # another program holds the file: wait for it, bounded by the deadline
            pause = min(pause * 2, 0.2)


def remove(path: str | os.PathLike) -> None:
    """Delete ``path`` if it is there; on Windows a read-only file (an original's temp copy) too."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except PermissionError:
        if not is_windows() or not _read_only(path):
            raise
        os.chmod(path, stat.S_IWRITE | stat.S_IREAD)
        os.unlink(path)


def _read_only(path: str | os.PathLike) -> bool:
    try:
        return not os.stat(path).st_mode & stat.S_IWRITE
    except FileNotFoundError:
        return False


def restrict_to_owner(path: Path, mode: int = 0o600) -> None:
    """Only the user may read ``path``: a POSIX mode; on Windows the profile's ACL already does it."""
    if is_windows():
        return
    if stat.S_IMODE(path.stat().st_mode) != mode:
        path.chmod(mode)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (for stale runtime records), without signalling it."""
    if pid <= 0:
        return False
    if is_windows():
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - needs Windows' kernel32
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    process_query_limited_information, still_active = 0x1000, 259
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
