"""Answers rank models, not offers: one row per model at its cheapest seller, the maker's
own price for a bare name, seller choices in English and Chinese, names that meet,
placeholders set aside, other modes counted. Real stores, real replies."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import (
    Defaults,
    Query,
    Refusal,
    SellerChoice,
    SnapshotCache,
    ask,
    load_snapshot,
    parse_question,
    rank,
    standing,
)
from bot.chat.render import render_json, render_text
from storage import FxRate, PriceStore, Quote, make_engine
from tests.answer_helpers import offer
from tests.helpers import quote, utc

NOW = utc(2026, 12, 1, 12)
SINCE = utc(2026, 2, 5)
OPUS = "anthropic/claude-opus-4-6"


def opus_offers() -> list[Quote]:
    """Anthropic's own Claude Opus 4.6 and three resellers' offers of it."""
    return [
        offer(OPUS, OPUS, when=SINCE, input="5", output="25", seller_name="Anthropic",
              name="Claude Opus 4.6", context=1_000_000),
        offer("vertex/claude-opus-4-6", OPUS, when=SINCE, input="5", output="25",
              seller_name="Google Vertex AI", name="Claude Opus 4.6", context=1_000_000),
        offer("aws/global.anthropic.claude-opus-4-6-v1:0", OPUS, when=SINCE, input="5.5",
              output="27.5", seller_name="AWS Bedrock", name="Claude Opus 4.6"),
        offer("openrouter/anthropic/claude-opus-4.6", OPUS, when=SINCE, input="5", output="25",
              seller_name="OpenRouter", name="Anthropic: Claude Opus 4.6", context=1_000_000),
    ]  # fmt: skip


def market() -> list[Quote]:
    """Claude Opus 4.6 from four sellers, LFM 7B under two OpenRouter spellings, a model
    only resellers sell, a Responses-API model, a placeholder-priced image model filed as
    chat, a music model, an embedding model."""
    return [
        *opus_offers(),
        offer("openrouter/liquid/lfm-7b", "liquid/lfm-7b", when=SINCE, input="0.01",
              output="0.01", seller_name="OpenRouter", name="LFM 7B"),
        offer("openrouter/liquid/lfm7b", "liquid/lfm-7b", when=SINCE, input="0.01",
              output="0.01", seller_name="OpenRouter", name="liquid/lfm-7b"),
        offer("openrouter/meta-llama/llama-3.1-8b-instruct", "meta/llama-3-1-8b-instruct",
              when=SINCE, input="0.02", output="0.05", seller_name="OpenRouter",
              name="Meta: Llama 3.1 8B Instruct"),
        offer("deepinfra/meta-llama/llama-3.1-8b-instruct", "meta/llama-3-1-8b-instruct",
              when=SINCE, input="0.03", output="0.05", seller_name="DeepInfra",
              name="Llama 3.1 8B Instruct"),
        replace(offer("openai/o3-pro", "openai/o3-pro", when=SINCE, input="20", output="80",
                      seller_name="OpenAI", name="o3-pro"), mode="responses"),
        offer("fireworks/accounts/fireworks/models/flux-1-dev-controlnet-union",
              "fireworks/flux-1-dev-controlnet-union", when=SINCE, input="0.001",
              output="0.001", seller_name="Fireworks AI", name="flux-1-dev-controlnet-union"),
        replace(offer("openrouter/google/lyria-3-pro-preview", "google/lyria-3-pro-preview",
                      when=SINCE, input="0.5", output="2", seller_name="OpenRouter",
                      name="Lyria 3 Pro Preview"), mode="audio"),
        replace(offer("openai/text-embedding-3-small", "openai/text-embedding-3-small",
                      when=SINCE, input="0.02", output="0.02", seller_name="OpenAI",
                      name="text-embedding-3-small"), mode="embedding"),
    ]  # fmt: skip


@pytest.fixture
def market_store(sqlite_store: PriceStore) -> PriceStore:
    sqlite_store.record(market(), source="feed", observed_at=SINCE)
    return sqlite_store


def reply_to(store: PriceStore, text: str, **defaults: object):  # type: ignore[no-untyped-def]
    return ask(SnapshotCache(store), text, now=NOW, defaults=Defaults(**defaults))  # type: ignore[arg-type]


def parsed(store: PriceStore, text: str) -> tuple[Query, object]:
    snapshot = load_snapshot(store, NOW)
    query = parse_question(text, snapshot.vocabulary)
    assert isinstance(query, Query), query
    return query, snapshot


def test_cheapest_has_one_row_per_model_naming_its_seller(market_store: PriceStore) -> None:
    reply = reply_to(market_store, "top 10 cheapest for 1M tokens")
    shown = [(r.label, r.value, r.note) for r in reply.rows]
    assert shown == [
        ("1. LFM 7B", "$0.01", "OpenRouter · $0.01 in, $0.01 out per 1M"),
        (
            "2. Llama 3.1 8B Instruct",
            "$0.0275",
            "OpenRouter · $0.02 in, $0.05 out per 1M · +1 other seller",
        ),
        (
            "3. Claude Opus 4.6",
            "$10.00",
            "Anthropic · $5.00 in, $25.00 out per 1M · +3 other sellers",
        ),
        ("4. o3-pro", "$35.00", "OpenAI · $20.00 in, $80.00 out per 1M"),
    ]
    text = render_text(reply)
    assert "Each model at its cheapest offer from any seller" in text
    # The placeholder is named, never crowned; the music model is counted, the embedding not.
    assert (
        "Set aside as placeholder prices, never ranked: flux-1-dev-controlnet-union "
        "(Fireworks AI, $0.001: $0.001 or less per 1M)." in text
    )
    assert (
        "1 non-text model left out (audio; priced per image, song, second or request, or not "
        "for text): Lyria 3 Pro Preview." in text
    )
    data = render_json(reply)["data"]
    assert [(r["model"], r["offer"], r["other_sellers"]) for r in data["ranked"]][2] == (
        OPUS,
        OPUS,
        3,
    )


def test_a_cheaper_reseller_ranks_the_model_at_its_price(market_store: PriceStore) -> None:
    market_store.record(
        [offer("vertex/claude-opus-4-6", OPUS, when=utc(2026, 11, 1), input="4", output="20",
               seller_name="Google Vertex AI", name="Claude Opus 4.6")],
        source="feed",
        observed_at=utc(2026, 11, 1),
    )  # fmt: skip
    reply = reply_to(market_store, "cheapest for 1M tokens from anthropic")
    assert [(r.label, r.value, r.note) for r in reply.rows] == [
        (
            "1. Claude Opus 4.6",
            "$8.00",
            "Google Vertex AI · $4.00 in, $20.00 out per 1M · +3 other sellers",
        )
    ]
    direct = reply_to(market_store, "cheapest for 1M tokens direct only")
    opus = next(r for r in direct.rows if "Claude Opus 4.6" in r.label)
    assert (opus.value, opus.note) == ("$10.00", "Anthropic · $5.00 in, $25.00 out per 1M")
    assert "makers' own offers only" in direct.lines[0]
    chinese = reply_to(market_store, "官方渠道 100万tokens最便宜", currency="USD")
    assert [r.label for r in chinese.rows] == [r.label for r in direct.rows]
    via = reply_to(market_store, "cheapest via openrouter")
    assert "via OpenRouter" in via.lines[0]
    assert {r.note.split(" · ")[0] for r in via.rows if r.note} == {"OpenRouter"}
    assert "3. Claude Opus 4.6" in [r.label for r in via.rows]


def test_standing_ranks_the_model_of_an_offer(market_store: PriceStore) -> None:
    query, snapshot = parsed(market_store, "cheapest for 1M tokens")
    for name in (OPUS, "vertex/claude-opus-4-6", "openrouter/anthropic/claude-opus-4.6"):
        place = standing(name, query, snapshot)  # type: ignore[arg-type]
        assert (place.position, place.of, place.offer) == (3, 4, OPUS), name
    flux = standing(
        "fireworks/accounts/fireworks/models/flux-1-dev-controlnet-union", query, snapshot
    )  # type: ignore[arg-type]
    assert flux.reason == "set aside"
    lyria = standing("openrouter/google/lyria-3-pro-preview", query, snapshot)  # type: ignore[arg-type]
    assert lyria.reason == "not a chat model"


def test_a_bare_name_means_the_makers_own_offer(market_store: PriceStore) -> None:
    reply = reply_to(market_store, "price claude-opus-4-6")
    text = render_text(reply)
    assert reply.title == "Claude Opus 4.6 prices"
    assert reply.lines[1] == f"{OPUS} · Anthropic (the maker) · context 1,000,000 tokens"
    assert [(r.label, r.value, r.note) for r in reply.rows[:2]] == [
        ("Input", "$5.00 per 1M", "since 2026-02-05"),
        ("Output", "$25.00 per 1M", "since 2026-02-05"),
    ]
    assert (
        "Cheapest other seller (3 other sellers): OpenRouter $10.00 for 1M tokens "
        "(blended 3:1) ($5.00 in, $25.00 out per 1M), openrouter/anthropic/claude-opus-4.6." in text
    )
    # Every spelling of the model meets.
    for spelling in ("Claude Opus 4.6", "claude-opus-4.6", "anthropic/claude-opus-4.6"):
        assert reply_to(market_store, f"price {spelling}").rows == reply.rows, spelling


def test_an_offer_id_means_that_offer(market_store: PriceStore) -> None:
    for name, seller in (
        ("openrouter/anthropic/claude-opus-4.6", "OpenRouter"),
        ("vertex/claude-opus-4-6", "Google Vertex AI"),
    ):
        reply = reply_to(market_store, f"price {name}")
        assert reply.lines[1].startswith(f"{name} · {seller}")
        assert reply.data["offer"] == name and reply.data["model"] == OPUS
        assert "The maker's own price: Anthropic $10.00 for 1M tokens" in render_text(reply)


def test_seller_choices_for_a_named_model(market_store: PriceStore) -> None:
    via = reply_to(market_store, "price claude-opus-4-6 via openrouter")
    assert via.data["offer"] == "openrouter/anthropic/claude-opus-4.6"
    assert reply_to(market_store, "price claude-opus-4-6 from openrouter").rows == via.rows
    assert reply_to(market_store, "通过openrouter claude-opus-4-6 价格").data["offer"] == (
        "openrouter/anthropic/claude-opus-4.6"
    )
    aws = reply_to(market_store, "price claude-opus-4-6 via aws")
    assert aws.data["offer"] == "aws/global.anthropic.claude-opus-4-6-v1:0"
    # LFM 7B is sold only by OpenRouter: the bare name says so and answers with it.
    lfm = reply_to(market_store, "price lfm-7b")
    assert "The maker (liquid) does not sell LFM 7B directly here: this is the cheapest offer" in (
        render_text(lfm)
    )
    direct = reply_to(market_store, "price lfm-7b direct only")
    assert direct.data["offer"] is None
    assert (
        'The maker (liquid) does not sell LFM 7B directly here; ask "… via any seller"'
        in direct.lines[1]
    )
    anyone = reply_to(market_store, "price llama 3.1 8b instruct any seller")
    assert anyone.data["offer"] == "openrouter/meta-llama/llama-3.1-8b-instruct"
    assert (
        reply_to(market_store, "llama 3.1 8b instruct 价格 任意渠道 美元").data["offer"]
        == (anyone.data["offer"])
    )


def test_compare_and_cost_use_the_makers_offer_and_name_the_others(
    market_store: PriceStore,
) -> None:
    compare = reply_to(market_store, "compare claude-opus-4.6 o3-pro")
    assert [r.label for r in compare.rows] == ["1. Claude Opus 4.6", "2. o3-pro"]
    opus = compare.rows[0].note or ""
    assert opus.startswith("Anthropic · input $3.75 + output $6.25")
    assert opus.endswith("cheapest other seller: OpenRouter $10.00")
    cost = reply_to(market_store, "cost lfm 7b 2M in 1M out")
    assert cost.rows[0].value == "$0.03"
    assert "this is the cheapest offer, from OpenRouter" in " ".join(cost.lines)


@pytest.mark.parametrize(
    ("text", "sellers", "via"),
    [
        ("cheapest via any seller", SellerChoice.ANY, set()),
        ("cheapest any seller", SellerChoice.ANY, set()),
        ("最便宜 任意渠道", SellerChoice.ANY, set()),
        ("cheapest direct only", SellerChoice.DIRECT, set()),
        ("cheapest official", SellerChoice.DIRECT, set()),
        ("官方 最便宜", SellerChoice.DIRECT, set()),
        ("官方渠道最便宜", SellerChoice.DIRECT, set()),
        ("cheapest via openrouter", SellerChoice.VIA, {"openrouter"}),
        ("cheapest", SellerChoice.DEFAULT, set()),
    ],
)
def test_seller_phrases(
    market_store: PriceStore, text: str, sellers: SellerChoice, via: set[str]
) -> None:
    query, _ = parsed(market_store, text)
    assert (query.sellers, set(query.via), query.vendors) == (sellers, via, frozenset())


def test_from_a_vendor_keeps_its_models_and_what_it_sells(market_store: PriceStore) -> None:
    query, _ = parsed(market_store, "cheapest from openrouter")
    assert query.vendors == {"openrouter"} and not query.via
    meta = reply_to(market_store, "cheapest from meta")  # a maker that sells nothing itself
    assert [r.label for r in meta.rows] == ["1. Llama 3.1 8B Instruct"]


def test_a_name_of_several_models_answers_with_the_candidates(sqlite_store: PriceStore) -> None:
    # Two offers of Gemini 2.5 Pro that no identity layer has joined yet: two models.
    sqlite_store.record(
        [
            quote(offer_id, when=SINCE, input="1.25", output="10", name="gemini-2.5-pro")
            for offer_id in ("gemini/gemini-2.5-pro", "vertex_ai/gemini-2.5-pro")
        ],
        source="feed",
        observed_at=SINCE,
    )
    reply = reply_to(sqlite_store, "price gemini-2.5-pro")
    assert reply.kind.value == "error" and "Traceback" not in render_text(reply)
    assert reply.title == (
        "'gemini-2.5-pro' could mean 2 models: gemini-2.5-pro by Gemini (gemini/gemini-2.5-pro); "
        "gemini-2.5-pro by Vertex_Ai (vertex_ai/gemini-2.5-pro). Say which, e.g. "
        "'gemini/gemini-2.5-pro'."
    )
    assert reply.data["examples"][0] == "price gemini/gemini-2.5-pro"
    assert reply_to(sqlite_store, reply.data["examples"][0]).title == "gemini-2.5-pro prices"


def test_offers_joined_under_one_model_just_work(sqlite_store: PriceStore) -> None:
    model = "google/gemini-2-5-pro"
    sqlite_store.record(
        [
            offer("google/gemini-2.5-pro", model, when=SINCE, input="1.25", output="10",
                  name="Gemini 2.5 Pro", seller_name="Google"),
            offer("openrouter/google/gemini-2.5-pro", model, when=SINCE, input="1.25",
                  output="10", name="Google: Gemini 2.5 Pro", seller_name="OpenRouter"),
        ],
        source="feed",
        observed_at=SINCE,
    )  # fmt: skip
    for spelling in ("gemini-2.5-pro", "Gemini 2.5 Pro", "gemini-2-5-pro", model):
        reply = reply_to(sqlite_store, f"price {spelling}")
        assert reply.data["offer"] == "google/gemini-2.5-pro", spelling


def test_placeholders_are_set_aside_by_each_rule(sqlite_store: PriceStore) -> None:
    sqlite_store.record_rates([FxRate("USD", "CNY", Decimal("7.2"), SINCE.date(), "test rate")])
    normal = [
        quote(f"v/m{i}", when=SINCE, input=str(i), output=str(2 * i), name=f"Model {i}")
        for i in range(1, 7)
    ]
    sqlite_store.record(
        [
            *normal,
            # Rule 1, in CNY: ¥0.005 is under $0.001.
            quote("east/tiny", when=SINCE, input="0.005", output="0.005", currency="CNY",
                  name="Tiny"),
            # Rule 2: under 1/100 of the same model's maker price.
            offer("cheapco/m3", "v/m3", when=SINCE, input="0.01", output="0.02",
                  name="Model 3"),
            # Rule 3: under 1/1000 of the median.
            quote("odd/model", when=SINCE, input="0.002", output="0.002", name="Odd"),
            # Not a placeholder: ¥0.1 is $0.014.
            quote("east/cheap", when=SINCE, input="0.1", output="0.1", currency="CNY",
                  name="Cheap"),
        ],
        source="feed",
        observed_at=SINCE,
    )  # fmt: skip
    query, snapshot = parsed(sqlite_store, "cheapest for 1M tokens in USD")
    ranking = rank(query, snapshot)  # type: ignore[arg-type]
    reasons = {s.model.model_id: s.reason for s in ranking.suspect}
    assert reasons == {
        "east/tiny": "placeholder",
        "odd/model": "below the median",
        "cheapco/m3": "below its other sellers",
    }
    assert [r.name for r in ranking.top[:2]] == ["Cheap", "Model 1"]
    model3 = next(r for r in ranking.top if r.name == "Model 3")
    assert model3.model.model_id == "v/m3"  # ranked at its maker's price
    text = render_text(answer_of(sqlite_store, "cheapest for 1M tokens in USD"))
    assert "Model 3 (Cheapco, $0.0125: under 1/100 of its other sellers)" in text
    assert "Odd (Odd, $0.002: under 1/1000 of the median)" in text


def answer_of(store: PriceStore, text: str):  # type: ignore[no-untyped-def]
    return reply_to(store, text)


def test_modes_that_answer(market_store: PriceStore) -> None:
    query, snapshot = parsed(market_store, "cheapest")
    ranking = rank(query, snapshot)  # type: ignore[arg-type]
    assert "o3-pro" in [r.name for r in ranking.top]
    assert [m.model_id for m in ranking.non_text] == ["openrouter/google/lyria-3-pro-preview"]
    # Input only: the embedding would have ranked, but nobody asks that of one.
    query, snapshot = parsed(market_store, "cheapest input only")
    assert [m.mode for m in rank(query, snapshot).non_text] == ["audio"]  # type: ignore[arg-type]
    free = reply_to(market_store, "free")
    assert "Lyria" not in render_text(free)


OFFER_IDS = st.sampled_from(
    ["a/x", "b/x", "c/x", "a/y", "b/y", "c/z", "d/w", "openrouter/a/x", "openrouter/a/x:free"]
)
MODELS = st.sampled_from(["", "a/x", "a/y", "c/z"])
AMOUNTS = st.sampled_from(["0", "0.0005", "0.001", "0.01", "0.5", "1", "3", "10", None])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(OFFER_IDS, MODELS, AMOUNTS, AMOUNTS), min_size=1, max_size=12),
    st.sampled_from(["cheapest", "cheapest input only", "top 50 cheapest from openrouter",
                     "cheapest direct only", "cheapest for 1M tokens at 1:1"]),
)  # fmt: skip
def test_ranking_never_shows_one_model_twice(
    migrated_sqlite: Path, offers: list[tuple[str, str, str | None, str | None]], question: str
) -> None:
    when = datetime(2026, 6, 1, tzinfo=UTC)
    quotes = {}
    for offer_id, model, inp, out in offers:
        if inp is None and out is None:
            inp = "1"
        zero = "0" in (inp, out)
        made = quote(offer_id, when=when, input=inp, output=out)
        quotes[offer_id] = (
            replace(made, canonical_id=model or None)
            if not zero
            else replace(made, canonical_id=model or None, prices=made.prices)
        )
    with tempfile.TemporaryDirectory() as tmp:
        # A copy of the worker's migrated file: migrating anew for each example is slow.
        shutil.copyfile(migrated_sqlite, Path(tmp) / "p.db")
        engine = make_engine(f"sqlite:///{Path(tmp) / 'p.db'}")
        store = PriceStore(engine)
        store.record(list(quotes.values()), source="feed", observed_at=when)
        snapshot = load_snapshot(store, NOW)
        query = parse_question(question, snapshot.vocabulary)
        assert not isinstance(query, Refusal)
        ranking = rank(query, snapshot, limit=50)
        keys = [r.model_key for r in ranking.top]
        assert len(keys) == len(set(keys))
        free = [f.model.model_key for f in ranking.free]
        assert len(free) == len(set(free)) and not set(free) & set(keys) - {
            k for k in keys if any(r.free_offer for r in ranking.top if r.model_key == k)
        }
        engine.dispose()


def test_the_parser_never_raises_on_offers_and_sellers(market_store: PriceStore) -> None:
    vocabulary = load_snapshot(market_store, NOW).vocabulary
    words = st.sampled_from(
        ["price", "cheapest", "compare", "cost", "via", "from", "openrouter", "any seller",
         "direct only", "官方", "任意渠道", "通过", "claude-opus-4.6", "Claude Opus 4.6",
         "vertex/claude-opus-4-6", "openrouter/anthropic/claude-opus-4.6", "lfm 7b", "lfm-7b",
         "aws", "anthropic", "meta", "1M", "in", "out", "3:1", "not", "and", "llama", "3.1"]
    )  # fmt: skip

    @settings(max_examples=200, deadline=None)
    @given(st.lists(words, max_size=10).map(" ".join))
    def never_raises(text: str) -> None:
        result = parse_question(text, vocabulary)
        if isinstance(result, Refusal):
            assert len(result.examples) == 3
            assert all(isinstance(parse_question(e, vocabulary), Query) for e in result.examples)
        else:
            assert all(m in vocabulary.models or m in vocabulary.offers for m in result.models)
            reply_to(market_store, text)

    never_raises()
