"""The `pricebot` command as a user runs it: a real process, real output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.cli_process import run_pricebot


def pricebot(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRICEBOT_DATABASE_URL": database_url}
    return run_pricebot(args, env=env, timeout=120)


def test_catalog_load_list_and_events(database_url: str) -> None:
    loaded = pricebot(database_url, "catalog", "load")
    assert loaded.returncode == 0, loaded.stderr
    assert "25 dated quotes" in loaded.stdout
    again = pricebot(database_url, "catalog", "load")
    assert "0 new events" in again.stdout

    table = pricebot(database_url, "prices", "list", "--as-of", "2024-05-22", "--currency", "CNY")
    assert table.returncode == 0, table.stderr
    qwen = next(line for line in table.stdout.splitlines() if line.startswith("alibaba/qwen-long"))
    assert "¥0.50" in qwen and "¥2.00" in qwen
    gpt4o = next(line for line in table.stdout.splitlines() if line.startswith("openai/gpt-4o"))
    assert "¥36.00" in gpt4o  # 5 USD at 7.2
    assert "at 7.2 CNY/USD of 2024-05-01" in table.stdout

    before = pricebot(database_url, "prices", "list", "--as-of", "2024-05-12", "--json")
    models = {m["model"]: m for m in json.loads(before.stdout)}
    assert "bytedance/doubao-pro-32k" not in models
    glm = {p["kind"]: p["amount"] for p in models["zhipu/glm-3-turbo"]["prices"]}
    assert glm == {"input": "5", "output": "5"}

    events = pricebot(database_url, "events", "--json")
    cuts = [
        e
        for e in json.loads(events.stdout)
        if e["type"] == "cut" and e["model"] == "alibaba/qwen-long"
    ]
    assert {(e["kind"], e["percent"]) for e in cuts} == {("input", "97.5"), ("output", "90")}


def test_prices_set_prints_the_events_it_caused(database_url: str) -> None:
    pricebot(database_url, "catalog", "load")
    done = pricebot(
        database_url,
        "prices",
        "set",
        "qwen-long",
        "--input",
        "0.0004",
        "--per",
        "1K",
        "--currency",
        "CNY",
    )
    assert done.returncode == 0, done.stderr
    assert "cut alibaba/qwen-long input ¥0.50 → ¥0.40 (-20%)" in done.stdout
    same = pricebot(
        database_url, "prices", "set", "qwen-long", "--input", "0.4", "--currency", "CNY"
    )
    assert "nothing changed" in same.stdout
    new = pricebot(
        database_url,
        "prices",
        "set",
        "acme/acme-1",
        "--vendor",
        "acme",
        "--input",
        "1",
        "--output",
        "2",
        "--currency",
        "USD",
    )
    assert "new_model acme/acme-1" in new.stdout
    shown = pricebot(database_url, "prices", "show", "alibaba/qwen-long")
    assert "0.02" not in shown.stdout and "¥20.00" in shown.stdout and "¥0.40" in shown.stdout


BAD_PRICES = [
    (["--input", "-1", "--currency", "CNY"], "amount '-1' is negative"),
    (["--input", "abc"], "amount 'abc' is not a number"),
    (["--input", "1", "--currency", "BTC"], "unknown currency 'BTC'"),
    (["--input", "1", "--per", "1G"], "unknown unit '1G'"),
    (["--input", "1", "--effective", "2024-02-30"], "--effective '2024-02-30' is not a date"),
    (["--input", "0"], "a zero price needs --free"),
]


def test_prices_set_bad_input_exits_2_and_writes_nothing(database_url: str) -> None:
    # One store for every mistake (each a process of its own): none may write anything.
    pricebot(database_url, "catalog", "load")
    before = pricebot(database_url, "events", "--json").stdout
    for args, message in BAD_PRICES:
        result = pricebot(database_url, "prices", "set", "alibaba/qwen-long", *args)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith("error: ") and message in lines[0], lines
        assert lines[1].startswith("example: pricebot prices set"), lines
        assert "Traceback" not in result.stderr
    assert pricebot(database_url, "events", "--json").stdout == before


def test_unknown_model_needs_vendor(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'p.db'}"
    result = pricebot(url, "prices", "set", "acme/new-1", "--input", "1")
    assert result.returncode == 2
    assert "unknown model 'acme/new-1'" in result.stderr
    assert "--vendor" in result.stderr


def test_bad_catalog_file_loads_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'p.db'}"
    bad = tmp_path / "mine.toml"
    bad.write_text(
        '[catalog]\nname="mine"\n[[vendors]]\nid="a"\nname="A"\n[[models]]\nid="a/b"\nname="B"\n'
        '[[prices]]\nmodel="a/b"\neffective=2024-05-01\ninput="1"\nsource="s"\n'
        '[[prices]]\nmodel="a/b"\neffective="not a date"\ninput="1"\nsource="s"\n'
    )
    result = pricebot(url, "catalog", "load", str(bad))
    assert result.returncode == 2
    assert f"error: {bad}:16: [[prices]] #2: effective: " in result.stderr
    assert pricebot(url, "events").stdout.startswith("no events")


def test_unreachable_database_is_a_message_not_a_traceback() -> None:
    result = pricebot("postgresql+psycopg://nobody@127.0.0.1:1/none", "events")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach the database at")
    assert "Traceback" not in result.stderr
    garbage = pricebot("not a url", "events")
    assert garbage.returncode == 1 and "is not a URL" in garbage.stderr


def test_every_command_has_help() -> None:
    top = run_pricebot(["--help"])
    assert top.returncode == 0
    for group in ("db", "catalog", "prices", "events"):
        assert group in top.stdout
    for args in (
        ["db", "upgrade"],
        ["catalog", "load"],
        ["prices", "list"],
        ["prices", "show"],
        ["prices", "set"],
    ):
        shown = run_pricebot([*args, "--help"])
        assert shown.returncode == 0 and "Usage" in shown.stdout, args


def test_a_misspelt_model_gets_did_you_mean_from_prices_show_and_prices_set(
    tmp_path: Path,
) -> None:
    """Issue 17, item 12: `prices show qwen-lnog` (and `prices set`) name the model meant."""
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    pricebot(url, "catalog", "load")
    shown = pricebot(url, "prices", "show", "qwen-lnog")
    assert (shown.returncode, shown.stdout) == (2, "")
    assert shown.stderr.splitlines() == [
        "error: unknown model 'qwen-lnog'; did you mean Qwen-Long (alibaba/qwen-long)?",
        "example: pricebot prices show qwen-long",
    ]
    before = pricebot(url, "events", "--json").stdout
    entered = pricebot(url, "prices", "set", "qwen-lnog", "--input", "1", "--currency", "CNY")
    assert entered.returncode == 2
    assert entered.stderr.splitlines() == [
        "error: unknown model 'qwen-lnog'; did you mean Qwen-Long (alibaba/qwen-long)? "
        "(a new model needs its id as vendor/model and --vendor)",
        "example: pricebot prices set qwen-long --input 0.5 --output 2 --currency CNY",
    ]
    assert pricebot(url, "events", "--json").stdout == before
    # The example works as shown.
    example = entered.stderr.splitlines()[1].removeprefix("example: pricebot ").split()
    assert pricebot(url, *example).returncode == 0
