"""The evidence feature's commands: ``bargain-witness verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from companion.core.cli_options import DATA_DIR_OPTION
from companion.core.runtime import find_data_dir
from companion.evidence import tsa
from companion.evidence.verify import verify_archive, verify_bundle


def progress_printer(label: str):
    """Progress on stderr for long runs (every 5 %), so stdout stays the report."""
    shown = {"step": -1}

    def show(done: int, total: int) -> None:
        step = done * 20 // max(total, 1)
        if total >= 50 and step != shown["step"]:
            shown["step"] = step
            click.echo(f"{label} {done}/{total}", err=True)

    return show


@click.command()
@click.argument(
    "bundle", required=False, metavar="[证据包]", type=click.Path(exists=True, file_okay=True, dir_okay=True)
)
@click.option(
    "--tsa-ca", type=click.Path(exists=True, dir_okay=False), help="你信任的时间戳机构根证书（PEM）。"
)
@DATA_DIR_OPTION
def verify(bundle: str | None = None, tsa_ca: str | None = None, data_dir: str | None = None) -> None:
    """校验证据包（ZIP 或解压后的文件夹），或不带参数时校验整个数据目录；列出被改动的内容。"""
    roots = tsa.certificates_from_file(Path(tsa_ca)) if tsa_ca else None
    if tsa_ca and not roots:
        click.echo(f"✗ {tsa_ca} 中没有 PEM 格式的证书。")
        sys.exit(2)
    if bundle:
        report = verify_bundle(Path(bundle), tsa_roots=roots, progress=progress_printer("正在校验文件"))
        what = f"证据包 {bundle}：检查了 {report.checked} 个文件"
    else:
        found = find_data_dir(data_dir)
        layout = found.layout
        click.echo(found.sentence, err=True)
        report = verify_archive(layout, tsa_roots=roots, progress=progress_printer("正在校验记录"))
        what = f"数据目录 {layout.root}：检查了 {report.checked} 条存证记录及其截图原件"
    if report.problems:
        click.echo(f"✗ {what}，发现 {len(report.problems)} 处问题：")
        for p in report.problems:
            click.echo(f"  - {p}")
    else:
        click.echo(f"✓ {what}，全部完好。")
    for note in report.notes:
        click.echo(note)
    if report.problems:
        sys.exit(1)


COMMANDS = [verify]
