"""Command-line options every command shares, so each feature's commands say them the same way."""

from __future__ import annotations

import click

from companion.core.config import DATA_DIR_ENV

DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    envvar=DATA_DIR_ENV,
    default=None,
    help=(
        "数据目录（默认：正在运行的助手所用的目录，否则系统的用户数据目录；"
        "也可用环境变量 BARGAIN_WITNESS_DATA）。"
    ),
)
