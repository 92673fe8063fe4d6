"""One error shape for the whole API: {"error": code, "message": sentence}, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

# Default codes and Chinese messages for statuses werkzeug raises on its own (413 from
# MAX_CONTENT_LENGTH, 405 for a wrong method, ...), so those are JSON too.
_DEFAULTS = {
    400: ("bad_request", "请求格式不正确。"),
    401: ("unauthorized", "缺少或错误的访问令牌（Authorization: Bearer <token>）。"),
    403: ("forbidden", "此请求被拒绝。"),
    404: ("not_found", "找不到请求的资源。"),
    405: ("method_not_allowed", "此地址不支持该请求方法。"),
    409: ("conflict", "请求与已存数据冲突。"),
    413: ("payload_too_large", "请求内容过大，未保存任何内容。"),
    415: ("unsupported_media_type", "不支持的内容类型。"),
    422: ("unprocessable", "请求内容无法处理。"),
    500: ("internal_error", "助手内部出错，已记录日志；未保存任何内容。"),
}


class ApiError(Exception):
    """Raised anywhere in a request to answer with a JSON error and the right status."""

    def __init__(self, status: int, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def to_response(self):
        body = {"error": self.code, "message": self.message, **self.extra}
        resp = jsonify(body)
        resp.status_code = self.status
        return resp


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        return err.to_response()

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        code, message = _DEFAULTS.get(status, ("http_error", err.description or "请求失败。"))
        if not _wants_json():
            return app.jinja_env.get_template("error.html").render(status=status, message=message), status
        return ApiError(status, code, message).to_response()

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, message = _DEFAULTS[500]
        if not _wants_json():
            return app.jinja_env.get_template("error.html").render(status=500, message=message), 500
        return ApiError(500, code, message).to_response()
