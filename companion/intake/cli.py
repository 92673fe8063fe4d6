"""The intake commands: ``bargain-witness import FILE...`` and ``bargain-witness watch --region``.

Both write straight into the data dir through the one write path (``importer.store_file``); the
figures are read by the companion's job worker (OCR), so keep ``bargain-witness serve`` (or
``scripts/start``) running to see them. Messages are Chinese, one line per file or a live line.
"""

from __future__ import annotations

import re
import signal
import sys
from datetime import datetime
from pathlib import Path

import click

from companion.core.cli_options import DATA_DIR_OPTION
from companion.core.db import connect
from companion.core.errors import DomainError
from companion.core.timeutil import parse_rfc3339
from companion.intake.times import FoundTime, capture_time, local_zone

SOURCE_WORDS = {
    "exif": "照片 EXIF",
    "file_name": "文件名",
    "user": "你输入的时间",
    "clock": "本机时钟",
    "email_date": "邮件的 Date 信头",
    "mp4_mvhd": "录音文件的创建时间",
}


def parse_user_time(text: str) -> datetime:
    """RFC 3339, or ``YYYY-MM-DD HH:MM[:SS]`` in this computer's zone."""
    text = text.strip()
    try:
        return parse_rfc3339(text)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not m:
        raise click.BadParameter("时间格式应为 2026-11-20 14:03:12（或带时区的 RFC 3339）。")
    parts = [int(g or 0) for g in m.groups()]
    try:
        return datetime(*parts, tzinfo=local_zone())  # type: ignore[misc]
    except ValueError as exc:
        raise click.BadParameter(f"不是有效的时间：{text}") from exc


def _app(data_dir: str | None):
    from companion.app import create_app

    return create_app(data_dir=data_dir)


def _friend_options() -> tuple[bool, str | None]:
    """``--friend-proof`` and ``--friend`` (kept in the click context, not in ``import_``'s
    parameters, so the import command's other modes stay as they are)."""
    meta = click.get_current_context().meta
    if meta.get("friend") and not meta.get("friend_proof"):
        raise click.UsageError("--friend 只能与 --friend-proof 一起使用。")
    return bool(meta.get("friend_proof")), meta.get("friend")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--friend-proof",
    is_flag=True,
    expose_value=False,
    callback=lambda ctx, _param, value: ctx.meta.__setitem__("friend_proof", value),
    help="这些截图是好友自己手机上的「助力成功」页面（如「已帮好友砍掉0.03元」），作为好友已助力的证明。",
)
@click.option(
    "--friend",
    expose_value=False,
    callback=lambda ctx, _param, value: ctx.meta.__setitem__("friend", value),
    help="好友的昵称（与 --friend-proof 一起用；截图里没有昵称时填写）。",
)
@click.option("--campaign", help="放进哪个活动（活动编号或名称；没有就新建）。默认按截图日期新建。")
@click.option(
    "--time", "time_text", help="截图时间（照片和文件名里都没有时间时使用），如 2026-11-20 14:03:12。"
)
@click.option("--chat", is_flag=True, help="这些截图是与客服的聊天记录（作为沟通证据，需 --campaign）。")
@click.option("--number", default="", help="通话录音：拨打的号码（如 021-xxxx）。")
@click.option("--agent", default="", help="通话录音：客服的工号。")
@click.option("--note", default="", help="沟通证据的说明（证明什么），写进证据目录。")
@DATA_DIR_OPTION
def import_(
    files: tuple[str, ...],
    campaign: str | None,
    time_text: str | None,
    chat: bool,
    number: str,
    agent: str,
    note: str,
    data_dir: str | None,
) -> None:
    """导入手机截图（PNG/JPEG），或客服聊天截图、通话录音（m4a/mp3/amr/aac/wav）、邮件（.eml）。"""
    app = _app(data_dir)
    db = connect(app.config["DATABASE"])
    given = FoundTime(parse_user_time(time_text), "user") if time_text else None
    failed = 0
    friend_proof, friend = _friend_options()
    from companion.intake.importer import store_file

    try:
        for name in files:
            path = Path(name)
            data = path.read_bytes()
            if chat or _is_communication(data):
                comm = dict(phone_number=number, agent_id=agent, note=note)
                failed += not _import_communication(app, db, path, data, campaign, given, comm)
                continue
            found = capture_time(data, path.name) or given or _ask(path.name)
            if found is None:
                click.echo(f"✗ {path.name}：照片和文件名里都没有截图时间，请用 --time 指定。", err=True)
                failed += 1
                continue
            try:
                stored = store_file(
                    app,
                    db,
                    data,
                    path.name,
                    found,
                    campaign=campaign,
                    friend_proof=friend_proof,
                    friend=friend,
                )
            except DomainError as exc:
                click.echo(f"✗ {path.name}：{exc.message}", err=True)
                failed += 1
                continue
            body = stored.result.body
            again = "（之前已导入，未重复保存）" if stored.duplicate else ""
            click.echo(
                f"✓ {path.name} → 活动 {body['campaign_id']}，截图时间 {found.at:%Y-%m-%d %H:%M:%S}"
                f"（来自{SOURCE_WORDS[found.source]}）{'，好友助力证明' if friend_proof else ''}{again}"
            )
    finally:
        db.close()
    click.echo("截图中的数字将在助手运行时自动识别（bargain-witness serve）。")
    if failed:
        sys.exit(1)


