"""Dashboard pages of intake: the drop page for phone screenshots and the screen-region picker.

``/import``: drag phone screenshots onto the page (or pick them); each is sent as JSON to
``POST /import/file`` (same-origin only, core/security.py), archived byte for byte with its time
from EXIF or its file name; a file with neither comes back as ``422 time_unknown`` and the page asks
the user for the time. ``/watch``: a picture of the whole screen on which the user drags a
rectangle around the mirrored phone; the page gives the ``bargain-witness watch --region`` command.
The picture is grabbed with mss when asked (~5 ms plus a fast PNG encode).
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from companion.campaigns.queries import list_campaigns
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.runtime import user_command
from companion.core.security import check_same_origin
from companion.core.timeutil import parse_rfc3339
from companion.core.web import request_json
from companion.intake.importer import store_file
from companion.intake.times import FoundTime, capture_time

bp = Blueprint("intake", __name__, template_folder="templates")
NO_SCREEN = (
    "无法截取屏幕：这台电脑现在没有可截取的显示器（例如在没有图形界面的会话里运行助手），"
    "或助手没有屏幕录制权限（macOS：系统设置 → 隐私与安全性 → 屏幕录制）。"
    "请在有图形界面的会话里启动助手，或允许屏幕录制后再点「截取当前屏幕」。"
)


@bp.get("/import")
def import_page():
    campaigns = [{"id": c["id"], "title": c["title"] or c["id"]} for c in list_campaigns(get_db())]
    return render_template("import.html", campaigns=campaigns, import_command=user_command("import"))


@bp.post("/import/file")
def import_file():
    body = request_json()
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise DomainError(400, "bad_request", "请求缺少文件名。")
    try:
        data = base64.b64decode(str(body.get("data_base64", "")), validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(400, "bad_base64", "文件内容不是有效的 Base64。") from None
    if not data:
        raise DomainError(400, "empty_file", "文件是空的。")
    found = capture_time(data, body["name"])
    if found is None and body.get("taken_at"):
        try:
            found = FoundTime(parse_rfc3339(str(body["taken_at"])), "user")
        except ValueError:
            raise DomainError(400, "bad_time", "截图时间格式不对。") from None
    if found is None:
        raise DomainError(422, "time_unknown", "这张截图的照片信息和文件名里都没有时间，请填写截图时间。")
    campaign = body.get("campaign") if isinstance(body.get("campaign"), str) else None
    friend = body.get("friend") if isinstance(body.get("friend"), str) else None
    stored = store_file(
        current_app._get_current_object(),
        get_db(),
        data,
        body["name"],
        found,
        campaign=campaign or None,
        friend_proof=body.get("friend_proof") is True,
        friend=friend,
    )
    answer = {**stored.result.body, "time_source": found.source, "taken_at": found.at.isoformat()}
    return jsonify(answer), stored.result.status


@bp.get("/watch")
def watch_page():
    return render_template("watch.html", watch_command=user_command("watch"))


@bp.get("/watch/screen.png")
def screen_png():
    from companion.intake.watch import full_screen_png, screen_origin

    # A picture of the user's screen: only for the dashboard itself, never for an <img> on another
    # site (which could not read the pixels, but should not even get them).
    check_same_origin()
    if request.headers.get("Sec-Fetch-Site") is None and not request.headers.get("Referer", "").startswith(
        request.host_url
    ):
        raise DomainError(403, "cross_site_request", "拒绝来自其他网站的请求。")
    try:
        png = full_screen_png()
        left, top = screen_origin()
    except Exception as exc:
        # No display (a server, a session without DISPLAY), no permission (macOS screen recording):
        # the machine's state, not a fault of the companion, so a 409 the page shows, never a 5xx.
        current_app.logger.warning("screen grab failed: %s", exc)
        raise DomainError(409, "no_screen", NO_SCREEN) from None
    resp = Response(png, mimetype="image/png")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Screen-Origin"] = f"{left},{top}"
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return resp
