"""The evidence feature's commands: ``bargain-witness verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from companion.core.cli_options import DATA_DIR_OPTION
from companion.core.config import resolve_data_dir
from companion.evidence.verify import verify_archive, verify_bundle


@click.command()
@click.argument("bundle", required=False, type=click.Path(exists=True, dir_okay=False))
@DATA_DIR_OPTION
def verify(bundle: str | None = None, data_dir: str | None = None) -> None:
    """校验证据包（BUNDLE.zip），或不带参数时校验整个数据目录；列出被改动的内容。"""
    if bundle:
        checked, problems = verify_bundle(Path(bundle))
        what = f"证据包 {bundle}：检查了 {checked} 个文件"
    else:
        layout = resolve_data_dir(data_dir)
        checked, problems = verify_archive(layout)
        what = f"数据目录 {layout.root}：检查了 {checked} 条存证记录及其截图原件"
    if problems:
        click.echo(f"✗ {what}，发现 {len(problems)} 处问题：")
        for p in problems:
            click.echo(f"  - {p}")
        sys.exit(1)
    click.echo(f"✓ {what}，全部完好。")


COMMANDS = [verify]
