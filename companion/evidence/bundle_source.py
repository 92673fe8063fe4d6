"""Read an evidence bundle however it arrives: the ZIP as exported, the same files zipped again
(with or without the top folder, with directory entries), or an unzipped folder (the bundle's own
folder or the one it was unzipped into). Files are hashed in chunks, so memory stays flat.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

CHUNK = 1 << 20


class BundleError(Exception):
    """Not a bundle that can be read; the message is Chinese."""


class BundleSource:
    """Files by their path relative to the bundle's folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.duplicates: list[str] = []
        self.outside: list[str] = []  # files next to the bundle folder inside the same ZIP
        self._zip: zipfile.ZipFile | None = None
        self._root: Path | None = None
        self._members: dict[str, object] = {}
        if path.is_dir():
            self._open_folder(path)
        else:
            self._open_zip(path)

    def _open_zip(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise BundleError(f"无法打开证据包 {path}：{exc}") from None
        infos = [i for i in self._zip.infolist() if not i.is_dir()]
        names = [i.filename.replace("\\", "/") for i in infos]
        prefix = _prefix(names)
        for info, name in zip(infos, names, strict=True):
            if not name.startswith(prefix):
                self.outside.append(name)
                continue
            rel = name[len(prefix) :]
            if rel in self._members:
                self.duplicates.append(rel)
            self._members[rel] = info

    def _open_folder(self, path: Path) -> None:
        root = path
        if not (path / "manifest.json").is_file():
            inner = [d for d in path.iterdir() if d.is_dir() and (d / "manifest.json").is_file()]
            if len(inner) != 1:
                raise BundleError(f"文件夹 {path} 中找不到证据包（manifest.json）。")
            root = inner[0]
        self._root = root
        for p in sorted(root.rglob("*")):
            if p.is_file():
                self._members[p.relative_to(root).as_posix()] = p

    @property
    def names(self) -> set[str]:
        return set(self._members)

    def read(self, name: str) -> bytes:
        member = self._members[name]
        if self._zip is not None:
            return self._zip.read(member)  # type: ignore[arg-type]
        return Path(member).read_bytes()  # type: ignore[arg-type]

    def sha256(self, name: str) -> str:
        h = hashlib.sha256()
        member = self._members[name]
        opener = self._zip.open(member) if self._zip is not None else open(member, "rb")  # type: ignore[arg-type]  # noqa: SIM115
        with opener as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
        return h.hexdigest()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _prefix(names: list[str]) -> str:
    """The top folder the bundle's files sit in ("" when manifest.json is at the top)."""
    if "manifest.json" in names:
        return ""
    tops = sorted((n[: -len("manifest.json")] for n in names if n.endswith("/manifest.json")), key=len)
    return tops[0] if tops else ""
