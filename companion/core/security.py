"""Defences for a server on 127.0.0.1 that any web page in the user's browser, and any process or
user on the machine, can send requests to. The thin guard: the decisions about tokens, paired
origins and sessions are the access feature's (``services().access``, companion/access/guard.py).

- Host allow-list: a DNS-rebinding page reaches us with its own host name in Host; refuse it.
- A token on every API call, bound to the paired extension's origin; only the pairing request
  itself goes without (and only from an extension origin).
- CORS only for paired extension origins (any extension origin for pairing), never a web page.
- Dashboard pages and evidence files need the session cookie `serve`'s one-time link sets.
- Writes must be application/json: HTML forms can only send urlencoded/multipart/text-plain
  without a CORS preflight, so this closes the "simple request" CSRF route.
- The dashboard's own unsafe requests must come from the same origin (Sec-Fetch-Site / Origin).
- Every answer carries nosniff and a strict CSP.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, g, make_response, request

from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.services import services
from companion.core.web import PageError

LOCAL_HOSTNAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# The one request an unpaired extension may make (and read the answer of), and the pages that
# need no session. Everything else needs a paired token (API) or a session (pages).
PAIRING_PATH = "/api/v1/pairing"
PUBLIC_PREFIXES = ("/login/", "/static/", "/demo")
SESSION_COOKIE = "bw_session"
EXTENSION_ORIGIN = re.compile(
    r"^(chrome-extension|moz-extension|safari-web-extension)://[a-zA-Z0-9_-]{1,64}$"
)
LOGIN_NEEDED = (
    "控制台和证据只对你本人开放：请打开启动助手（双击「启动.bat」或运行 scripts/start）时"
    "窗口里打印的一次性链接，"
    "或在浏览器扩展的弹窗里点「在控制台查看证据」。"
)
# A capture's stored file (issue #15) is fetched by the extension with its token and shown by the
# dashboard with its session: the one API path a session may read.
SESSION_API_READ = re.compile(r"^/api/v1/captures/[^/]{1,100}/files/[0-9]{1,18}$")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def is_extension_origin(origin: str | None) -> bool:
    """A browser extension's own page: never an http(s) page, ``null`` or ``file://``."""
    return bool(origin) and EXTENSION_ORIGIN.match(origin) is not None


HOST_HEADER = re.compile(r"^(?P<name>[a-z0-9.\-]+|\[[0-9a-f:]+\])(?::(?P<port>[0-9]{1,5}))?$")


def _hostname(host_header: str) -> str | None:
    """The host name of a Host header, or None for anything but ``name[:port]`` in plain ASCII
    (userinfo, paths, spaces, unicode look-alikes, empty, a port over 65535)."""
    if not host_header or len(host_header) > 260 or not host_header.isascii():
        return None
    m = HOST_HEADER.match(host_header.lower())
    if not m or (m.group("port") and int(m.group("port")) > 65535):
        return None
    return m.group("name")


def check_host() -> None:
    allowed = current_app.config["ALLOWED_HOSTS"]
    if _hostname(request.environ.get("HTTP_HOST", "")) not in allowed:
        raise DomainError(403, "host_not_allowed", "只接受发往本机地址（127.0.0.1 / localhost）的请求。")


def bearer() -> str:
    """The token of ``Authorization: Bearer <token>``, or "" when there is none."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return presented.strip() if scheme.lower() == "bearer" else ""


def check_token() -> None:
    """Every /api/ call but the CORS preflight and the pairing request must carry a token the access
    guard accepts from this origin (companion/access/guard.py); ``g.browser_id`` is who called."""
    g.browser_id = services().access.authenticate_api(
        get_db(), request.headers.get("Origin"), bearer(), request.headers.get("User-Agent")
    )


def check_pairing_origin() -> None:
    """A pairing request needs no token, but must come from a browser extension's own page."""
    if not is_extension_origin(request.headers.get("Origin")):
        raise DomainError(403, "origin_not_allowed", "只有浏览器扩展可以请求配对。")


def check_session() -> None:
    """Dashboard pages and evidence files: the session cookie `serve`'s link sets, or a token."""
    if not services().access.page_allowed(get_db(), request.cookies.get(SESSION_COOKIE), bearer()):
        raise PageError(401, "session_required", LOGIN_NEEDED)


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


def _pairing_path() -> bool:
    return request.path == PAIRING_PATH or request.path.startswith(PAIRING_PATH + "/")


def _session_read() -> bool:
    """A GET of a capture's file with the dashboard's session cookie and no token."""
    return (
        request.method == "GET"
        and not bearer()
        and bool(request.cookies.get(SESSION_COOKIE))
        and SESSION_API_READ.match(request.path) is not None
    )


def _public_page() -> bool:
    """Pages anyone on the machine may load: they hold no evidence (login, the demo, style sheets)."""
    return request.path.startswith(PUBLIC_PREFIXES) or request.path == "/favicon.ico"


def _cors(resp):
    origin = request.headers.get("Origin")
    if services().access.cors_allowed(get_db(), origin, _pairing_path()):
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Max-Age"] = "600"
        if request.method == "OPTIONS":
            resp.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
    resp.headers.add("Vary", "Origin")
    return resp


def init_app(app: Flask) -> None:
    @app.before_request
    def _guard():
        check_host()
        if request.path.startswith("/api/"):
            if request.method == "OPTIONS":  # a preflight: answered here, CORS headers or none
                return _cors(make_response("", 204))
            if _pairing_path():
                check_pairing_origin()
            elif _session_read():
                check_session()
            else:
                check_token()
            if request.method in UNSAFE_METHODS and request.routing_exception is None:
                check_json_write()
            return None
        if not _public_page():
            check_session()
        if request.method in UNSAFE_METHODS:
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
            if request.method != "OPTIONS":
                _cors(resp)
        return resp
