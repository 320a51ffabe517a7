"""`pricebot ask` as a user runs it: a real process on a real store."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.test_cli import pricebot


def test_ask_answers_from_the_loaded_catalog(database_url: str) -> None:
    assert pricebot(database_url, "catalog", "load").returncode == 0
    english = pricebot(
        database_url, "ask", "cheapest for 1M tokens?", "--as-of", "2024-05-22", "--currency", "CNY"
    )
    assert english.returncode == 0, english.stderr
    lines = english.stdout.splitlines()
    assert lines[0] == "Cheapest for 1M tokens (blended 3:1)"
    ranked = [line.split()[:3] for line in lines if line.startswith("  ")]
    assert ranked[:4] == [
        ["1.", "Qwen-Long", "¥0.875"],
        ["2.", "GLM-3", "Turbo"],
        ["3.", "Doubao-pro-32k", "¥1.10"],
        ["4.", "DeepSeek-V2", "¥1.25"],
    ]
    free_then = "Free on 2024-05-22: ERNIE Lite (Baidu); ERNIE Speed (Baidu); Hunyuan-lite"
    assert free_then in english.stdout

    # A Chinese question in an English setting (--lang en): the same answer, in English.
    chinese = pricebot(
        database_url, "ask", "100万tokens最便宜的是哪个？", "--as-of", "2024-05-22", "--lang", "en"
    )
    assert chinese.returncode == 0, chinese.stderr
    rows = lambda out: [line for line in out.splitlines() if line.startswith("  ")]  # noqa: E731
    assert rows(chinese.stdout) == rows(english.stdout)


def test_ask_answers_in_the_questions_language_or_the_one_asked_for(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'ask.db'}"
    pricebot(url, "catalog", "load")
    chinese = pricebot(url, "ask", "100万tokens最便宜的是哪个？", "--as-of", "2024-05-22")
    assert chinese.returncode == 0, chinese.stderr
    lines = chinese.stdout.splitlines()
    assert lines[:2] == [
        "最便宜的模型：100万tokens（混合价 3:1）",
        "截至 2024年5月22日（UTC 当日结束） · 以人民币计价",
    ]
    assert "  1. Qwen-Long         ¥0.875  阿里云 · 每百万tokens 输入 ¥0.50，输出 ¥2.00" in lines
    assert "Cheapest" not in chinese.stdout and "per 1M" not in chinese.stdout

    asked = pricebot(url, "ask", "cheapest for 1M tokens", "--as-of", "2024-05-22", "--lang", "zh")
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("最便宜的模型：100万tokens（混合价 3:1）\n截至 2024年5月22日")
    first = "  1. Qwen-Long         US$0.1215  阿里云 · 每百万tokens 输入 ¥0.50，输出 ¥2.00"
    assert first in asked.stdout

    typo = pricebot(url, "ask", "qwen-lng 价格")
    assert typo.returncode == 2
    assert "我不认识叫“qwen-lng”的模型。你是说 Qwen-Long (alibaba/qwen-long) 吗？" in typo.stderr
    assert 'example: pricebot ask "qwen-long 价格"' in typo.stderr


def test_ask_json_dates_and_refusals(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'ask.db'}"
    pricebot(url, "catalog", "load")
    out = pricebot(url, "ask", "cheapest input only in CNY", "--as-of", "2024-05-22", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)["data"]
    assert data["ranked"][0]["model"] == "alibaba/qwen-long"
    assert Decimal(data["ranked"][0]["cost"]) == Decimal("0.5")
    assert data["ranked"][0]["currency"] == "CNY"
    assert data["mix"] == {"input_tokens": 1000000, "output_tokens": 0, "source": "asked"}

    before = pricebot(url, "ask", "cheapest for 1M tokens as of 2024-05-12", "--currency", "CNY")
    assert before.returncode == 0, before.stderr
    assert "As of 2024-05-12 (end of day UTC)" in before.stdout
    assert "1. DeepSeek-V2" in before.stdout
    assert "Prices have changed since 2024-05-12" in before.stdout
    assert "the cheapest is Qwen-Long at ¥0.875" in before.stdout

    typo = pricebot(url, "ask", "price qwen-lng")
    assert typo.returncode == 2
    assert "Did you mean Qwen-Long (alibaba/qwen-long)?" in typo.stderr
    examples = [line for line in typo.stderr.splitlines() if line.startswith("example: ")]
    assert examples[0] == 'example: pricebot ask "price qwen-long"' and len(examples) == 3
    assert "Traceback" not in typo.stderr

    nonsense = pricebot(url, "ask", "hello")
    assert nonsense.returncode == 2 and "example: pricebot ask" in nonsense.stderr

    currency = pricebot(url, "ask", "cheapest", "--currency", "XYZ")
    assert currency.returncode == 2 and "--currency 'XYZ'" in currency.stderr
    date = pricebot(url, "ask", "cheapest", "--as-of", "May")
    assert date.returncode == 2 and "--as-of 'May' is not a date" in date.stderr


def test_ask_on_a_store_with_no_prices_says_how_to_fill_it(database_url: str) -> None:
    # A fresh store (created and migrated by this first command): nothing to answer from.
    empty = pricebot(database_url, "ask", "cheapest for 1M tokens")
    assert empty.returncode == 69, empty.stderr
    assert empty.stdout == ""
    assert "has no prices yet" in empty.stderr
    assert "No paid model" not in empty.stderr
    for command in ("pricebot catalog load", "pricebot sources refresh", "pricebot run"):
        assert command in empty.stderr
    assert "Traceback" not in empty.stderr
    # The hint works: after it, the same question is answered.
    assert pricebot(database_url, "catalog", "load").returncode == 0
    filled = pricebot(database_url, "ask", "cheapest for 1M tokens")
    assert filled.returncode == 0, filled.stderr
    assert "1. " in filled.stdout


def test_the_next_ask_sees_a_price_just_set(database_url: str) -> None:
    assert pricebot(database_url, "catalog", "load").returncode == 0
    before = pricebot(database_url, "ask", "price qwen-long", "--currency", "CNY")
    assert before.returncode == 0, before.stderr
    assert "Input                        ¥0.50 per 1M" in before.stdout
    cut = pricebot(
        database_url,
        "prices", "set", "alibaba/qwen-long", "--input", "0.0004", "--output", "0.002",
        "--per", "1K", "--currency", "CNY",
    )  # fmt: skip
    assert cut.returncode == 0, cut.stderr
    after = pricebot(database_url, "ask", "price qwen-long", "--currency", "CNY")
    assert after.returncode == 0, after.stderr
    assert "Input                        ¥0.40 per 1M" in after.stdout
    assert "¥0.50" not in after.stdout
    cheapest = pricebot(database_url, "ask", "cheapest input only", "--currency", "CNY")
    assert "1. Qwen-Long" in cheapest.stdout and "¥0.40" in cheapest.stdout
