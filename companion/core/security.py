"""Defences for a server on 127.0.0.1 that any web page in the user's browser can send requests to.

- Host allow-list: a DNS-rebinding page reaches us with its own host name in Host; refuse it.
- Bearer token on every API call (constant-time compare): a page cannot read the 0600 token file.
- CORS only for browser-extension origins, so ordinary pages can't read API answers.
- Writes must be application/json: HTML forms can only send urlencoded/multipart/text-plain
  without a CORS preflight, so this closes the "simple request" CSRF route.
- The dashboard's own unsafe requests must come from the same origin (Sec-Fetch-Site / Origin).
- Every answer carries nosniff and a strict CSP.
"""

from __future__ import annotations

import hmac
import re

from flask import Flask, current_app, request
from flask_cors import CORS

from companion.core.errors import DomainError
from companion.core.runtime import user_command

LOCAL_HOSTNAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
EXTENSION_ORIGIN = re.compile(r"^(chrome-extension|moz-extension|safari-web-extension)://[a-zA-Z0-9_-]+$")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _hostname(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if ":" in host else host


def check_host() -> None:
    allowed = current_app.config["ALLOWED_HOSTS"]
    if _hostname(request.host) not in allowed:
        raise DomainError(403, "host_not_allowed", "只接受发往本机地址（127.0.0.1 / localhost）的请求。")


def check_token() -> None:
    """Every /api/ call but the CORS preflight must carry the token."""
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    expected = current_app.config["API_TOKEN"]
    if scheme.lower() != "bearer" or not presented.strip():
        raise DomainError(
            401,
            "missing_token",
            f"缺少访问令牌：请在扩展的设置页填写助手的令牌（运行 {user_command('token')} 可查看）。",
        )
    if not hmac.compare_digest(presented.strip().encode(), expected.encode()):
        raise DomainError(
            401,
            "invalid_token",
            f"访问令牌不正确：请在扩展的设置页重新填写（运行 {user_command('token')} 可查看）。",
        )


def check_json_write() -> None:
    """Bodies must be JSON; a DELETE without a body is fine (forms cannot send DELETE at all)."""
    if request.method == "DELETE" and not request.content_length and not request.mimetype:
        return
    if request.mimetype != "application/json":
        raise DomainError(415, "unsupported_media_type", "写入请求必须是 application/json。")


def check_same_origin() -> None:
    """CSRF guard for dashboard forms: browsers send Sec-Fetch-Site; older ones at least Origin."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise DomainError(403, "cross_site_request", "拒绝来自其他网站的请求。")
        return
    origin = request.headers.get("Origin")
    if origin and origin != request.host_url.rstrip("/"):
        raise DomainError(403, "cross_site_request", "拒绝来自其他网站的请求。")


def init_app(app: Flask) -> None:
    CORS(
        app,
        resources={r"/api/*": {"origins": [EXTENSION_ORIGIN]}},
        allow_headers=["Authorization", "Content-Type"],
        methods=["GET", "POST", "PUT", "DELETE"],
        max_age=600,
    )

    @app.before_request
    def _guard():
        check_host()
        if request.method == "OPTIONS":
            return None
        if request.path.startswith("/api/"):
            check_token()
            if request.method in UNSAFE_METHODS and request.routing_exception is None:
                check_json_write()
        elif request.method in UNSAFE_METHODS:
            check_same_origin()
        return None

    @app.after_request
    def _headers(resp):
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Frame-Options"] = "DENY"
        if request.path.startswith("/api/"):
            resp.headers["Cache-Control"] = "no-store"
        return resp
