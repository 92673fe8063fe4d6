"""The access API (docs/api.md):

- ``POST /api/v1/pairing``: an unpaired extension asks to pair; no token, extension origins only.
- ``POST /api/v1/pairing/<request_id>``: it collects its token once the user confirmed. A POST
  because browsers send Origin with every POST but not with an extension's GET, and the handle is
  only good for the origin that asked.
- ``POST /api/v1/session-link``: a paired caller asks for a one-time dashboard link (the popup's
  「在控制台查看证据」).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from companion.access import pairing, sessions
from companion.access.guard import label_of
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.web import json_body

bp = Blueprint("access_api", __name__, url_prefix="/api/v1")


@bp.post("/pairing")
def start_pairing():
    body = json_body("pairing_start")
    label = body.get("browser") or label_of(request.headers.get("User-Agent"))
    started = pairing.start(get_db(), request.headers["Origin"], label)
    return jsonify(started), 201


@bp.post("/pairing/<request_id>")
def poll_pairing(request_id: str):
    if len(request_id) > 100:
        raise DomainError(404, "pairing_not_found", pairing.GONE)
    return jsonify(pairing.poll(get_db(), request_id, request.headers["Origin"]))


@bp.post("/session-link")
def session_link():
    body = json_body("session_link_request")
    secret = sessions.new_login_link(get_db(), body.get("next") or "/")
    return jsonify({"url": url_for("access.login", secret=secret, _external=True)}), 201
