"""`pricebot sources …` as a user runs it: a real process, real output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from bot.cli import app
from tests import feeds
from tests.cli_process import run_pricebot


def pricebot(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PRICEBOT_DATABASE_URL": database_url, **env}
    return run_pricebot(args, env=environ, timeout=120)


def test_list_shows_every_source_and_the_offline_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    listed = pricebot(url, "sources", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {r["source"]: r for r in json.loads(listed.stdout)}
    assert list(rows) == ["catalog", "genai-prices", "litellm", "openrouter", "ecb"]
    assert [n for n, r in rows.items() if r["enabled"]] == ["catalog", "genai-prices"]
    assert rows["genai-prices"]["location"] == "bundled:genai-prices"
    assert rows["openrouter"]["location"] == "https://openrouter.ai/api/v1/models"
    table = pricebot(url, "sources", "list", PRICEBOT_SOURCES="catalog,openrouter")
    openrouter_row = next(
        line for line in table.stdout.splitlines() if line.startswith("openrouter")
    )
    assert " yes " in openrouter_row and "60 min" in openrouter_row


def test_offline_refresh_then_status(database_url: str) -> None:
    done = pricebot(database_url, "sources", "refresh")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "catalog: recorded: first import: 14 models, 29 events kept as history"
    assert lines[1].startswith("genai-prices: recorded: first import: ")
    again = pricebot(database_url, "sources", "refresh", "genai-prices")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("genai-prices: unchanged: ")
    status = pricebot(database_url, "sources", "status")
    assert status.returncode == 0, status.stderr
    header, _, catalog, genai = status.stdout.splitlines()[:4]
    assert [c.strip() for c in header.split("  ") if c.strip()] == [
        "source",
        "last run",
        "next run",
        "last success",
        "models",
        "held back",
        "pending",
        "last",
    ]
    assert catalog.split()[0] == "catalog" and catalog.split()[10] == "14"
    assert genai.split()[0] == "genai-prices" and genai.split()[-1] == "unchanged"
    rows = {
        r["source"]: r
        for r in json.loads(pricebot(database_url, "sources", "status", "--json").stdout)
    }
    genai_row = rows["genai-prices"]
    # The next run is an interval (12 hours) after the last.
    last, upcoming = (datetime.fromisoformat(genai_row[k]) for k in ("last_run", "next_run"))
    assert upcoming - last == timedelta(hours=12)
    shown = pricebot(database_url, "prices", "show", "openai/o3")
    assert "2025-06-10" in shown.stdout and "$2.00" in shown.stdout


def test_import_a_feed_by_hand_with_the_same_guards(
    database_url: str, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/models").respond_with_data(
        feeds.openrouter(feeds.ten_models()), content_type="application/json"
    )
    first = pricebot(database_url, "sources", "import", "openrouter", httpserver.url_for("/models"))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("openrouter: recorded: first import: 10 models")

    partial = tmp_path / "models.json"
    partial.write_bytes(feeds.openrouter({"m0": ("1", "2")}))
    held = pricebot(database_url, "sources", "import", "openrouter", str(partial))
    assert held.returncode == 1
    assert held.stdout.strip() == (
        "openrouter: held_back: held back: 9 of 10 models vanished at once (more than 30%); "
        "the last good data stays current"
    )
    status = pricebot(database_url, "sources", "status", "--json")
    [row] = [r for r in json.loads(status.stdout) if r["source"] == "openrouter"]
    assert (row["enabled"], row["models"], row["held_back"], row["last_outcome"]) == (
        False,
        10,
        1,
        "held_back",
    )
    text = pricebot(database_url, "sources", "status")
    assert "held back" in text.stdout and "9 of 10 models vanished at once" in text.stdout
    listed = pricebot(database_url, "prices", "list", "--vendor", "openrouter", "--json")
    assert len(json.loads(listed.stdout)) == 10

    forced = pricebot(database_url, "sources", "import", "openrouter", str(partial), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "9 models missing from the feed, their last prices stay current" in forced.stdout


def test_mistakes_get_one_line_and_an_example(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    unknown = pricebot(url, "sources", "refresh", "nope")
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines() == [
        "error: unknown source 'nope'; known: catalog, genai-prices, litellm, openrouter, ecb",
        "example: pricebot sources refresh genai-prices",
    ]
    missing = pricebot(url, "sources", "import", "litellm", str(tmp_path / "nowhere.json"))
    assert missing.returncode == 1
    assert "litellm: failed: " in missing.stdout and "cannot read" in missing.stdout
    assert "Traceback" not in missing.stderr
    bad_setting = pricebot(url, "sources", "list", PRICEBOT_SOURCES="catalog,bogus")
    assert bad_setting.returncode == 2
    assert bad_setting.stderr.startswith("error: setting PRICEBOT_SOURCES: ")
    assert "unknown source 'bogus'" in bad_setting.stderr


def test_every_sources_command_has_help() -> None:
    runner = CliRunner()
    says = {
        "list": "The sources pricebot knows",
        "refresh": "Fetch sources now",
        "status": "last and next run, last success",
        "import": "Import one feed file once",
    }
    for command, text in says.items():
        shown = runner.invoke(app, ["sources", command, "--help"])
        assert shown.exit_code == 0, shown.output
        flat = " ".join(shown.output.split())
        assert f"sources {command} [OPTIONS]" in flat and text in flat


def test_a_second_import_right_away_confirms_nothing_force_does_and_says_so(
    database_url: str, tmp_path: Path
) -> None:
    feed = tmp_path / "models.json"
    feed.write_bytes(feeds.openrouter(feeds.ten_models()))
    assert pricebot(database_url, "sources", "import", "openrouter", str(feed)).returncode == 0
    feed.write_bytes(feeds.openrouter(feeds.ten_models() | {"m9": ("0.1", "20")}))
    for _ in range(2):
        again = pricebot(database_url, "sources", "import", "openrouter", str(feed))
        assert again.returncode == 0, again.stderr
        assert "1 alarming changes await a second poll (openrouter/acme/m9 input" in again.stdout
        assert "confirmed" not in again.stdout
    status = pricebot(database_url, "sources", "status")
    waiting = [line for line in status.stdout.splitlines() if "awaiting confirmation" in line]
    assert len(waiting) == 1
    assert "decided by the first import after " in waiting[0]
    assert "openrouter/acme/m9 input $10.00 → $0.10 (cut 99%)" in waiting[0]
    [row] = [
        r
        for r in json.loads(pricebot(database_url, "sources", "status", "--json").stdout)
        if r["source"] == "openrouter"
    ]
    [pending] = row["pending"]
    assert pending["model"] == "openrouter/acme/m9"
    first_seen = datetime.fromisoformat(pending["first_seen"])
    decided = f"{first_seen + timedelta(minutes=15):%Y-%m-%d %H:%M} UTC"
    assert pending["decided"] == f"by the first import after {decided}"

    forced = pricebot(database_url, "sources", "import", "openrouter", str(feed), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (
        "forced by operator via `pricebot sources import --force`: openrouter/acme/m9"
        in forced.stdout
    )
    assert "cut openrouter/acme/m9 input $10.00 → $0.10 (-99%)" in forced.stdout
    shown = json.loads(
        pricebot(database_url, "prices", "show", "openrouter/acme/m9", "--json").stdout
    )
    refs = {p["amount"]: p["source_ref"] for p in shown["history"] if p["kind"] == "input"}
    assert refs["0.1"].startswith("forced by operator via `pricebot sources import --force`")


def test_a_refresh_report_tells_a_new_model_with_all_its_prices(tmp_path: Path) -> None:
    """`sources import` names a new model's input and output price, as `pricebot events`
    does, not the input alone."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    first = tmp_path / "first.json"
    first.write_bytes(feeds.openrouter(feeds.ten_models()))
    assert pricebot(url, "sources", "import", "openrouter", str(first)).returncode == 0
    grown = tmp_path / "grown.json"
    grown.write_bytes(feeds.openrouter({**feeds.ten_models(), "m10": ("0.5", "1.5")}))
    again = pricebot(url, "sources", "import", "openrouter", str(grown))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("openrouter: recorded: 11 models; 1 event (1 news)")
    [line] = [x for x in again.stdout.splitlines() if "new_model" in x]
    assert "input $0.50, output $1.50 per 1M" in line, line
