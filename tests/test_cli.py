"""The command line as documented in the README."""

from __future__ import annotations

import re
import socket
import stat
import subprocess

from click.testing import CliRunner
from helpers import EXTENSION_DIR
from helpers.companion_proc import SERVE_BIN, start_companion, stop_companion

from companion.cli import cli


def test_token_is_created_private_and_stable(tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli, ["token", "--data-dir", str(tmp_path)], catch_exceptions=False)
    second = runner.invoke(cli, ["token", "--data-dir", str(tmp_path)], catch_exceptions=False)
    assert first.exit_code == 0 and first.output == second.output and len(first.output.strip()) >= 40
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BARGAIN_WITNESS_DATA", str(tmp_path / "env-dir"))
    result = CliRunner().invoke(cli, ["token"], catch_exceptions=False)
    assert (tmp_path / "env-dir" / "token").read_text().strip() == result.stdout.strip()


def test_info_names_the_extension_folder(tmp_path):
    result = CliRunner().invoke(cli, ["info", "--data-dir", str(tmp_path)], catch_exceptions=False)
    assert str(EXTENSION_DIR) in result.output and str(tmp_path) in result.output


def test_serve_prints_what_a_user_needs_and_listens_on_loopback_only(tmp_path):
    comp = start_companion(tmp_path / "d")
    try:
        log = comp.log()
        for needle in ("控制台：", "/demo/", "与助手配对", "数据目录：", str(EXTENSION_DIR)):
            assert needle in log
        # Labels in Chinese only (#12): the user reads no English in the start-up banner.
        banner = "".join(comp.output)
        assert not re.search(r"\b(Dashboard|Demo|Pairing|Data|Extension|Log|Token)\b", banner), banner
        port = int(comp.url.rsplit(":", 1)[1])
        # The token is never printed (#11): the dashboard line is a one-time login link instead.
        assert comp.token and comp.token in (tmp_path / "d" / "token").read_text() and comp.token not in log
        assert comp.dashboard_link.startswith(comp.url + "/login/")
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        # Not reachable on another local address: the server is bound to 127.0.0.1 only.
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.settimeout(2)
        try:
            assert probe.connect_ex(("127.0.0.2", port)) != 0
        finally:
            probe.close()
    finally:
        stop_companion(comp)


def test_port_in_use_is_a_clear_message(tmp_path):
    comp = start_companion(tmp_path / "a")
    try:
        port = comp.url.rsplit(":", 1)[1]
        result = subprocess.run(
            [*SERVE_BIN, "serve", "--port", port, "--data-dir", str(tmp_path / "b")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert "端口" in result.stderr and "Traceback" not in result.stderr
    finally:
        stop_companion(comp)
