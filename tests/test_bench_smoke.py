"""The benchmarks keep running: each is started with tiny sizes (figures are not checked here;
they belong in docs/performance.md, measured by hand as it says)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import ROOT


@pytest.mark.parametrize(
    "args",
    [
        ["bench/bench_detect.py", "--quick"],
        ["bench/bench_dashboard.py", "--captures", "60", "--no-browser"],
        ["bench/bench_ocr.py", "--quick"],
        ["bench/bench_ingest.py", "--posts", "3", "--no-ocr"],
        ["bench/bench_growth.py", "--quick"],
        ["bench/bench_stack.py", "--requests", "20"],
        ["bench/bench_background.py", "--thumbs", "1", "--thumbs-only"],
        ["bench/bench_processes.py", "--per-client", "2", "--rounds", "1"],
    ],
    ids=["detect", "dashboard", "ocr", "ingest", "growth", "stack", "background", "processes"],
)
def test_benchmark_runs(args):
    run = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip()


@pytest.mark.browser
def test_click_benchmark_runs():
    """The click benchmark drives Chromium with the real extension and the bare one it builds."""
    args = [sys.executable, "bench/bench_click.py", "--clicks", "1"]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "bare extension" in run.stdout


@pytest.mark.browser
def test_ingest_benchmark_runs_on_chromium_screenshots():
    """``--chromium``: real screenshots of the fixture pages, taken by Debian's Chromium."""
    args = [sys.executable, "bench/bench_ingest.py", "--posts", "3", "--no-ocr", "--only", "Chromium 390x844"]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Chromium 390x844" in run.stdout
