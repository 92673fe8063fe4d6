"""Files the companion ships and reads at run time, found with importlib.resources.

``shared/`` (the JSON Schema) and ``extension/`` live at the top of the repository, where the
contract and the browser's "load unpacked" expect them. A wheel carries them inside the package
as ``companion/shared`` and ``companion/extension`` (setup.py maps them in); an editable checkout
has them beside the package. ``shipped_dir`` looks in that order, so both installs find the same
files. (No ``__init__.py`` can mark them as packages: Chromium refuses to load an extension that
holds a file whose name starts with "_".)
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_dir(name: str) -> Path:
    """The folder ``name`` (``shared`` or ``extension``) of this installation, as a real path."""
    package = Path(str(files("companion")))
    for candidate in (package / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}/ is missing from this installation ({package})")


def schema_text() -> str:
    return (shipped_dir("shared") / "schema.json").read_text(encoding="utf-8")


def extension_dir() -> Path:
    """The unpacked extension folder the user loads in the browser."""
    return shipped_dir("extension")
