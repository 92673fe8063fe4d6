"""Schema history: named migrations that sqlite-utils applies in the order they are registered.

The history is split into modules only for their size; this package imports them in order, so
m001 ... m015 apply in sequence. Never edit an applied migration: add a new one at the end of the
last module (or a new module, imported below after the others).
"""

from __future__ import annotations

from sqlite_utils import Migrations

migrations = Migrations("bargain_witness")

# Registered in this order (each module decorates with ``migrations()`` on import).
from companion.core.migrations import (  # noqa: E402, F401
    m001_m004,
    m005_m008,
    m009_m011,
    m012_capture_files,
    m013_recordings,
    m014_fast_path,
)
