"""The export feature's command: ``bargain-witness export CAMPAIGN_ID``, with progress."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from companion.core import portable
from companion.core.cli_options import DATA_DIR_OPTION
from companion.core.runtime import find_data_dir, user_command
from companion.export.bundle import top_folder


@click.command()
@click.argument("campaign_id", metavar="活动编号")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="ZIP 文件路径（默认在当前目录）。")
@DATA_DIR_OPTION
def export(campaign_id: str, output: str | None = None, data_dir: str | None = None) -> None:
    """导出一个活动的证据包（ZIP）。"""
    from companion.app import create_app
    from companion.campaigns.queries import get_campaign
    from companion.core.db import get_db
    from companion.core.services import services
    from companion.export.assemble import write_campaign_bundle

    found = find_data_dir(data_dir)
    click.echo(found.sentence, err=True)
    app = create_app(data_dir=found.layout.root)
    target = Path(output or f"{top_folder(campaign_id)}.zip")
    with app.app_context():
        campaign = get_campaign(get_db(), campaign_id)
        if campaign is None:
            click.echo(f"✗ 找不到活动 {campaign_id}（{user_command('info')} 可查看数据目录）。")
            sys.exit(1)
        step = {"n": -1}

        def progress(done: int, total: int) -> None:
            if done * 20 // max(total, 1) != step["n"]:
                step["n"] = done * 20 // max(total, 1)
                click.echo(f"正在写入 {done}/{total}", err=True)

        tmp = target.with_name(f".{target.name}.part")
        with open(tmp, "wb") as out:
            write_campaign_bundle(get_db(), services(), campaign, out, progress)
        portable.replace(tmp, target)
    click.echo(f"✓ 证据包已导出：{target}")


COMMANDS = [export]
