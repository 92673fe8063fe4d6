"""The waitress server the companion runs under: 127.0.0.1 only, and its own refusals in our shape.

Waitress answers some requests itself, before Flask sees them: a body over its size limit (413),
a malformed request line or chunked body (400), oversized headers (431). Its answers are plain text;
here they get the API's one error shape ``{"error", "message"}`` with a Chinese sentence and the
security headers, so a body too big for the server gets the same JSON 413 as one Flask refuses.
"""

from __future__ import annotations

import json

from flask import Flask
from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from companion.core.security import CSP, EXTENSION_ORIGIN
from companion.core.web import DEFAULT_ERRORS

# Flask's limit (MAX_CONTENT_LENGTH) answers first; waitress's own is this much above it, so that
# only bodies far too big are cut off while still arriving (with the same answer).
BODY_MARGIN = 1024 * 1024


class JsonErrorTask(ErrorTask):
    """Waitress's error response, as the companion's JSON error (the connection still closes)."""

    def execute(self) -> None:
        error = self.request.error
        code, message = DEFAULT_ERRORS.get(error.code, ("http_error", "请求格式不正确。"))
        # As Flask's jsonify writes it (compact, sorted keys), so both 413s are the same bytes.
        body = json.dumps(
            {"error": code, "message": message}, ensure_ascii=False, separators=(",", ":"), sort_keys=True
        ).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend(
            [
                ("Content-Type", "application/json"),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", CSP),
                ("Referrer-Policy", "no-referrer"),
                ("X-Frame-Options", "DENY"),
                ("Cache-Control", "no-store"),
            ]
        )
        origin = self.request.headers.get("ORIGIN", "")
        if EXTENSION_ORIGIN.match(origin):  # the extension may read why, as for any API answer
            self.response_headers.extend([("Access-Control-Allow-Origin", origin), ("Vary", "Origin")])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    error_task_class = JsonErrorTask


def make_server(app: Flask, port: int, threads: int):
    """A waitress server for ``app`` on 127.0.0.1:``port`` (0: any free port); not yet running."""
    server = create_server(
        app,
        host="127.0.0.1",
        port=port,
        threads=threads,
        max_request_body_size=max(app.config["MAX_CONTENT_LENGTH"], app.config.get("MAX_FILE_REQUEST", 0))
        + BODY_MARGIN,
        ident="bargain-witness",
    )
    server.channel_class = Channel
    return server
