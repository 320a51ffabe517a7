"""A CLI that starts like a CLI: `--help` of every command imports no platform library.

Each command's help runs in a fresh process (the Typer app walked for every command
and subcommand), which then prints the modules it loaded; importing a library is what
costs the time (bench/bench_startup.py measures it), so the test looks at that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from bot.cli import app
from storage import PriceStore, make_engine, upgrade
from tests.answer_helpers import load_bundled

ROOT = Path(__file__).resolve().parent.parent
MARK = "@@modules@@"

# What no `--help` needs: the platforms, the web server, migrations, charts, the
# scheduler, the database layer, and our own heavy parts built on them.
NOT_FOR_HELP = (
    "slack_bolt",
    "slack_sdk",
    "telegram",
    "aiohttp",
    "alembic",
    "matplotlib",
    "PIL",
    "apscheduler",
    "httpx",
    "sqlalchemy",
    "psycopg",
    "genai_prices",
    "prometheus_client",
    "bot.answers",
    "bot.alerts",
    "bot.sources",
    "bot.app",
    "bot.chat.slack",
    "bot.chat.telegram",
)
# One question on the CLI reads the store and answers: no platform, server or migration.
NOT_FOR_ASK = (
    "slack_bolt",
    "slack_sdk",
    "telegram",
    "aiohttp",
    "alembic",
    "matplotlib",
    "PIL",
    "apscheduler",
    "httpx",
    "prometheus_client",
    "bot.alerts",
    "bot.app",
    "bot.chat.slack",
    "bot.chat.telegram",
)

CHILD = f"""
import json, sys
from bot.cli import main
try:
    main(json.loads(sys.argv[1]))
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print({MARK!r} + json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""

# Every `pricebot` process starts with `from bot.cli import main` (the console script);
# this one does that once, then forks a child per command, which runs it from there
# and reports what it loaded: what a fresh `pricebot ... --help` loads, at the cost of
# one start-up instead of thirty.
FORKING_CHILD = f"""
import contextlib, io, json, os, sys
from bot.cli import main
import typer.rich_utils  # what renders every help: loaded once (it is none of NOT_FOR_HELP)

def start(args):
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return pid, read
    os.close(read)
    output, code = io.StringIO(), 0
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code
    found = {{"code": code, "output": output.getvalue(), "modules": sorted(sys.modules)}}
    with os.fdopen(write, "w") as out:
        json.dump(found, out)
    os._exit(0)

commands = json.loads(sys.argv[1])
results = []
for first in range(0, len(commands), 4):  # four at a time
    running = [start(args) for args in commands[first : first + 4]]
    for pid, read in running:
        with os.fdopen(read) as answer:
            results.append(json.load(answer))
        os.waitpid(pid, 0)
print({MARK!r} + json.dumps(results))
"""


def command_paths() -> list[list[str]]:
    """Every command and subcommand of the app, as the words that name it."""
    found: list[list[str]] = [[]]

    # Typer's groups (its own copy of Click's) hold their commands in `commands`.
    def walk(group: Any, prefix: list[str]) -> None:
        for name, command in sorted(group.commands.items()):
            found.append([*prefix, name])
            if hasattr(command, "commands"):
                walk(command, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return found


def run_cli(args: list[str], env: dict[str, str]) -> tuple[str, int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output, _, tail = done.stdout.rpartition(MARK)
    assert tail, f"pricebot {' '.join(args)} did not finish: {done.stderr[-2000:]}"
    result = json.loads(tail)
    return output, result["code"], result["modules"]


def run_each(commands: list[list[str]], env: dict[str, str]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-c", FORKING_CHILD, json.dumps(commands)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    _, _, tail = done.stdout.rpartition(MARK)
    assert tail, f"the commands did not finish: {done.stderr[-2000:]}"
    results: list[dict[str, Any]] = json.loads(tail)
    return results


def loaded(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden)]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRICEBOT_")}
    env["PRICEBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'pricebot.db'}"
    return env


def test_the_walk_finds_commands_and_subcommands() -> None:
    paths = command_paths()
    for expected in (["ask"], ["sources", "refresh"], ["db", "copy"], ["deliveries", "retry"]):
        assert expected in paths
    assert len(paths) > 20


def test_help_of_every_command_imports_no_platform_library(cli_env: dict[str, str]) -> None:
    paths = command_paths()
    results = run_each([[*p, "--help"] for p in paths], cli_env)
    wrong = {}
    for path, result in zip(paths, results, strict=True):
        assert result["code"] == 0, f"pricebot {' '.join(path)} --help exited {result['code']}"
        assert "Usage:" in result["output"], result["output"]
        extra = loaded(result["modules"], NOT_FOR_HELP)
        if extra:
            wrong[" ".join(["pricebot", *path, "--help"])] = extra[:8]
    assert wrong == {}


def test_one_question_loads_the_answers_and_no_platform(cli_env: dict[str, str]) -> None:
    # A store in use (migrated, priced); a new one's first command migrates, with Alembic.
    engine = make_engine(cli_env["PRICEBOT_DATABASE_URL"])
    upgrade(engine)
    load_bundled(PriceStore(engine))
    engine.dispose()
    output, code, modules = run_cli(["ask", "cheapest for 1M tokens"], cli_env)
    assert code == 0, output
    assert "Cheapest for 1M tokens" in output
    # The check sees what a command imports when it runs, not only at start.
    assert "bot.answers.ranking" in modules and "storage.lean_read" in modules
    assert loaded(modules, NOT_FOR_ASK) == []
    # A SQLite file at the newest schema is read through sqlite3 alone: importing
    # SQLAlchemy would cost more than the whole answer.
    assert loaded(modules, ("sqlalchemy", "storage.price_store", "storage.tables")) == []


def test_the_check_sees_what_a_command_loads_when_it_runs(cli_env: dict[str, str]) -> None:
    # `db status` opens the store and asks Alembic: the forked child must show both.
    (result,) = run_each([["db", "status"]], cli_env)
    assert result["code"] == 0, result["output"]
    assert loaded(result["modules"], ("alembic", "sqlalchemy")) != []


def test_the_bot_without_chat_credentials_loads_no_platform_library(
    cli_env: dict[str, str],
) -> None:
    """`pricebot run` with no Telegram or Slack settings (the console) builds its app
    without python-telegram-bot or slack-bolt: each loads only when configured."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from bot.app import build_app; from bot.settings import load_settings; "
            "build_app(load_settings()); "
            "print(sorted({m.split('.')[0] for m in sys.modules}))",
        ],
        cwd=ROOT,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    top_level = done.stdout.strip()
    for library in ("telegram", "slack_bolt", "slack_sdk"):
        assert f"'{library}'" not in top_level, library
