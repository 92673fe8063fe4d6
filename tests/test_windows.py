"""Windows 10/11 (docs/windows.md): the start scripts, and the companion's Windows branches simulated here.

No Windows machine runs these: PowerShell is not installable on this Debian image, so the .ps1 is
checked for what Windows PowerShell 5.1 needs (UTF-8 with BOM, balanced blocks) and for the steps
docs/windows.md promises; the companion's Windows fallbacks are taken by making the calls fail the
way Windows makes them fail.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest
from click.testing import CliRunner
from helpers import ROOT, capture_payload
from helpers.companion_proc import SERVE_BIN, start_companion, stop_companion

from companion.cli import cli
from companion.core import console, portable, runtime
from companion.core.config import DataDir
from companion.evidence.blobs import BlobStore

PS1 = ROOT / "scripts" / "start.ps1"
BATS = [ROOT / "scripts" / "start.bat", ROOT / "启动.bat"]


# --- the start scripts -------------------------------------------------------------------------


def _ps_code(text: str) -> str:
    """The script with comments and string contents blanked (PowerShell's quoting rules)."""
    text = re.sub(r"<#.*?#>", "", text, flags=re.S)
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "#":
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
        elif ch == "'":  # verbatim: '' is a quote
            j = i + 1
            while j < len(text) and not (text[j] == "'" and text[j + 1 : j + 2] != "'"):
                j += 2 if text[j : j + 2] == "''" else 1
            out.append("''")
            i = j + 1
        elif ch == '"':  # expandable: ` escapes
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "`" else 1
            out.append('""')
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def test_ps1_is_utf8_with_bom_crlf_and_its_blocks_balance():
    raw = PS1.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Windows PowerShell 5.1 reads a BOM-less script as ANSI"
    text = raw[3:].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    code = _ps_code(text.replace("\r\n", "\n"))
    stack = []
    for ch in code:
        if ch in "({[":
            stack.append(ch)
        elif ch in ")}]":
            assert stack and "({[".index(stack.pop()) == ")}]".index(ch), "unbalanced block"
    assert not stack
    assert "ValueFromRemainingArguments" in code and "exit $LASTEXITCODE" in code


def test_ps1_parses_with_a_powershell_grammar():
    """tree-sitter's PowerShell grammar: no syntax error anywhere (and it does see a broken one)."""
    import tree_sitter_powershell
    from tree_sitter import Language, Parser

    parser = Parser(Language(tree_sitter_powershell.language()))

    def errors(source: bytes) -> list:
        found, todo = [], [parser.parse(source).root_node]
        while todo:
            node = todo.pop()
            if node.is_error or node.is_missing:
                found.append((node.start_point, source[node.start_byte : node.end_byte][:60]))
            todo.extend(node.children)
        return found

    source = PS1.read_bytes()[3:]
    assert errors(source) == []
    assert errors(source.replace(b"exit $LASTEXITCODE", b"exit $LASTEXITCODE }", 1))


def test_ps1_does_what_docs_windows_md_says():
    text = PS1.read_text(encoding="utf-8-sig")
    for needle in (
        "Get-Command py",  # the py launcher first
        "'python', 'python3'",  # then PATH
        "sys.version_info >= (3, 10)",  # a version check that the Store stub fails too
        "https://www.python.org/downloads/windows/",
        "Add python.exe to PATH",
        ".venv\\Scripts\\python.exe",
        ".venv\\Scripts\\bargain-witness.exe",
        ".venv\\install.log",
        "pyproject.toml', 'setup.py'",  # a changed package reinstalls
        "serve --open-browser",
        "PYTHONUTF8",
        "[Console]::OutputEncoding",
        "BARGAIN_WITNESS_COMMAND",
        "-LiteralPath",  # paths with [ ] and spaces
    ):
        assert needle in text, needle
    doc = (ROOT / "docs" / "windows.md").read_text(encoding="utf-8")
    for step in ("py -3", "WindowsApps", "Add python.exe to PATH", "install.log", "-ExecutionPolicy Bypass"):
        assert step in doc, step


@pytest.mark.parametrize("bat", BATS, ids=lambda p: p.name)
def test_bat_is_ascii_crlf_and_runs_the_ps1_bypassing_the_policy(bat):
    raw = bat.read_bytes()
    raw.decode("ascii")  # cmd.exe reads a .bat in the console's code page
    assert b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("ascii")
    assert "start.ps1" in text or "scripts\\start.bat" in text
    assert "exit /b %" in text


def test_a_failure_pauses_once():
    """A double-clicked window closes at once: start.bat pauses on failure; 启动.bat does not again."""
    assert 'if not "%CODE%"=="0" pause' in BATS[0].read_text(encoding="ascii")
    assert "pause" not in BATS[1].read_text(encoding="ascii")


def test_start_bat_uses_execution_policy_bypass():
    text = BATS[0].read_text(encoding="ascii")
    assert 'powershell.exe -NoProfile -ExecutionPolicy Bypass -File "%~dp0start.ps1" %*' in text


def _listed(text: str, pattern: str) -> set[str]:
    return set(re.findall(r"[-\w]+", re.search(pattern, text).group(1)))


def test_both_start_scripts_pass_every_command_through():
    commands = set(cli.commands) | {"--help", "--version"}
    posix = (ROOT / "scripts" / "start").read_text(encoding="utf-8")
    ps1 = PS1.read_text(encoding="utf-8-sig")
    assert _listed(posix, r"\n\s+([-\w|]+)\) exec") == commands
    assert _listed(ps1, r"\$Commands = @\(([^)]*)\)") == commands


# --- the companion's Windows branches, simulated -----------------------------------------------


def test_blobs_are_stored_where_a_directory_cannot_be_opened(tmp_path, monkeypatch):
    """Windows: os.open(dir) raises PermissionError; every capture failed on that before #12."""
    real_open = os.open

    def windows_open(path, flags, *args, **kw):
        if os.path.isdir(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", windows_open)
    store = BlobStore(tmp_path / "blobs")
    digest = store.put(b"\x89PNG-bytes", "image/png")
    assert store.read(digest, "image/png") == b"\x89PNG-bytes"
    monkeypatch.setattr(portable, "is_windows", lambda: True)
    assert portable.fsync_dir(tmp_path) is None


def _windows_replace(real):
    """os.replace as Windows does it: a read-only target cannot be overwritten."""

    def replace(src, dst):
        if os.path.exists(dst) and not os.stat(dst).st_mode & 0o200:
            raise PermissionError(13, "Access is denied")
        real(src, dst)

    return replace


def test_replace_overwrites_a_read_only_file_on_windows(tmp_path, monkeypatch):
    target, new = tmp_path / "a.png", tmp_path / "new"
    target.write_bytes(b"old")
    target.chmod(0o400)
    new.write_bytes(b"new")
    monkeypatch.setattr(os, "replace", _windows_replace(os.replace))
    with pytest.raises(PermissionError):  # POSIX branch: no retry, as os.replace
        portable.replace(new, target)
    monkeypatch.setattr(portable, "is_windows", lambda: True)
    portable.replace(new, target)
    assert target.read_bytes() == b"new"


def test_remove_deletes_a_read_only_file_on_windows(tmp_path, monkeypatch):
    real_unlink = os.unlink

    def windows_unlink(path, *a, **kw):  # Windows: a read-only file cannot be deleted
        if not os.stat(path).st_mode & 0o200:
            raise PermissionError(13, "Access is denied")
        real_unlink(path, *a, **kw)

    target = tmp_path / ".tmp-x.png"
    target.write_bytes(b"x")
    target.chmod(0o400)
    monkeypatch.setattr(os, "unlink", windows_unlink)
    with pytest.raises(PermissionError):
        portable.remove(target)
    monkeypatch.setattr(portable, "is_windows", lambda: True)
    portable.remove(target)
    portable.remove(target)  # already gone: fine
    assert not target.exists()


def test_replace_waits_out_a_briefly_open_file_and_gives_up_on_one_held_open(tmp_path, monkeypatch):
    monkeypatch.setattr(portable, "is_windows", lambda: True)
    monkeypatch.setattr(portable, "REPLACE_RETRY_SECONDS", 0.3)
    calls = {"n": 0}

    def held(times):
        def replace(src, dst):
            calls["n"] += 1
            if calls["n"] <= times:
                err = PermissionError(13, "The process cannot access the file")
                err.winerror = 32  # ERROR_SHARING_VIOLATION
                raise err

        return replace

    monkeypatch.setattr(os, "replace", held(3))
    portable.replace(tmp_path / "x", tmp_path / "y")
    assert calls["n"] == 4
    calls["n"] = 0
    monkeypatch.setattr(os, "replace", held(10**9))
    with pytest.raises(PermissionError):
        portable.replace(tmp_path / "x", tmp_path / "y")


def test_token_file_mode_is_left_to_the_profile_acl_on_windows(tmp_path, monkeypatch):
    path = tmp_path / "token"
    path.write_text("t")
    path.chmod(0o644)
    monkeypatch.setattr(portable, "is_windows", lambda: True)
    portable.restrict_to_owner(path)
    assert path.stat().st_mode & 0o777 == 0o644
    monkeypatch.setattr(portable, "is_windows", lambda: False)
    portable.restrict_to_owner(path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_pid_alive():
    assert portable.pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not portable.pid_alive(child.pid) and not portable.pid_alive(0)


def test_a_gbk_console_gets_question_marks_not_a_crash():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="gbk")
    console.make_printable(stream)
    stream.write("✓ 全部完好\n")
    stream.flush()
    assert raw.getvalue() == "? 全部完好\n".encode("gbk")


# --- which data dir, which command ---------------------------------------------------------------


def test_runtime_records_pick_the_running_companion_and_drop_stale_ones(tmp_path, monkeypatch):
    monkeypatch.setenv(runtime.RUNTIME_ENV, str(tmp_path / "run"))
    monkeypatch.delenv("BARGAIN_WITNESS_DATA", raising=False)
    assert "助手当前没有运行" in runtime.find_data_dir(None).why
    record = runtime.record_running(DataDir(tmp_path / "数据 目录"), 8765)
    stale = record.with_name("999999999.json")
    stale.write_text(json.dumps({"pid": 999999999, "port": 1, "data_dir": "/x", "started": 9e9}))
    found = runtime.find_data_dir(None)
    assert found.layout.root == (tmp_path / "数据 目录").resolve() and "127.0.0.1:8765" in found.why
    assert not stale.exists()
    assert runtime.find_data_dir(tmp_path / "other").layout.root == (tmp_path / "other").resolve()
    runtime.forget_running(record)
    assert runtime.running() == []


def test_user_command_names_what_the_user_started(monkeypatch, tmp_path):
    monkeypatch.setenv(runtime.COMMAND_ENV, "scripts/start")
    assert runtime.user_command("token") == "scripts/start token"
    monkeypatch.delenv(runtime.COMMAND_ENV)
    script = tmp_path / "my dir" / "bargain-witness"
    monkeypatch.setattr(sys, "argv", [str(script)])
    assert runtime.user_command("token") == f'"{script}" token'


def test_every_help_is_chinese():
    runner = CliRunner()
    for args in ([], *([name] for name in cli.commands)):
        out = runner.invoke(cli, [*args, "--help"]).output
        assert "用法" in out and "选项" in out and "显示此帮助并退出" in out, args
        assert not re.search(r"Usage|Options|Show this|\[OPTIONS\]", out), out
    bad = runner.invoke(cli, ["serve", "--port", "x"])
    assert bad.exit_code == 2 and "不是有效的整数" in bad.output and "Error" not in bad.output


def test_companion_in_a_folder_with_spaces_and_chinese_archives_and_pairs(tmp_path):
    """A Windows user folder like C:\\Users\\张 三\\: serve, capture, then token/verify find it."""
    data = tmp_path / "张 三" / "砍价 存证"
    env = {runtime.RUNTIME_ENV: str(tmp_path / "run"), "BARGAIN_WITNESS_COMMAND": "scripts/start"}
    comp = start_companion(data, env=env)
    try:
        body = json.dumps(capture_payload()).encode("utf-8")
        req = urllib.request.Request(
            comp.url + "/api/v1/captures",
            data=body,
            headers={"Authorization": f"Bearer {comp.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 201
        cmd_env = {k: v for k, v in os.environ.items() if k != "BARGAIN_WITNESS_DATA"} | env

        T = 60  # seconds: a loaded machine starts Python slowly

        def run(*args: str):
            return subprocess.run([*SERVE_BIN, *args], capture_output=True, text=True, env=cmd_env, timeout=T)

        token = run("token")
        assert token.stdout.strip() == comp.token and str(data) in token.stderr
        info = run("info")
        assert str(data) in info.stdout and "正在运行的助手" in info.stdout
        verify = run("verify")
        assert verify.returncode == 0 and "✓" in verify.stdout and "1 条存证记录" in verify.stdout
        log = comp.console()
        assert "Serving on" not in log and "INFO" not in log and "waitress" not in log
        assert "serving on 127.0.0.1" in comp.log()  # the English lines are in the file
    finally:
        stop_companion(comp)
    assert not list((tmp_path / "run").glob("*.json")), "the record is removed when the companion stops"


WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*\\\x00-\x1f]|[. ]$|^(con|prn|aux|nul|com\d|lpt\d)(\.|$)', re.I)


def test_every_name_in_a_bundle_is_legal_on_windows(client):
    """Windows refuses ':' and a few more in file names: a bundle must unzip there."""
    import zipfile

    cid = client.post("/api/v1/captures", json=capture_payload()).get_json()["campaign_id"]
    with client.get(f"/api/v1/campaigns/{cid}/export") as resp:
        assert resp.status_code == 200
        data, disposition = resp.data, resp.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
    assert any(n.endswith(".png") for n in names)
    for name in names:
        for part in name.rstrip("/").split("/"):
            assert not WINDOWS_FORBIDDEN.search(part), name
    assert not WINDOWS_FORBIDDEN.search(disposition.split("filename=")[1].strip('"'))
