"""Command line: ``bargain-witness [serve|token|demo|info]``; a bare call serves, like Datasette."""

from __future__ import annotations

import importlib
import logging
import sys
import webbrowser

import click

from companion import __version__
from companion.core.cli_options import DATA_DIR_OPTION
from companion.core.config import read_or_create_token, resolve_data_dir
from companion.core.resources import extension_dir

DEFAULT_PORT = 8765


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="bargain-witness")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """砍价存证 (Bargain Witness) 本地助手。"""
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
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--open-browser/--no-open-browser", default=False, help="启动后打开控制台。")
def serve(
    port: int = DEFAULT_PORT, data_dir: str | None = None, threads: int = 4, open_browser: bool = False
) -> None:
    """启动助手（只监听 127.0.0.1）。"""
    from companion.app import create_app
    from companion.core.server import make_server
    from companion.jobs.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(data_dir=data_dir)
        server = make_server(app, port, threads)
    except OSError as exc:
        click.echo(f"无法启动助手：{exc}（端口 {port} 是否已被占用？可用 --port 换一个）", err=True)
        sys.exit(1)
    except ValueError as exc:  # ConfigError and bad thresholds: say what to fix, no traceback
        click.echo(f"无法启动助手：{exc}", err=True)
        sys.exit(2)
    url = f"http://127.0.0.1:{server.effective_port}/"
    click.echo(f"砍价存证助手 {__version__} 已启动：{url}")
    click.echo(f"  控制台 Dashboard: {url}")
    click.echo(f"  演示页面 Demo:    {url}demo/")
    click.echo(f"  访问令牌 Token:   {app.config['API_TOKEN']}")
    click.echo(f"  数据目录 Data:    {app.config['DATA_DIR']}")
    click.echo(f"  扩展目录 Extension (加载已解压的扩展程序): {extension_dir()}")
    click.echo("  按 Ctrl+C 停止。", nl=True)
    sys.stdout.flush()
    if open_browser:
        webbrowser.open(url)
    worker = Worker(app).start()
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("已停止。")
    finally:
        worker.stop()
        app.extensions["bargain_witness_db"].close_all()  # the server threads' kept connections


@cli.command()
@DATA_DIR_OPTION
def token(data_dir: str | None = None) -> None:
    """打印扩展配对用的访问令牌。"""
    click.echo(read_or_create_token(resolve_data_dir(data_dir).ensure()))


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
def demo(port: int) -> None:
    """在浏览器中打开演示砍价页面（助手需已启动）。"""
    url = f"http://127.0.0.1:{port}/demo/"
    click.echo(f"演示页面：{url}\n先运行 bargain-witness serve，再在该页面点击扩展按钮试试。")
    webbrowser.open(url)


@cli.command()
@DATA_DIR_OPTION
def info(data_dir: str | None = None) -> None:
    """显示数据目录、扩展目录和版本。"""
    root = resolve_data_dir(data_dir).root
    click.echo(
        f"版本 Version:   {__version__}\n数据目录 Data:  {root}\n扩展目录 Extension: {extension_dir()}"
    )


# Commands that belong to a feature live in that feature's ``cli.py`` (a ``COMMANDS`` list).
FEATURE_COMMAND_MODULES = ("companion.evidence.cli", "companion.export.cli")


def _add_feature_commands() -> None:
    for name in FEATURE_COMMAND_MODULES:
        for command in importlib.import_module(name).COMMANDS:
            cli.add_command(command)


_add_feature_commands()


def main() -> None:
    cli()
