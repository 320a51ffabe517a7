"""The three feeds' parsers on small files in their real formats (tests/fixtures/feeds/).

Real model names and published prices: each test is one case of issue 11 as a user
would meet it (one model under many offers, true dates, unknown is never free).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from bot.sources.base import Snapshot
from bot.sources.genai_prices import parse_genai_prices
from bot.sources.litellm import parse_litellm
from bot.sources.openrouter import parse_openrouter
from storage import DateBasis, Quote
from tests.helpers import utc

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
NOW = utc(2026, 11, 1, 9)


def genai(now: datetime = NOW) -> Snapshot:
    return parse_genai_prices((FEEDS / "genai_prices.json").read_bytes(), now, "genai.json")


def litellm() -> Snapshot:
    return parse_litellm((FEEDS / "litellm.json").read_bytes(), NOW, "litellm.json")


def openrouter() -> Snapshot:
    return parse_openrouter((FEEDS / "openrouter.json").read_bytes(), NOW, "openrouter.json")


def offers(snapshot: Snapshot) -> dict[str, list[Quote]]:
    found: dict[str, list[Quote]] = {}
    for quote in snapshot.quotes:
        found.setdefault(quote.model_id, []).append(quote)
    return found


def one(snapshot: Snapshot, offer: str) -> Quote:
    [quote] = offers(snapshot)[offer]
    return quote


def price(quote: Quote, kind: str = "input", tier: int = 0) -> Decimal | None:
    found = {(p.kind.value, p.tier): p.amount.amount for p in quote.prices}
    return found.get((kind, tier))


def skipped(snapshot: Snapshot) -> dict[str, str]:
    return {r.entry: r.reason for r in snapshot.skipped}


# ---- genai-prices -----------------------------------------------------------------------


def test_genai_o3_cut_is_dated_and_the_price_before_it_is_inferred() -> None:
    o3 = offers(genai())["openai/o3"]
    assert [(q.effective_at, q.date_basis, price(q), price(q, "output")) for q in o3] == [
        # genai-prices gives no start for $10/$40: o3-2025-04-16 says since when at the latest.
        (utc(2025, 4, 16), DateBasis.INFERRED, Decimal(10), Decimal(40)),
        (utc(2025, 6, 10), DateBasis.EFFECTIVE, Decimal(2), Decimal(8)),
        (NOW, DateBasis.OBSERVED, Decimal(2), Decimal(8)),
    ]
    assert {q.canonical_id for q in o3} == {"openai/o3"}
    assert o3[0].aliases == ("openai/o3-2025-04-16",)


def test_genai_undated_price_is_observed_at_the_fetch_and_snapshots_are_offers_of_the_model() -> (
    None
):
    snapshot = genai()
    gpt4o = one(snapshot, "openai/gpt-4o")
    assert (gpt4o.effective_at, gpt4o.date_basis, price(gpt4o)) == (
        NOW,
        DateBasis.OBSERVED,
        Decimal("2.5"),
    )
    snapshot_offer = one(snapshot, "openai/gpt-4o-2024-05-13")
    assert (snapshot_offer.canonical_id, price(snapshot_offer)) == ("openai/gpt-4o", Decimal(5))
    azure = one(snapshot, "azure/o3-2025-04-16")
    assert (azure.vendor, azure.canonical_id) == ("azure", "openai/o3")
    assert all(q.effective_at.year > 1970 for q in snapshot.quotes)


def test_genai_a_surcharge_that_ends_is_a_dated_set_without_the_tier() -> None:
    opus = {q.effective_at: q for q in offers(genai())["anthropic/claude-opus-4-6"]}
    before, after = opus[utc(2026, 3, 12)], opus[utc(2026, 3, 13)]
    assert before.date_basis is DateBasis.INFERRED
    assert (price(before, "input", 200000), price(before, "output", 200000)) == (
        Decimal(10),
        Decimal("37.5"),
    )
    assert after.date_basis is DateBasis.EFFECTIVE
    assert [p.tier for p in after.prices] == [0, 0, 0, 0]  # flat over the whole window
    assert (price(after), price(after, "output")) == (Decimal(5), Decimal(25))


def test_genai_google_s_claude_is_a_vertex_offer_of_anthropic_s_model() -> None:
    snapshot = genai()
    vertex = offers(snapshot)["vertex/claude-opus-4-6"]
    assert {(q.vendor, q.vendor_name, q.canonical_id) for q in vertex} == {
        ("vertex", "Google Vertex AI", "anthropic/claude-opus-4-6")
    }
    assert vertex[0].source_ref == "https://cloud.google.com/vertex-ai/generative-ai/pricing"
    sonnet = one(snapshot, "vertex/claude-3-5-sonnet")
    assert sonnet.canonical_id == one(snapshot, "anthropic/claude-3-5-sonnet").canonical_id
    gemini = one(snapshot, "google/gemini-2.5-flash")
    assert (gemini.vendor, gemini.canonical_id) == ("google", "google/gemini-2-5-flash")
    assert not [m for m in offers(snapshot) if m.startswith("google/claude")]


def test_genai_empty_free_entries_are_unknown_not_free() -> None:
    snapshot = genai()
    reasons = skipped(snapshot)
    for entry in (
        "mistral/mistral-nemo:free",
        "mistral/devstral-small:free",
        "azure/mai-ds-r1:free",
        "azure/phi-4-reasoning:free",
        "openrouter/meta-llama/llama-3.3-70b-instruct:free",
    ):
        assert "unknown, not a free offer" in reasons[entry]
    nemo = one(snapshot, "mistral/mistral-nemo")
    assert price(nemo) == Decimal("0.15") and nemo.free_offer is None
    assert not [q for q in snapshot.quotes if q.free_offer is not None]
    assert "mistral/devstral-small" not in offers(snapshot)


def test_genai_one_seller_s_two_spellings_are_one_offer() -> None:
    lfm = one(genai(), "openrouter/liquid/lfm-7b")
    assert (lfm.display_name, lfm.canonical_id, price(lfm)) == (
        "LFM 7B",
        "liquid/lfm-7b",
        Decimal("0.01"),
    )
    assert "openrouter/lfm-7b" not in offers(genai())


def test_genai_pointers_batch_and_other_units_are_named_not_quoted() -> None:
    snapshot = genai()
    reasons = skipped(snapshot)
    assert "pointer" in reasons["openrouter/~anthropic/claude-opus-latest"]
    assert "batch" in reasons["openrouter/deepseek/deepseek-v4-flash-0731:batch"]
    assert reasons["openai/whisper-1"] == "not priced per token (audio_hours, input_audio_hours)"
    assert not [m for m in offers(snapshot) if "~" in m or m.endswith(":batch")]
    assert snapshot.rejected == () and snapshot.entries == 25


def test_genai_a_first_change_still_to_come_leaves_the_price_now_observed() -> None:
    early = utc(2026, 10, 1, 9)
    llama = offers(genai(early))["openrouter/meta-llama/llama-3.3-70b-instruct"]
    assert [(q.effective_at, q.date_basis, price(q)) for q in llama] == [
        (early, DateBasis.OBSERVED, Decimal("0.05")),
        (utc(2026, 10, 19), DateBasis.EFFECTIVE, Decimal("0.1")),
        (utc(2026, 11, 3), DateBasis.EFFECTIVE, Decimal("0.45")),
        (utc(2026, 11, 9), DateBasis.EFFECTIVE, Decimal("0.59")),
    ]
    # Once the change has happened, the price before it is inferred: the day before.
    later = offers(genai())["openrouter/meta-llama/llama-3.3-70b-instruct"]
    assert (later[0].effective_at, later[0].date_basis) == (utc(2026, 10, 18), DateBasis.INFERRED)


# ---- LiteLLM --------------------------------------------------------------------------


def test_litellm_one_model_many_offers() -> None:
    snapshot = litellm()
    claude = {
        q.model_id: price(q)
        for q in snapshot.quotes
        if q.canonical_id == "anthropic/claude-opus-4-6" and q.prices
    }
    assert claude == {
        "anthropic/claude-opus-4-6": Decimal(5),
        "anthropic/claude-opus-4-6-20260205": Decimal(5),
        "vertex/claude-opus-4-6": Decimal(5),
        "vertex/claude-opus-4-6@default": Decimal(5),
        "aws/global.anthropic.claude-opus-4-6-v1": Decimal(5),
        "aws/eu.anthropic.claude-opus-4-6-v1": Decimal("5.5"),  # the regional surcharge
        "openrouter/anthropic/claude-opus-4.6": Decimal(5),
    }
    assert one(snapshot, "perplexity/anthropic/claude-opus-4-6").prices == ()
    assert {q.date_basis for q in snapshot.quotes} == {DateBasis.OBSERVED}
    assert {q.effective_at for q in snapshot.quotes} == {NOW}


def test_litellm_bare_and_prefixed_keys_are_one_offer() -> None:
    deepseek = one(litellm(), "deepseek/deepseek-chat")
    assert (deepseek.aliases, deepseek.canonical_id) == (
        ("deepseek-chat",),
        "deepseek/deepseek-chat",
    )
    assert (price(deepseek), price(deepseek, "cached_input")) == (Decimal("0.28"), Decimal("0.028"))


def test_litellm_snapshots_regions_and_sellers_of_their_own() -> None:
    snapshot = litellm()
    dated = one(snapshot, "openai/gpt-4o-2024-05-13")
    assert (dated.canonical_id, price(dated), price(dated, "output")) == (
        "openai/gpt-4o",
        Decimal(5),
        Decimal(15),
    )  # batch and priority prices left out
    assert one(snapshot, "azure/eu/gpt-4o-2024-08-06").canonical_id == "openai/gpt-4o"
    glm = one(snapshot, "zai/glm-4.5")
    assert (glm.vendor, glm.canonical_id) == ("zai", "zhipu/glm-4-5")


def test_litellm_an_image_model_filed_as_chat_is_an_image_model() -> None:
    flux = one(litellm(), "fireworks/accounts/fireworks/models/flux-1-dev-controlnet-union")
    assert flux.mode == "image_generation"
    assert flux.canonical_id == "black-forest-labs/flux-1-dev-controlnet-union"
    assert price(flux) == Decimal("0.001")  # the placeholder is kept, under its true mode


def test_litellm_tiers_zeros_routers_and_other_units() -> None:
    snapshot = litellm()
    gemini = one(snapshot, "google/gemini-2.5-pro")
    assert (price(gemini, "input", 200000), price(gemini, "output", 200000)) == (
        Decimal("2.5"),
        Decimal(15),
    )
    assert price(gemini, "cached_input", 200000) == Decimal("0.25")
    assert one(snapshot, "ollama/llama3").prices == ()  # zero: unknown (local), not free
    reasons = skipped(snapshot)
    assert "router" in reasons["openrouter/openrouter/auto"]
    assert reasons["dall-e-3"] == "not priced per token (input_cost_per_image)"
    assert snapshot.entries == 19 and snapshot.rejected == ()


# ---- OpenRouter -----------------------------------------------------------------------


def test_openrouter_offers_name_their_model() -> None:
    snapshot = openrouter()
    opus = one(snapshot, "openrouter/anthropic/claude-opus-4.6")
    assert (opus.canonical_id, opus.date_basis, opus.effective_at) == (
        "anthropic/claude-opus-4-6",
        DateBasis.OBSERVED,
        NOW,
    )
    assert (price(opus), price(opus, "cache_write")) == (Decimal(5), Decimal("6.25"))
    assert opus.aliases == ("openrouter/anthropic/claude-4.6-opus-20260205",)
    extended = one(snapshot, "openrouter/openai/gpt-4o:extended")
    assert (extended.canonical_id, extended.aliases) == ("openai/gpt-4o", ())


def test_openrouter_pointers_and_routers_are_skipped() -> None:
    reasons = skipped(openrouter())
    assert "pointer" in reasons["~anthropic/claude-opus-latest"]
    assert "router" in reasons["openrouter/auto"]
    assert not [m for m in offers(openrouter()) if "latest" in m or m.endswith("/auto")]


def test_openrouter_a_song_at_zero_per_token_is_not_free() -> None:
    snapshot = openrouter()
    assert "openrouter/google/lyria-3-pro-preview" not in offers(snapshot)
    assert skipped(snapshot)["google/lyria-3-pro-preview"] == "makes audio: not priced per token"
    assert snapshot.unknown_prices == 2  # its two zeros: unknown, never free
    image = one(snapshot, "openrouter/google/gemini-2.5-flash-image")
    assert (image.mode, price(image)) == ("image", Decimal("0.3"))


def test_openrouter_free_variant_is_a_capped_free_offer_of_its_base_model() -> None:
    llama = one(openrouter(), "openrouter/meta-llama/llama-3.3-70b-instruct")
    assert llama.free_offer is not None and llama.free_offer.active
    assert llama.free_offer.cap_note == ":free variant, rate-limited"
    assert price(llama) == Decimal("0.59")
    assert llama.canonical_id == "meta/llama-3-3-70b-instruct"


def test_the_same_offer_from_two_feeds_is_one_offer() -> None:
    from_openrouter = one(openrouter(), "openrouter/liquid/lfm-7b")
    from_genai = one(genai(), "openrouter/liquid/lfm-7b")
    assert from_openrouter.canonical_id == from_genai.canonical_id == "liquid/lfm-7b"
    assert price(from_openrouter) == price(from_genai) == Decimal("0.01")