def _is_communication(data: bytes) -> bool:
    from companion.intake.comm_files import NotACommunication, detect

    try:
        return detect(data).kind != "chat"
    except NotACommunication:
        return False


def _import_communication(app, db, path: Path, data: bytes, campaign, given, comm: dict) -> bool:
    """One chat screenshot, recording or e-mail into a campaign; False (and a line) when refused."""
    from companion.core.config import DataDir
    from companion.intake.comm_files import KIND_WORDS
    from companion.intake.comms import add_file, find_campaign

    try:
        if not campaign:
            raise DomainError(400, "campaign_needed", "沟通证据要放进已有的活动，请用 --campaign 指定。")
        campaign_id = find_campaign(db, campaign)
        row = add_file(
            db,
            DataDir(Path(app.config["DATA_DIR"])).communications,
            campaign_id,
            data,
            path.name,
            given=given,
            **comm,
        )
    except DomainError as exc:
        click.echo(f"✗ {path.name}：{exc.message}", err=True)
        return False
    again = "（之前已添加，未重复保存）" if row["duplicate"] else ""
    click.echo(
        f"✓ {path.name} → 活动 {campaign_id} 的{KIND_WORDS[row['kind']]}，发生时间 {row['occurred_at']}"
        f"（来自{SOURCE_WORDS.get(row['time_source'], row['time_source'])}）{again}"
    )
    return True


def _ask(name: str) -> FoundTime | None:
    if not sys.stdin or not sys.stdin.isatty():
        return None
    text = click.prompt(
        f"{name} 没有记录截图时间，请输入（如 2026-11-20 14:03:12）", default="", show_default=False
    )
    return FoundTime(parse_user_time(text), "user") if text.strip() else None


@click.command()
@click.option(
    "--region", required=True, help="屏幕区域 X,Y,宽,高（像素）。不知道坐标？在控制台的「屏幕监视」页框选。"
)
@click.option("--every", default="10s", show_default=True, help="多久检查一次，如 10s、1m。")
@click.option("--campaign", help="放进哪个活动（编号或名称；默认「屏幕监视 日期」）。")
@click.option("--frames", type=click.IntRange(1), help="检查这么多帧后停止（默认一直运行到 Ctrl+C）。")
@DATA_DIR_OPTION
def watch(region: str, every: str, campaign: str | None, frames: int | None, data_dir: str | None) -> None:
    """监视屏幕的一个区域（如手机投屏窗口），画面变化时自动存证。"""
    from companion.core.timeutil import now_local
    from companion.intake.importer import store_file
    from companion.intake.watch import Region, Watcher, mss_grabber, status_line

    try:
        area = Region.parse(region)
    except DomainError as exc:
        raise click.BadParameter(exc.message) from None
    seconds = _interval(every)
    app = _app(data_dir)
    db = connect(app.config["DATABASE"])
    name = campaign or f"屏幕监视 {now_local():%Y-%m-%d}"
    try:
        grab, close = mss_grabber(area)
    except Exception as exc:  # no display, no permission: say so instead of a traceback
        click.echo(f"✗ 无法截取屏幕：{exc}", err=True)
        sys.exit(1)

    def store(png: bytes) -> None:
        store_file(
            app, db, png, "screen.png", FoundTime(now_local(), "clock"), campaign=name, source="screen"
        )

    watcher = Watcher(grab, store)
    click.echo(f"正在监视区域 {area.left},{area.top},{area.width},{area.height}，每 {seconds:g} 秒检查一次。")
    # Ctrl-C asks the loop to stop after the frame in hand: a frame is never left half stored.
    previous = signal.signal(signal.SIGINT, lambda *_: watcher.stop())
    try:
        watcher.run(seconds, lambda s: click.echo("\r" + status_line(s), nl=False, err=True), limit=frames)
    finally:
        signal.signal(signal.SIGINT, previous)
        close()
        db.close()
    click.echo(f"\n已停止：检查了 {watcher.stats.frames} 帧，保存了 {watcher.stats.stored} 帧。")


def _interval(text: str) -> float:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|秒|m|分钟?)?\s*", text)
    if not m:
        raise click.BadParameter("间隔格式如 10s、1m。")
    value = float(m[1]) * (60 if (m[2] or "s")[0] in "m分" else 1)
    if not 0.2 <= value <= 3600:
        raise click.BadParameter("间隔应在 0.2 秒到 1 小时之间。")
    return value


COMMANDS = [import_, watch]
