"""Where the companion keeps things: one data directory holds the database, the images and the token.

The token file is the secret every API call must present; it is created once with mode 0600 so other
local users cannot read it, and reused afterwards so the paired extension keeps working.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import platformdirs

APP_NAME = "bargain-witness"
REPO_ROOT = Path(__file__).resolve().parent.parent
EXTENSION_DIR = REPO_ROOT / "extension"
SCHEMA_PATH = REPO_ROOT / "shared" / "schema.json"


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """--data-dir wins, then $BARGAIN_WITNESS_DATA, then the platform's user data dir."""
    chosen = explicit or os.environ.get("BARGAIN_WITNESS_DATA") or platformdirs.user_data_dir(APP_NAME)
    return Path(chosen).expanduser().resolve()


def ensure_data_dir(data_dir: Path) -> Path:
    """Create the data dir (private to the user) with its blob store."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    (data_dir / "blobs").mkdir(exist_ok=True, mode=0o700)
    return data_dir


def read_or_create_token(data_dir: Path) -> str:
    """Return the API token, creating ``<data dir>/token`` (0600) on first use.

    O_EXCL makes two companions starting at once agree on one token instead of overwriting each other.
    """
    path = data_dir / "token"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="ascii").strip()
        if token:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            return token
        path.unlink()
        return read_or_create_token(data_dir)
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return token


class ConfigError(ValueError):
    """A user-editable config file is wrong; the message says what to fix, in Chinese."""


def load_user_config(data_dir: Path) -> dict:
    """``<data dir>/config.json``, optional: e.g. {"detect_thresholds": {"stall_min_assists": 4}}."""
    path = data_dir / "config.json"
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 不是有效的 JSON：{exc}") from None
    if not isinstance(config, dict) or not isinstance(config.get("detect_thresholds", {}), dict):
        raise ConfigError(f"配置文件 {path} 应为 JSON 对象，detect_thresholds 也应为对象。")
    return config
