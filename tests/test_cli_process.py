"""The tests' quick CLI processes (tests/cli_process.py) behave as fresh ones: the same
output, exit code, environment and working directory as `python -m bot` started anew."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli_process import run_pricebot


def fresh(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def test_a_quick_call_prints_and_exits_as_a_fresh_process(tmp_path: Path) -> None:
    # A relative database path: each call must run in the directory it is given.
    env = {**os.environ, "PRICEBOT_DATABASE_URL": "sqlite:///p.db", "COLUMNS": "100"}
    quick_dir, fresh_dir = tmp_path / "quick", tmp_path / "fresh"
    quick_dir.mkdir()
    fresh_dir.mkdir()
    said: dict[str, subprocess.CompletedProcess[str]] = {}
    for args in (
        ["catalog", "load"],  # writes the database in the working directory
        ["ask", "100万tokens最便宜的是哪个？", "--as-of", "2024-05-22"],  # UTF-8 out
        ["ask", "cheapest", "--lang", "fr"],  # exit 2, a message on stderr
    ):
        quick = run_pricebot(args, env=env, cwd=quick_dir)
        started = fresh(args, env, fresh_dir)
        assert quick.returncode == started.returncode, args
        assert quick.stdout == started.stdout, args
        assert [_no_time(x) for x in quick.stderr.splitlines()] == [
            _no_time(x) for x in started.stderr.splitlines()
        ], args
        said[" ".join(args[:1] + args[-1:])] = quick
    assert (quick_dir / "p.db").exists()
    assert "1. Qwen-Long" in said["ask 2024-05-22"].stdout
    refused = said["ask fr"]
    assert refused.returncode == 2 and "--lang 'fr'" in refused.stderr


def _no_time(line: str) -> str:
    """A log line without its timestamp."""
    return line.split(" ", 1)[1] if line[:4].isdigit() and "T" in line[:20] else line
