"""Command line: ``bargain-witness [serve|token|demo|info]``; a bare call serves, like Datasette."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import webbrowser

import click

from companion import __version__
from companion.core import cli_zh  # Chinese help and errors: imported before any decorator runs
from companion.core.cli_options import DATA_DIR_OPTION
from companion.core.config import read_or_create_token, resolve_data_dir
from companion.core.console import configure_logging
from companion.core.resources import extension_dir
from companion.core.runtime import COMMAND_ENV, find_data_dir, forget_running, record_running, user_command

DEFAULT_PORT = 8765


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="bargain-witness", message="砍价存证助手 %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """砍价存证 (Bargain Witness) 本地助手。不带命令时启动助手（同 serve）。"""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="监听端口（0 = 自动选择空闲端口）。只监听 127.0.0.1。",
)
@DATA_DIR_OPTION
@click.option(
    "--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="处理请求的线程数。"
)
@click.option("--open-browser/--no-open-browser", default=False, help="启动后打开控制台。")
def serve(
    port: int = DEFAULT_PORT, data_dir: str | None = None, threads: int = 4, open_browser: bool = False
) -> None:
    """启动助手（只监听 127.0.0.1）。"""
    from companion.app import create_app
    from companion.core.server import make_server
    from companion.jobs.worker import Worker

    try:
        app = create_app(data_dir=data_dir)
        server = make_server(app, port, threads)
    except OSError as exc:
        click.echo(f"无法启动助手：{exc}（端口 {port} 是否已被占用？可用 --port 换一个）", err=True)
        sys.exit(1)
    except ValueError as exc:  # ConfigError and bad thresholds: say what to fix, no traceback
        click.echo(f"无法启动助手：{exc}", err=True)
        sys.exit(2)
    log_path = configure_logging(resolve_data_dir(app.config["DATA_DIR"]))
    logging.getLogger(__name__).info("serving on 127.0.0.1:%s", server.effective_port)
    url = f"http://127.0.0.1:{server.effective_port}/"
    login = f"{url}login/{_serve_login_secret(app)}"
    click.echo(f"砍价存证助手 {__version__} 已启动：{url}")
    click.echo(f"  控制台：  {login}")
    click.echo("    （一次性链接，1 小时内有效，只能打开一次；之后请在扩展弹窗里点「在控制台查看证据」）")
    click.echo(f"  演示页面：{url}demo/")
    click.echo("  配对：    在扩展「设置」中点「与助手配对」，再在控制台「设置与配对」页确认相同的配对码")
    click.echo(f"  数据目录：{app.config['DATA_DIR']}")
    click.echo(f"  扩展目录（加载已解压的扩展程序）：{extension_dir()}")
    click.echo(f"  日志：    {log_path}")
    click.echo("  按 Ctrl+C 停止。", nl=True)
    sys.stdout.flush()
    if open_browser:
        webbrowser.open(login)
    worker = Worker(app).start()
    try:
        record = record_running(resolve_data_dir(app.config["DATA_DIR"]), server.effective_port)
    except OSError:  # only `token` without --data-dir needs it: serve anyway
        logging.getLogger(__name__).exception("could not write the runtime record")
        record = None
    stop_on_terminate()
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        click.echo("已停止。")
    finally:
        if record is not None:
            forget_running(record)
        worker.stop()
        app.extensions["bargain_witness_db"].close_all()  # the server threads' kept connections


def stop_on_terminate() -> None:
    """SIGTERM (a service manager, a test) stops like Ctrl+C, so the runtime record is removed.
    Windows has no SIGTERM to catch: a record left by a killed process is dropped as stale."""
    if hasattr(signal, "SIGTERM") and os.name != "nt":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def _serve_login_secret(app) -> str:
    """The one-time link `serve` prints (never the token: docs/security.md)."""
    from companion.access.sessions import SERVE_LINK_TTL, new_login_link
    from companion.core.db import get_db

    with app.app_context():
        return new_login_link(get_db(), "/", SERVE_LINK_TTL)


@cli.command()
@DATA_DIR_OPTION
def token(data_dir: str | None = None) -> None:
    """打印手动填写用的访问令牌（仅在还没有任何浏览器配对之前）。

    Once a browser is paired (by code, or by this token's first use), the token is never printed
    again (#11): pairing by code needs no token, and a printed token is one more copy to leak.
    """
    from companion.access.pairing import any_paired
    from companion.core.db import connect, init_db

    found = find_data_dir(data_dir)
    click.echo(found.sentence, err=True)  # stdout stays the token alone, for scripts
    layout = found.layout.ensure()
    secret = read_or_create_token(layout)
    init_db(layout.database)
    db = connect(layout.database)
    try:
        paired = any_paired(db)
    finally:
        db.close()
    if paired:
        click.echo(
            "已有浏览器与助手配对，令牌不再显示。要添加浏览器，请在它的扩展「设置」中点「与助手配对」，"
            "然后在控制台「设置与配对」页确认相同的配对码。",
            err=True,
        )
        sys.exit(3)
    click.echo(secret)


@cli.command()
@click.option(
    "--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True, help="助手监听的端口。"
)
def demo(port: int) -> None:
    """在浏览器中打开演示砍价页面（助手需已启动）。"""
    url = f"http://127.0.0.1:{port}/demo/"
    click.echo(f"演示页面：{url}\n先运行 {user_command()} 启动助手，再在该页面点击扩展按钮试试。")
    webbrowser.open(url)


@cli.command()
@DATA_DIR_OPTION
def info(data_dir: str | None = None) -> None:
    """显示数据目录、扩展目录和版本。"""
    found = find_data_dir(data_dir)
    click.echo(
        f"版本 Version:   {__version__}\n数据目录 Data:  {found.layout.root}\n  （{found.why}）\n"
        f"扩展目录 Extension: {extension_dir()}\n日志 Log:       {found.layout.log}"
    )


# Commands that belong to a feature live in that feature's ``cli.py`` (a ``COMMANDS`` list).
FEATURE_COMMAND_MODULES = ("companion.evidence.cli", "companion.export.cli", "companion.intake.cli")


def _add_feature_commands() -> None:
    for name in FEATURE_COMMAND_MODULES:
        for command in importlib.import_module(name).COMMANDS:
            cli.add_command(command)


_add_feature_commands()
cli_zh.localize(cli)


def main() -> None:
    # Started through scripts/start: usage lines and hints name that, not a command not on PATH.
    cli(prog_name=os.environ.get(COMMAND_ENV, "").strip() or None)
