"""Where the companion keeps things, and the user's config file.

One data directory holds everything; ``DataDir`` names each file in it once, so no other module
spells a file name. The token file is the secret every API call must present: it is created once
with mode 0600 so other local users cannot read it, and reused so the paired extension keeps working.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from companion.core import portable
from companion.core.checks import url_problem

APP_NAME = "bargain-witness"
DATA_DIR_ENV = "BARGAIN_WITNESS_DATA"


@dataclass(frozen=True)
class DataDir:
    """The layout of one data directory (docs/architecture.md, "The data directory")."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "bargain-witness.sqlite3"

    @property
    def blobs(self) -> Path:
        """Original files, content-addressed (evidence: never rewritten)."""
        return self.root / "blobs"

    @property
    def communications(self) -> Path:
        """Chat screenshots, call recordings and e-mails, content-addressed (evidence, issue #16)."""
        return self.root / "communications"

    @property
    def thumbs(self) -> Path:
        """Derived thumbnails; safe to delete at any time."""
        return self.root / "thumbs"

    @property
    def derived_recordings(self) -> Path:
        """Recordings' derived, fixed-up copies (issue #15); never evidence, made again when missing."""
        return self.root / "derived-recordings"

    @property
    def token(self) -> Path:
        return self.root / "token"

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def log(self) -> Path:
        """What the companion logs (libraries' English lines included); never shown on the console."""
        return self.root / "companion.log"

    def ensure(self) -> DataDir:
        """Create the directory (private to the user) with its blob store."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.blobs.mkdir(exist_ok=True, mode=0o700)
        return self


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> DataDir:
    """--data-dir wins, then $BARGAIN_WITNESS_DATA, then the platform's user data dir."""
    chosen = explicit or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME)
    return DataDir(Path(chosen).expanduser().resolve())


def read_or_create_token(data_dir: DataDir) -> str:
    """Return the API token, creating ``<data dir>/token`` (0600) on first use.

    O_EXCL makes two companions starting at once agree on one token instead of overwriting each other.
    """
    path = data_dir.token
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="ascii").strip()
        if token:
            portable.restrict_to_owner(path)
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


def load_user_config(data_dir: DataDir) -> dict:
    """``<data dir>/config.json``, optional: e.g. {"detect_thresholds": {"stall_min_assists": 4}}."""
    path = data_dir.config
    if not path.exists():
        return {}
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 不是有效的 JSON：{exc}") from None
    if not isinstance(config, dict) or not isinstance(config.get("detect_thresholds", {}), dict):
        raise ConfigError(f"配置文件 {path} 应为 JSON 对象，detect_thresholds 也应为对象。")
    tsa_settings(config, data_dir)  # a wrong TSA entry is named at start-up, not at the first capture
    return config


# Trusted timestamps (RFC 3161, docs/evidence.md). None is contacted unless the user turns it on.
# A short list of public time-stamping authorities the settings page offers; any other URL may be
# added in config.json. Their root certificates are not shipped: add them with "tsa_ca_file".
PUBLIC_TSAS = (
    ("https://freetsa.org/tsr", "FreeTSA（德国，免费）"),
    ("http://timestamp.digicert.com", "DigiCert（美国）"),
    ("http://timestamp.sectigo.com", "Sectigo（英国）"),
    ("http://timestamp.globalsign.com/tsa/r6advanced1", "GlobalSign（比利时）"),
    ("http://ts.ssl.com", "SSL.com（美国）"),
)
MAX_TSA_URLS = 5


@dataclass(frozen=True)
class TsaSettings:
    urls: tuple[str, ...] = ()
    ca_file: Path | None = None


def tsa_settings(config: dict, data_dir: DataDir) -> TsaSettings:
    """``"tsa_urls": [...]`` and ``"tsa_ca_file"`` (PEM roots; relative to the data dir) of config.json."""
    urls = config.get("tsa_urls") or []
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise ConfigError('配置文件中的 tsa_urls 应为网址列表，例如 ["https://freetsa.org/tsr"]。')
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"时间戳服务地址必须以 http:// 或 https:// 开头：{url}")
        if url_problem(url) or not urlsplit(url).hostname:
            raise ConfigError(f"时间戳服务地址不是有效的网址（主机名或端口有误）：{url}")
    ca = config.get("tsa_ca_file")
    if ca is not None and (not isinstance(ca, str) or "\0" in ca):
        raise ConfigError("配置文件中的 tsa_ca_file 应为证书文件（PEM）的路径。")
    ca_path = (data_dir.root / ca).resolve() if ca else None
    return TsaSettings(tuple(dict.fromkeys(urls))[:MAX_TSA_URLS], ca_path)


def save_user_config(data_dir: DataDir, updates: dict) -> dict:
    """Merge ``updates`` into config.json (a None value removes the key); written atomically."""
    config = load_user_config(data_dir)
    for key, value in updates.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path = data_dir.config
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(config, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    portable.replace(tmp, path)
    return config
