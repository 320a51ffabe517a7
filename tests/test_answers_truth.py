"""Answers say only what is known: where each date comes from, what an as-of question
leaves out, tiers that went away, and free offers that are free only while confirmed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.answers import (
    Defaults,
    Query,
    SnapshotCache,
    ask,
    end_of_day,
    load_snapshot,
    parse_question,
    rank,
)
from bot.chat.render import render_text
from storage import DateBasis, FreeOffer, PriceStore
from tests.answer_helpers import listed, load_bundled, offer
from tests.helpers import quote, utc
from tests.test_store_offers import opus

NOW = utc(2026, 12, 1, 12)


def reply_to(store: PriceStore, text: str, *, now=NOW, **defaults: object):  # type: ignore[no-untyped-def]
    return ask(SnapshotCache(store), text, now=now, defaults=Defaults(**defaults))  # type: ignore[arg-type]


@pytest.fixture
def dated_store(sqlite_store: PriceStore) -> PriceStore:
    """o3's first price inferred (no start given), its dated cut, gpt-5 first seen by
    pricebot, and Claude Opus 4.6 with a dated start."""
    sqlite_store.record(
        [
            offer("openai/o3", "openai/o3", when=utc(2025, 4, 16), input="10", output="40",
                  name="o3", basis=DateBasis.INFERRED),
            offer("openai/o3", "openai/o3", when=utc(2025, 6, 10), input="2", output="8",
                  name="o3"),
            offer("openai/gpt-5", "openai/gpt-5", when=utc(2026, 11, 30), input="1.25",
                  output="10", name="GPT-5", basis=DateBasis.OBSERVED),
            offer("openrouter/openai/gpt-5", "openai/gpt-5", when=utc(2026, 11, 30),
                  input="1.25", output="10", name="OpenAI: GPT-5", basis=DateBasis.OBSERVED),
            opus(utc(2026, 2, 5), tiered=False),
        ],
        source="genai-prices",
        observed_at=utc(2026, 11, 30),
    )  # fmt: skip
    return sqlite_store


def test_each_price_says_where_its_date_comes_from(dated_store: PriceStore) -> None:
    notes = lambda text, **kw: [r.note for r in reply_to(dated_store, text, **kw).rows[:2]]  # noqa: E731
    assert notes("price o3") == ["since 2025-06-10", "since 2025-06-10"]
    assert notes("price o3 on 2025-05-01") == ["by 2025-04-16 (start not stated)"] * 2
    assert notes("price gpt-5") == ["first seen 2026-11-30"] * 2
    for text in ("price o3", "price gpt-5", "cheapest", "price o3 on 2025-05-01"):
        assert "1970" not in render_text(reply_to(dated_store, text)), text


def test_an_as_of_answer_counts_the_models_first_seen_later(dated_store: PriceStore) -> None:
    reply = reply_to(dated_store, "cheapest for 1M tokens as of 2024-05-22")
    assert "No paid model with a known price matches." in reply.lines
    # o3 (inferred) and GPT-5 (first seen) may have existed; Opus 4.6's start is stated.
    assert (
        "2 models left out: pricebot first saw their prices after 2024-05-22; no earlier "
        "date is known." in reply.footnotes
    )
    later = reply_to(dated_store, "cheapest for 1M tokens as of 2025-05-01")
    assert [r.label for r in later.rows] == ["1. o3"]
    assert "1 model left out: pricebot first saw their prices after 2025-05-01" in (
        render_text(later)
    )
    price = reply_to(dated_store, "price gpt-5 on 2026-01-01")
    assert price.lines[1] == (
        "GPT-5 (openai/gpt-5): no price as of 2026-01-01 (pricebot first saw its prices "
        "2026-11-30; no earlier date is known)."
    )
    # A question about now leaves nothing out for that reason.
    assert "left out: pricebot first saw" not in render_text(reply_to(dated_store, "cheapest"))


def test_a_surcharge_that_ended_is_not_charged(sqlite_store: PriceStore) -> None:
    sqlite_store.record(
        [opus(utc(2026, 2, 5), tiered=True), opus(utc(2026, 3, 13), tiered=False)],
        source="genai-prices",
        observed_at=NOW,
    )
    question = "cost anthropic/claude-opus-4-6 300k in 10k out for 300k prompts"
    before = reply_to(sqlite_store, f"{question} on 2026-03-01")
    assert before.rows[0].value == "$3.375"
    assert "(prompts over 200K)" in (before.rows[0].note or "")
    after = reply_to(sqlite_store, question)
    assert after.rows[0].value == "$1.75"
    assert "prompts over" not in (after.rows[0].note or "")
    tiered = "Longer prompts cost more on Claude Opus 4.6 (prompts over 200K)"
    assert tiered in render_text(reply_to(sqlite_store, "cheapest on 2026-03-01"))
    assert tiered not in render_text(reply_to(sqlite_store, "cheapest"))
    assert "prompts over" not in render_text(reply_to(sqlite_store, "price claude-opus-4-6"))


def free_store(store: PriceStore, *, confirmed: tuple[int, int, int]) -> PriceStore:
    """A capped free tier with paid prices, a free offer without prices, a dated promotion,
    all started 2026-10-01 and last confirmed on `confirmed`."""
    start = utc(2026, 10, 1)
    store.record(
        [
            quote("google/gemini-x", when=start, input="1", output="4", name="Gemini X",
                  free_offer=FreeOffer(cap_note="free tier with rate limits")),
            quote("acme/gratis", when=start, free_offer=FreeOffer(), name="Gratis"),
            quote("b/promo", when=start, input="2", output="2", name="Promo",
                  free_offer=FreeOffer(until=utc(2027, 1, 1))),
            quote("a/paid", when=start, input="3", output="3", name="Paid"),
        ],
        source="feed",
        observed_at=start,
    )  # fmt: skip
    listed(store, "feed", ["google/gemini-x", "acme/gratis", "b/promo"], utc(*confirmed))
    return store


def test_a_free_offer_confirmed_lately_is_free_now(sqlite_store: PriceStore) -> None:
    free_store(sqlite_store, confirmed=(2026, 11, 25))
    free = reply_to(sqlite_store, "free")
    assert [r.label for r in free.rows] == ["Gratis", "Promo", "Gemini X"]
    cheapest = reply_to(sqlite_store, "cheapest")
    assert [(r.label, r.value) for r in cheapest.rows] == [
        ("1. Gemini X", "$1.75"),
        ("2. Paid", "$3.00"),
    ]
    assert "Gemini X is free within its caps and ranked at its paid price" in (
        render_text(cheapest)
    )


def test_a_free_offer_not_confirmed_within_the_window_was_free(sqlite_store: PriceStore) -> None:
    free_store(sqlite_store, confirmed=(2026, 10, 15))
    free = reply_to(sqlite_store, "free")
    # The promotion has an end date: free until then, confirmed or not.
    assert [r.label for r in free.rows] == ["Promo"]
    assert (
        "Was free, not confirmed within 30 days: Gemini X (Google, last confirmed 2026-10-15); "
        "Gratis (Acme, last confirmed 2026-10-15)." in free.lines
    )
    cheapest = reply_to(sqlite_store, "cheapest")
    assert [(r.label, r.value, "caps" in (r.note or "")) for r in cheapest.rows] == [
        ("1. Gemini X", "$1.75", False),  # ranked at its paid price, not "free within caps"
        ("2. Paid", "$3.00", False),
    ]
    assert "Free now: Promo (B until 2027-01-01)" in cheapest.lines
    price = reply_to(sqlite_store, "price gemini x")
    assert (
        "Was free (free tier with rate limits, last confirmed 2026-10-15); no source confirmed "
        "it within 30 days, so it is not counted as free." in price.lines
    )
    # A longer window, as a deployment may set it (PRICEBOT_FREE_CONFIRM_DAYS=60).
    longer = reply_to(sqlite_store, "free", free_confirm_days=60)
    assert [r.label for r in longer.rows] == ["Gratis", "Promo", "Gemini X"]
    query = parse_question("cheapest", load_snapshot(sqlite_store, NOW).vocabulary)
    assert isinstance(query, Query)
    gratis = rank(query, load_snapshot(sqlite_store, NOW))
    assert "acme/gratis" in [m.model_id for m in gratis.unknown]


def test_the_price_war_catalog_as_of_may_22_and_years_later(sqlite_store: PriceStore) -> None:
    load_bundled(sqlite_store)
    may = reply_to(
        sqlite_store, "cheapest for 1M tokens", now=end_of_day(date(2024, 5, 22)), currency="CNY"
    )
    free_line = next(line for line in may.lines if line.startswith("Free now:"))
    assert free_line.startswith(
        "Free now: ERNIE Lite (Baidu); ERNIE Speed (Baidu); Hunyuan-lite (Tencent Cloud); "
        "Gemini 1.5 Pro (Google) within caps"
    )
    assert (may.rows[0].label, may.rows[0].value) == ("1. Qwen-Long", "¥0.875")
    # Years later, the catalog's 2024 "free" (a free offer, or prices of zero) is no
    # longer confirmed: nothing is called free now, each says when it last was.
    later = reply_to(sqlite_store, "free")
    assert [r.label for r in later.rows] == []
    stale = next(line for line in later.lines if line.startswith("Was free"))
    for name in ("ERNIE Lite (Baidu", "ERNIE Speed (Baidu", "Gemini 1.5 Pro (Google"):
        assert f"{name}, last confirmed 2024-05-25)" in stale
    flat = reply_to(sqlite_store, "cheapest for 1M tokens top 20 in CNY")
    gemini = next(r for r in flat.rows if r.label.endswith("Gemini 1.5 Pro"))
    assert gemini.value == "¥37.80" and "caps" not in (gemini.note or "")


def test_a_stale_free_offer_with_zero_prices_is_unknown(sqlite_store: PriceStore) -> None:
    start = utc(2026, 9, 1)
    sqlite_store.record(
        [replace(quote("openrouter/x/y:free", when=start, input="0", output="0", name="Y free"),
                 free_offer=FreeOffer(), canonical_id="x/y")],
        source="openrouter",
        observed_at=start,
    )  # fmt: skip
    reply = reply_to(sqlite_store, "cheapest")
    assert not any(line.startswith("Free now") for line in reply.lines)
    assert "1 left out because a price this mix needs is unknown" in render_text(reply)
    assert "Was free, not confirmed within 30 days: Y free" in render_text(
        reply_to(sqlite_store, "free")
    )


@pytest.mark.parametrize(
    ("question", "language", "said"),
    [
        ("cheapest for 1M tokens", "en", "pricebot knows no prices yet"),
        ("free", "en", "pricebot knows no prices yet"),
        ("100万tokens最便宜的是哪个？", None, "pricebot 还不知道任何价格"),
    ],
)
def test_an_empty_store_says_it_knows_no_prices_not_that_none_match(
    sqlite_store: PriceStore, question: str, language: str | None, said: str
) -> None:
    """A chat asking before any source was read must not hear an answer ("no paid model
    matches", "nothing is free now") that reads as a fact about the market."""
    reply = reply_to(sqlite_store, question, language=language)
    text = render_text(reply)
    assert said in text
    assert "No paid model" not in text and "Nothing is free now" not in text
