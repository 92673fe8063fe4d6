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
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from companion.campaigns.queries import list_campaigns
from companion.core.db import get_db
from companion.core.errors import DomainError
from companion.core.runtime import user_command
from companion.core.security import check_same_origin
from companion.core.timeutil import parse_rfc3339
from companion.core.web import PageError, request_json
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


@bp.post("/campaigns/<campaign_id>/communications")
def add_communication(campaign_id: str):
    """The campaign page's form: one chat screenshot, recording or e-mail, kept as evidence (#16)."""
    from flask import redirect, url_for

    from companion.core.config import DataDir
    from companion.intake.comms import add_file, find_campaign

    db = get_db()
    try:  # a plain HTML form: its refusals are the error page, never JSON text in the window
        campaign_id = find_campaign(db, campaign_id)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise DomainError(400, "no_file", "请选择要添加的文件。")
        given = None
        if request.form.get("occurred_at"):
            try:
                given = FoundTime(_local_time(request.form["occurred_at"]), "user")
            except ValueError:
                raise DomainError(
                    400, "bad_time", "发生时间格式不对，或年份不在 2000–2100 年之间。"
                ) from None
        add_file(
            db,
            DataDir(Path(current_app.config["DATA_DIR"])).communications,
            campaign_id,
            upload.read(),
            upload.filename,
            given=given,
            phone_number=request.form.get("phone_number", ""),
            agent_id=request.form.get("agent_id", ""),
            note=request.form.get("note", ""),
        )
    except DomainError as err:
        raise PageError(err.status, err.code, err.message) from None
    return redirect(url_for("dashboard.campaign", campaign_id=campaign_id) + "#case", 303)


@bp.get("/campaigns/<campaign_id>/communications/<int:seq>")
def communication_file(campaign_id: str, seq: int):
    """The kept file as it was added: audio and pictures shown in the page, an e-mail downloaded."""
    from flask import send_file

    from companion.core.config import DataDir
    from companion.evidence.communications import path_of

    rows = []
    if seq < 1 << 62:  # SQLite integers are 64-bit: a larger number names no record
        rows = get_db().execute_returning_dicts(
            "SELECT * FROM communications WHERE campaign_id = ? AND comm_seq = ?", [campaign_id, seq]
        )
    if not rows:
        raise DomainError(404, "communication_not_found", "找不到这条沟通记录。")
    path = path_of(DataDir(Path(current_app.config["DATA_DIR"])).communications, rows[0])
    if not path.is_file():
        raise DomainError(
            404, "communication_missing", "这条沟通记录的原件不在数据目录中（请运行 verify 检查）。"
        )
    email = rows[0]["mime"] == "message/rfc822"
    resp = send_file(
        path, mimetype=rows[0]["mime"], as_attachment=email, download_name=rows[0]["file_name"] or path.name
    )
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return resp


def _local_time(text: str):
    """A datetime-local field ('2026-11-20T14:03' or with seconds) in this computer's zone."""
    from datetime import datetime

    from companion.intake.times import local_zone

    at = datetime.fromisoformat(text.strip()).replace(tzinfo=local_zone())
    if not 2000 <= at.year <= 2100:  # as every other time the archive keeps (docs/api.md)
        raise ValueError("year out of range")
    return at
