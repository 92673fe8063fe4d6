"""What every feature's routes share: the error shape, campaign-or-404, and JSON body validation.

Routes stay thin: they parse the request with these helpers, call pure or storage code, and answer.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from companion.core import checks
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.services import services

# Default codes and Chinese messages for statuses werkzeug raises on its own (413 from
# MAX_CONTENT_LENGTH, 405 for a wrong method, ...), so those are JSON too.
DEFAULT_ERRORS = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "缺少或错误的访问令牌（Authorization: Bearer <token>）。"),
    403: ("forbidden", "此请求被拒绝。"),
    404: ("not_found", "找不到请求的资源。"),
    405: ("method_not_allowed", "此地址不支持该请求方法。"),
    409: ("conflict", "请求与已存数据冲突。"),
    413: ("payload_too_large", "请求内容过大，未保存任何内容。"),
    431: ("headers_too_large", "请求头过大。"),
    415: ("unsupported_media_type", "不支持的内容类型。"),
    422: ("unprocessable", "请求内容无法处理。"),
    500: ("internal_error", "助手内部出错，已记录日志；未保存任何内容。"),
    503: ("busy", "助手正忙，请稍后再试。"),
}


def json_error(err: DomainError):
    resp = jsonify(err.to_dict())
    resp.status_code = err.status
    return resp


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_page(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


class PageError(DomainError):
    """A refusal on a dashboard page: answered with the error page, not JSON."""


def shown(value: Any) -> Any:
    """What a template prints of a value (Jinja's ``finalize``): text with its control and bidi
    characters made visible (``checks.visible_controls``), so a page's title can't reorder what the
    user reads on the dashboard; markup the app made itself (``Markup``, e.g. ``tojson``) as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return checks.visible_controls(value)
    return value


def verbatim(value: Any) -> Markup:
    """The ``verbatim`` filter: a form field's value exactly as stored (escaped, not made visible by
    ``shown``), so submitting the form gives back the same text (a campaign's title picked on the
    import page must match it; a draft's field saved unchanged stays unchanged)."""
    return escape("" if value is None else value)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError):
        # Always JSON (a refused Host or token is refused the same way everywhere), except for the
        # dashboard's own page errors.
        if isinstance(err, PageError):
            if err.code == "session_required":  # no evidence, only how to open the dashboard
                return render_template("login_needed.html", message=err.message), err.status
            return error_page(err.status, err.message)
        return json_error(err)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        code, message = DEFAULT_ERRORS.get(status, ("http_error", err.description or "请求失败。"))
        resp = make_response(
            error_page(status, message)
            if not _wants_json()
            else json_error(DomainError(status, code, message))
        )
        for key, value in err.get_headers():  # Retry-After of a 503, Allow of a 405
            if key.lower() not in ("content-type", "content-length"):
                resp.headers[key] = value
        return resp

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, message = DEFAULT_ERRORS[500]
        if not _wants_json():
            return error_page(500, message)
        return json_error(DomainError(500, code, message))


def campaign_or_404(campaign_id: str) -> dict[str, Any]:
    """The campaign row, or the 404 every route gives (JSON under /api/, the error page elsewhere)."""
    rows = get_db().execute_returning_dicts("SELECT * FROM campaigns WHERE id = ?", [campaign_id])
    if not rows:
        if request.path.startswith("/api/"):
            raise DomainError(404, "campaign_not_found", f"找不到活动 {campaign_id}。")
        raise PageError(404, "campaign_not_found", "找不到这个活动：链接可能有误，或它不在当前的数据目录中。")
    return rows[0]


def safe_next(path: object) -> str:
    """A path on this server only (never ``//host``, a scheme, a backslash or a control character,
    which browsers strip or read as a host): where a link or a form's redirect lands; else ``/``.
    The check runs before anything is saved, so a bad ``next`` never fails a request half-way."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return "/"
    if "\\" in path or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path) or len(path) > 500:
        return "/"
    return path


def request_json() -> Any:
    """The request body as JSON (``checks.loads``): 400 for anything but plain JSON of bounded depth,
    422 for text SQLite can't store; a body over the size limit is the usual 413."""
    return checks.loads(request.get_data(cache=True))


def json_body(schema_name: str) -> dict[str, Any]:
    """The request's JSON object, valid against ``$defs/<schema_name>`` of shared/schema.json."""
    body = request_json()
    if not isinstance(body, dict):
        raise DomainError(400, "invalid_json", "请求体必须是一个 JSON 对象。")
    problem = services().schema.first_error(schema_name, body)
    if problem:
        raise DomainError(422, "schema_violation", f"请求内容不符合 shared/schema.json：{problem}")
    return body
