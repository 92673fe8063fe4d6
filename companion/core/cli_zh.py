"""The command line's own words in Chinese: usage, section headings, --help, --version and errors.

Click marks every sentence it prints with ``gettext`` but ships no translations, and a catalogue
would be found only through LANG, which a Windows console does not set. So the click modules'
``_`` and ``ngettext`` are pointed at the table below (the strings are click 8's; one not in the
table stays as click wrote it). Our own help texts are Chinese at the source. ``install`` runs when
``companion.cli`` is imported, before its decorators build the --version option (docs/windows.md).
"""

from __future__ import annotations

import importlib

ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "No such option: {name}": "没有这个选项：{name}",
    "No such option {name!r}.": "没有这个选项 {name!r}。",
    "No such command {name!r}.": "没有这个命令 {name!r}。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing {param_type}": "缺少{param_type}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，需要文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，需要文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "Aborted!": "已取消。",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "integer": "整数",
    "integer range": "整数",
    "float": "数字",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Did you mean {possibility}?": "你是不是想输入 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（你是不是想输入其中之一：{possibilities}？）",
}
_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")


def gettext(message: str) -> str:
    return ZH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def localize(group) -> None:
    """The usage line's placeholders of ``group`` and its commands, in Chinese."""
    group.subcommand_metavar = "[命令] [参数]..."
    for command in [group, *group.commands.values()]:
        command.options_metavar = "[选项]"


def install() -> None:
    """Point click's translation hooks at ``ZH`` (idempotent)."""
    import click.types

    # The type names in "'x' is not a valid integer." are class attributes, not gettext strings.
    click.types.IntParamType.name = click.types.IntRange.name = "整数"
    click.types.FloatParamType.name = click.types.FloatRange.name = "数字"
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


install()
