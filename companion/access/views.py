"""The pages of access: ``/login/<secret>`` (a one-time link becomes the session cookie), the
settings page's section (pending pairing codes to confirm, paired browsers with when each was last
seen and last sent a capture, revoke), and the forms behind its buttons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, g, has_request_context, make_response, redirect, render_template, url_for
from markupsafe import Markup

from companion.access import pairing, sessions
from companion.access.tokens import now_text
from companion.core.db import get_db
from companion.core.security import SESSION_COOKIE
from companion.core.web import PageError

DECIDED = "这个配对请求已过期或已处理：请在扩展的设置页重新点「与助手配对」。"
bp = Blueprint("access", __name__, template_folder="templates")
USED_OR_EXPIRED = (
    "这个控制台链接已经用过或已过期（每个链接只能打开一次）。请在浏览器扩展的弹窗里点「在控制台查看证据」，"
    "或重新启动助手（双击「启动.bat」或运行 scripts/start）获取新的链接。"
)


@bp.get("/login/<secret>")
def login(secret: str):
    used = sessions.use_login_link(get_db(), secret) if len(secret) <= 100 else None
    if used is None:
        return render_template("login_needed.html", message=USED_OR_EXPIRED), 403
    cookie, next_path = used
    # A page that moves on by itself rather than a redirect: the next request then starts on this
    # site, so the browser sends the SameSite=Strict cookie even when the link came from elsewhere.
    resp = make_response(render_template("login_done.html", next_path=next_path))
    resp.set_cookie(
        SESSION_COOKIE, cookie, max_age=sessions.SESSION_TTL, httponly=True, samesite="Strict", path="/"
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/settings/pairing/<id_hash>/<answer>")
def decide_pairing(id_hash: str, answer: str):
    if answer not in ("confirm", "deny") or len(id_hash) != 64:
        raise PageError(404, "pairing_not_found", pairing.GONE)
    if not pairing.decide(get_db(), id_hash, confirm=answer == "confirm"):
        raise PageError(
            404, "pairing_not_found", "这个配对请求已过期或已处理：请在扩展的设置页重新点「与助手配对」。"
        )
    return redirect(url_for("dashboard.settings") + "#browsers", code=303)


@bp.post("/settings/browsers/<int:browser_id>/revoke")
def revoke_browser(browser_id: int):
    if not pairing.revoke(get_db(), browser_id):
        raise PageError(404, "browser_not_found", "找不到这个已配对的浏览器（可能已经撤销）。")
    return redirect(url_for("dashboard.settings") + "#browsers", code=303)


def _local(text: str | None) -> str:
    if not text:
        return "从未"
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return "未知"


def settings_section() -> Markup:
    """The settings page's 「已配对的浏览器」 section (``Services.settings_sections``)."""
    db = get_db()
    browsers: list[dict[str, Any]] = [
        {
            **b,
            "created": _local(b["created_at"]),
            "seen": _local(b["last_seen_at"]),
            "captured": _local(b["last_capture_at"]),
        }
        for b in pairing.browsers(db)
    ]
    return Markup(render_template("access_settings.html", pending=pairing.pending(db), browsers=browsers))


def note_capture(db, capture: dict[str, Any]) -> None:
    """When each browser last sent a capture: inside the capture's own write transaction."""
    browser_id = g.get("browser_id") if has_request_context() else None
    if browser_id is not None:
        db.execute("UPDATE paired_browsers SET last_capture_at = ? WHERE id = ?", [now_text(), browser_id])
