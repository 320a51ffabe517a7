"""`pricebot models resolve` and `pricebot prices show` on feeds shaped like the real ones.

A real process, real output: the fixtures under tests/fixtures/feeds are imported with
`pricebot sources import`, as a user would import a downloaded feed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import pricebot

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
# On one xdist worker: the module's imported store is then made once, not once per worker.
pytestmark = pytest.mark.xdist_group("cli-models")


@pytest.fixture(scope="module")
def feeds_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('models') / 'pricebot.db'}"
    for source, file in (("genai-prices", "genai_prices.json"), ("openrouter", "openrouter.json")):
        done = pricebot(url, "sources", "import", source, str(FEEDS / file))
        assert done.returncode == 0, done.stdout + done.stderr
    return url


def test_a_name_resolves_to_one_model_with_every_offer_and_why(feeds_db: str) -> None:
    done = pricebot(feeds_db, "models", "resolve", "claude-opus-4.6", "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["model"] == "anthropic/claude-opus-4-6"
    assert found["offer"] is None
    offers = {o["offer"]: o for o in found["offers"]}
    assert set(offers) == {
        "anthropic/claude-opus-4-6",
        "vertex/claude-opus-4-6",
        "openrouter/anthropic/claude-opus-4.6",
    }
    assert [o for o, v in offers.items() if v["maker_offer"]] == ["anthropic/claude-opus-4-6"]
    steps = offers["openrouter/anthropic/claude-opus-4.6"]["identity"]
    assert "dots between digits → hyphens" in steps
    assert {x["source"] for x in offers["openrouter/anthropic/claude-opus-4.6"]["listings"]} == {
        "genai-prices",
        "openrouter",
    }

    text = pricebot(feeds_db, "models", "resolve", "openrouter/anthropic/claude-opus-4.6")
    assert text.returncode == 0, text.stderr
    first = text.stdout.splitlines()[0]
    assert first == (
        "'openrouter/anthropic/claude-opus-4.6' means the offer "
        "openrouter/anthropic/claude-opus-4.6 of Claude Opus 4.6 (anthropic/claude-opus-4-6): "
        "it is the offer id openrouter/anthropic/claude-opus-4.6."
    )


def test_a_typo_gets_did_you_mean_and_a_pointer_is_not_a_model(feeds_db: str) -> None:
    typo = pricebot(feeds_db, "models", "resolve", "claude-opus-4-7")
    assert typo.returncode == 2
    assert "Traceback" not in typo.stderr
    assert "unknown model 'claude-opus-4-7'; did you mean" in typo.stderr
    pointer = pricebot(feeds_db, "models", "resolve", "~anthropic/claude-opus-latest")
    assert pointer.returncode == 2
    assert "unknown model" in pointer.stderr


def test_prices_show_dates_sources_and_the_ended_surcharge(feeds_db: str) -> None:
    done = pricebot(feeds_db, "prices", "show", "claude-opus-4-6", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["offer"] == "anthropic/claude-opus-4-6"
    assert "vertex/claude-opus-4-6" in shown["other_offers"]
    history = shown["history"]
    assert not [p for p in history if p["effective"].startswith("1970")]
    long_input = [p for p in history if p["kind"] == "input" and p["tier"] == 200000]
    assert [(p["amount"], p["date_basis"]) for p in long_input][-1] == ("5", "effective")
    assert long_input[-1]["effective"].startswith("2026-03-13")
    assert any(e["type"] == "cut" and e["tier"] == 200000 for e in shown["events"])

    router = pricebot(feeds_db, "prices", "show", "openrouter/anthropic/claude-opus-4.6")
    assert router.returncode == 0, router.stderr
    now_rows = [line for line in router.stdout.splitlines() if line.startswith("input ")]
    # Both feeds list OpenRouter's offer at $5: two sources agree on the price.
    assert now_rows and "genai-prices, openrouter" in now_rows[0]
