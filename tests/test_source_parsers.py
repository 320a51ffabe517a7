"""Each feed's parser on small files the tests write: known prices exact, traps caught."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.sources import FeedError
from bot.sources.catalog import parse_catalog_feed
from bot.sources.ecb import parse_ecb
from bot.sources.genai_prices import parse_genai_prices, read_bundled
from bot.sources.litellm import parse_litellm
from bot.sources.openrouter import parse_openrouter
from storage import DateBasis, FreeOffer, Money, PriceKind, Quote
from tests.helpers import utc

NOW = utc(2026, 11, 1, 9)


def prices(quote: Quote) -> dict[tuple[str, int], Money]:
    return {(p.kind.value, p.tier): p.amount for p in quote.prices}


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def by_id(quotes: tuple[Quote, ...]) -> dict[str, list[Quote]]:
    found: dict[str, list[Quote]] = {}
    for q in quotes:
        found.setdefault(q.model_id, []).append(q)
    return found


def write(tmp_path: Path, name: str, body: str) -> bytes:
    """Write the fixture to a file and read it back, as a user's downloaded feed would be."""
    path = tmp_path / name
    path.write_text(body, "utf-8")
    return path.read_bytes()


# ---- genai-prices ---------------------------------------------------------------------


GENAI = [
    {
        "id": "openai",
        "name": "OpenAI",
        "pricing_urls": ["https://openai.com/api/pricing/"],
        "models": [
            {
                "id": "o9",
                "name": "o9",
                "context_window": 200000,
                "match": {"or": [{"equals": "o9"}, {"equals": "o9-2025-04-16"}]},
                "prices": [
                    {"prices": {"input_mtok": 10, "output_mtok": 40, "cache_read_mtok": 2.5}},
                    {
                        "constraint": {"start_date": "2025-06-10"},
                        "prices": {"input_mtok": 2, "output_mtok": 8, "cache_read_mtok": 0.5},
                    },
                    {
                        "constraint": {"start_date": "2030-01-01"},
                        "prices": {"input_mtok": 1, "output_mtok": 4},
                    },
                ],
            },
            {
                "id": "gpt-long",
                "match": {"equals": "gpt-long"},
                "prices": {
                    "input_mtok": {"base": 1.25, "tiers": [{"start": 200000, "price": 2.5}]},
                    "output_mtok": 10,
                },
            },
            {"id": "sub-only", "match": {"equals": "sub-only"}, "prices": {}},
            {
                "id": "gift",
                "match": {"equals": "gift"},
                "prices": {"input_mtok": 0, "output_mtok": 0},
            },
        ],
    },
    {
        "id": "deepseek",
        "name": "DeepSeek",
        "models": [
            {
                "id": "deepseek-chat",
                "match": {"equals": "deepseek-chat"},
                # genai-prices' way: the off-peak price undated, the day price in a window.
                "prices": [
                    {"prices": {"input_mtok": 0.135, "output_mtok": 0.55}},
                    {
                        "constraint": {"start_time": "00:30:00Z", "end_time": "16:30:00Z"},
                        "prices": {"input_mtok": 0.27, "output_mtok": 1.1},
                    },
                ],
            }
        ],
    },
    {
        "id": "openrouter",
        "name": "OpenRouter",
        "models": [
            {"id": "acme/a1", "match": {"equals": "acme/a1"}, "prices": {"input_mtok": 1}},
            # Empty prices: unknown, whatever the id says; explicit zeros: a free offer.
            {"id": "acme/a1:free", "match": {"equals": "acme/a1:free"}, "prices": {}},
            {"id": "acme/a2", "prices": {"input_mtok": 2, "output_mtok": 4}},
            {"id": "acme/a2:free", "prices": {"input_mtok": 0, "output_mtok": 0}},
            {"id": "acme/gift:free", "prices": {"input_mtok": 0, "output_mtok": 0}},
            {
                "id": "acme/a3",
                "prices": [
                    {"prices": {"input_mtok": 3}},
                    {"constraint": {"start_date": "2030-01-01"}, "prices": {"input_mtok": 2}},
                ],
            },
            {"id": "acme/a3:free", "prices": {"input_mtok": 0}},
            {"id": "acme/a4:free", "prices": {"input_mtok": 0.5}},
            {
                "id": "acme/a1:batch",
                "match": {"equals": "acme/a1:batch"},
                "prices": {"input_mtok": 0.5},
            },
        ],
    },
]


def test_genai_dated_changes_are_quotes_at_their_dates(tmp_path: Path) -> None:
    snapshot = parse_genai_prices(write(tmp_path, "data.json", json.dumps(GENAI)), NOW, "f")
    o9 = by_id(snapshot.quotes)["openai/o9"]
    assert [(q.effective_at, q.date_basis, prices(q)[("input", 0)]) for q in o9] == [
        # Before the first change the feed gives no start: the model's own dated
        # snapshot name (o9-2025-04-16) says since when at the latest. Never 1970.
        (utc(2025, 4, 16), DateBasis.INFERRED, usd("10")),
        (utc(2025, 6, 10), DateBasis.EFFECTIVE, usd("2")),
        (NOW, DateBasis.OBSERVED, usd("2")),  # in force at the fetch
        (utc(2030, 1, 1), DateBasis.EFFECTIVE, usd("1")),  # scheduled: recorded with its date
    ]
    assert prices(o9[0])[("cached_input", 0)] == usd("2.5")
    assert o9[0].aliases == ("openai/o9-2025-04-16",)
    assert (o9[0].vendor_name, o9[0].context_window, o9[0].mode) == ("OpenAI", 200000, "chat")
    assert o9[0].source_ref == "https://openai.com/api/pricing/"
    assert {q.canonical_id for q in o9} == {"openai/o9"}


def test_genai_undated_prices_are_observed_at_the_fetch(tmp_path: Path) -> None:
    snapshot = parse_genai_prices(write(tmp_path, "data.json", json.dumps(GENAI)), NOW, "f")
    quotes = by_id(snapshot.quotes)
    [tiered] = quotes["openai/gpt-long"]
    assert (tiered.effective_at, tiered.date_basis) == (NOW, DateBasis.OBSERVED)
    # A first change still in the future: the price before it is the one in force now.
    a3 = quotes["openrouter/acme/a3"]
    assert [(q.effective_at, q.date_basis) for q in a3] == [
        (NOW, DateBasis.OBSERVED),
        (utc(2030, 1, 1), DateBasis.EFFECTIVE),
    ]
    assert all(q.effective_at.year > 1970 for q in snapshot.quotes)


def test_genai_tiers_windows_empty_and_zero(tmp_path: Path) -> None:
    snapshot = parse_genai_prices(write(tmp_path, "data.json", json.dumps(GENAI)), NOW, "f")
    quotes = by_id(snapshot.quotes)
    [tiered] = quotes["openai/gpt-long"]
    assert prices(tiered) == {
        ("input", 0): usd("1.25"),
        ("input", 200000): usd("2.5"),
        ("output", 0): usd("10"),
    }
    # In force 16 hours of the day: the list price, not the off-peak discount.
    [deepseek] = quotes["deepseek/deepseek-chat"]
    assert prices(deepseek) == {("input", 0): usd("0.27"), ("output", 0): usd("1.1")}
    assert "openai/sub-only" not in quotes  # empty prices: free or not per token — unknown
    [gift] = quotes["openai/gift"]
    assert prices(gift) == {("input", 0): usd("0"), ("output", 0): usd("0")}  # a curated zero


def test_genai_free_variants_are_free_only_when_priced_at_zero(tmp_path: Path) -> None:
    snapshot = parse_genai_prices(write(tmp_path, "data.json", json.dumps(GENAI)), NOW, "f")
    quotes = by_id(snapshot.quotes)
    # acme/a1:free has an empty price set: unknown, not a free offer.
    [a1] = quotes["openrouter/acme/a1"]
    assert prices(a1) == {("input", 0): usd("1")}
    assert a1.free_offer is None or not a1.free_offer.active
    [a2] = quotes["openrouter/acme/a2"]
    assert a2.free_offer is not None and a2.free_offer.active
    [gift] = quotes["openrouter/acme/gift"]
    assert gift.prices == () and gift.free_offer is not None and gift.free_offer.active
    assert (gift.effective_at, gift.date_basis) == (NOW, DateBasis.OBSERVED)
    assert not [m for m in quotes if ":" in m]  # no :free or :batch models of their own
    assert "openrouter/acme/a4" not in quotes  # a :free at a price is no free offer
    # The offer is about now, not about the price scheduled for 2030.
    offers = {q.effective_at: q.free_offer for q in quotes["openrouter/acme/a3"]}
    assert offers[NOW] is not None and offers[NOW].active
    assert offers[utc(2030, 1, 1)] is None
    skipped = {r.entry: r.reason for r in snapshot.skipped}
    assert "not a free offer" in skipped["openrouter/acme/a1:free"]
    assert "batch" in skipped["openrouter/acme/a1:batch"]
    assert "empty price set" in skipped["openai/sub-only"]


def test_genai_two_spellings_of_one_offer_keep_the_sellers_own_id(tmp_path: Path) -> None:
    """genai-prices lists some OpenRouter models twice: the old bare key and the real slug."""
    router = {
        "id": "openrouter",
        "name": "OpenRouter",
        "models": [
            {"id": "magnum-72b", "prices": {"input_mtok": 4, "output_mtok": 6}},
            {"id": "anthracite-org/magnum-72b", "prices": {"input_mtok": 3, "output_mtok": 5}},
            {"id": "lfm-7b", "prices": {"input_mtok": 0.01, "output_mtok": 0.01}},
            {"id": "liquid/lfm-7b", "prices": {"input_mtok": 0.01, "output_mtok": 0.01}},
        ],
    }
    body = write(tmp_path, "data.json", json.dumps([router]))
    snapshot = parse_genai_prices(body, NOW, "f")
    quotes = by_id(snapshot.quotes)
    [magnum] = quotes["openrouter/anthracite-org/magnum-72b"]
    assert prices(magnum) == {("input", 0): usd("3"), ("output", 0): usd("5")}
    assert len(quotes["openrouter/liquid/lfm-7b"]) == 1
    assert {r.entry: r.reason for r in snapshot.skipped}["openrouter/magnum-72b"] == (
        "an older spelling whose prices disagree; kept the seller's own id"
    )
    assert snapshot.rejected == ()


def test_genai_a_snapshot_name_years_before_the_first_change_is_not_its_start(
    tmp_path: Path,
) -> None:
    """OpenRouter's nemotron-3-super-120b-a12b-20230311 names a 2026 model (a typo)."""
    router = {
        "id": "openrouter",
        "name": "OpenRouter",
        "models": [
            {
                "id": "nvidia/nemotron-3-super-120b-a12b",
                "match": {
                    "or": [
                        {"equals": "nvidia/nemotron-3-super-120b-a12b"},
                        {"equals": "nvidia/nemotron-3-super-120b-a12b-20230311"},
                    ]
                },
                "prices": [
                    {"prices": {"input_mtok": 0.09, "output_mtok": 0.45}},
                    {
                        "constraint": {"start_date": "2026-10-19"},
                        "prices": {"input_mtok": 0.08, "output_mtok": 0.45},
                    },
                ],
            }
        ],
    }
    body = write(tmp_path, "data.json", json.dumps([router]))
    quotes = by_id(parse_genai_prices(body, NOW, "f").quotes)
    first = quotes["openrouter/nvidia/nemotron-3-super-120b-a12b"][0]
    assert (first.effective_at, first.date_basis) == (utc(2026, 10, 18), DateBasis.INFERRED)


def test_genai_bundled_data_tells_the_truth_about_dates_and_free() -> None:
    snapshot = read_bundled(NOW)
    assert snapshot.entries > 2000 and snapshot.location.startswith("bundled:genai-prices ")
    # The only entries refused are offers listed twice at different prices.
    assert {r.reason for r in snapshot.rejected} <= {
        "listed twice with different prices; skipped this time"
    }
    quotes = by_id(snapshot.quotes)
    o3 = [(q.effective_at, q.date_basis, prices(q)[("input", 0)]) for q in quotes["openai/o3"]]
    assert o3[:2] == [
        (utc(2025, 4, 16), DateBasis.INFERRED, usd("10")),  # o3-2025-04-16
        (utc(2025, 6, 10), DateBasis.EFFECTIVE, usd("2")),
    ]
    # gpt-4o has one undated price in genai-prices: seen at the fetch, nothing before.
    [gpt4o] = quotes["openai/gpt-4o"]
    assert (gpt4o.date_basis, prices(gpt4o)[("input", 0)]) == (DateBasis.OBSERVED, usd("2.5"))
    # claude-opus-4-6: the >200K surcharge ends on 2026-03-13 (the dated set has no tier).
    opus = {q.effective_at: q for q in quotes["anthropic/claude-opus-4-6"]}
    assert prices(opus[utc(2026, 3, 12)])[("input", 200000)] == usd("10")
    assert opus[utc(2026, 3, 12)].date_basis is DateBasis.INFERRED
    assert all(p.tier == 0 for p in opus[utc(2026, 3, 13)].prices)
    # Google's Claude is its Vertex AI resale of Anthropic's model.
    [vertex, *_] = quotes["vertex/claude-opus-4-6"]
    assert (vertex.vendor, vertex.canonical_id) == ("vertex", "anthropic/claude-opus-4-6")
    # Empty :free entries are unknown, not free offers of anything.
    for entry in (
        "mistral/mistral-nemo:free",
        "mistral/devstral-small:free",
        "mistral/mistral-small-24b-instruct-2501:free",
        "azure/mai-ds-r1:free",
        "azure/phi-4-reasoning:free",
        "azure/phi-4-reasoning-plus:free",
    ):
        assert entry in {r.entry for r in snapshot.skipped}
    assert not [q for q in snapshot.quotes if q.free_offer and q.free_offer.active]
    assert all(q.effective_at.year > 1970 for q in snapshot.quotes)


def test_genai_not_a_provider_list_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="not genai-prices data"):
        parse_genai_prices(write(tmp_path, "d.json", '{"providers": []}'), NOW, "d.json")


# ---- LiteLLM ------------------------------------------------------------------------


LITELLM = """{
  "sample_spec": {"litellm_provider": "one of https://docs.litellm.ai/docs/providers",
                  "input_cost_per_token": 0.0, "mode": "one of: chat, embedding"},
  "deepseek-chat": {"litellm_provider": "deepseek", "mode": "chat", "max_input_tokens": 131072,
                    "input_cost_per_token": 2.8e-07, "output_cost_per_token": 4.2e-07,
                    "cache_read_input_token_cost": 2.8e-08},
  "deepseek/deepseek-chat": {"litellm_provider": "deepseek", "mode": "chat",
                    "input_cost_per_token": 2.8e-07, "output_cost_per_token": 4.2e-07,
                    "cache_read_input_token_cost": 2.8e-08, "cache_creation_input_token_cost": 0.0},
  "odd/float": {"litellm_provider": "odd", "mode": "completion",
                "input_cost_per_token": 9.499999999999999e-07, "output_cost_per_token": 1e-06},
  "gemini/gemini-long": {"litellm_provider": "gemini", "mode": "chat",
                "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
                "input_cost_per_token_above_200k_tokens": 2.5e-06,
                "input_cost_per_token_batches": 6.25e-07},
  "dashscope/qwen-flash": {"litellm_provider": "dashscope", "mode": "chat",
                "tiered_pricing": [
                  {"range": [0, 256000.0], "input_cost_per_token": 5e-08,
                   "output_cost_per_token": 4e-07},
                  {"range": [256000.0, 1000000.0], "input_cost_per_token": 2.5e-07,
                   "output_cost_per_token": 2e-06}]},
  "ollama/llama3": {"litellm_provider": "ollama", "mode": "chat",
                    "input_cost_per_token": 0.0, "output_cost_per_token": 0.0},
  "bad/prices": {"litellm_provider": "bad", "mode": "chat",
                 "input_cost_per_token": -1, "output_cost_per_token": NaN},
  "text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding",
                             "input_cost_per_token": 2e-08},
  "acme/latest": {"alias_of": "acme/a1"},
  "nobody/knows": {"mode": "chat", "input_cost_per_token": 1e-06},
  "broken": "not an entry"
}"""


def test_litellm_per_token_floats_become_exact_per_million(tmp_path: Path) -> None:
    snapshot = parse_litellm(write(tmp_path, "map.json", LITELLM), NOW, "map.json")
    quotes = {q.model_id: q for q in snapshot.quotes}
    assert prices(quotes["deepseek/deepseek-chat"]) == {
        ("input", 0): usd("0.28"),
        ("output", 0): usd("0.42"),
        ("cached_input", 0): usd("0.028"),
    }
    # Decimal(str(x)), never Decimal(x): the float's shortest repr, times 1,000,000.
    assert prices(quotes["odd/float"])[("input", 0)].amount == Decimal("0.9499999999999999")
    assert all(q.effective_at == NOW for q in snapshot.quotes)


def test_litellm_bare_and_prefixed_keys_are_one_model(tmp_path: Path) -> None:
    snapshot = parse_litellm(write(tmp_path, "map.json", LITELLM), NOW, "map.json")
    deepseek = [q for q in snapshot.quotes if q.model_id == "deepseek/deepseek-chat"]
    assert len(deepseek) == 1
    assert deepseek[0].aliases == ("deepseek-chat",)
    assert deepseek[0].context_window == 131072


def test_litellm_zero_negative_and_nan_are_unknown(tmp_path: Path) -> None:
    snapshot = parse_litellm(write(tmp_path, "map.json", LITELLM), NOW, "map.json")
    quotes = {q.model_id: q for q in snapshot.quotes}
    assert quotes["ollama/llama3"].prices == ()  # zero means unknown/local here, not free
    assert quotes["bad/prices"].prices == ()
    # ollama's two zeros, -1, NaN, and the zero cache-creation price of deepseek/deepseek-chat.
    assert snapshot.unknown_prices == 5


def test_litellm_tiers_modes_and_what_is_not_a_model(tmp_path: Path) -> None:
    snapshot = parse_litellm(write(tmp_path, "map.json", LITELLM), NOW, "map.json")
    quotes = {q.model_id: q for q in snapshot.quotes}
    assert prices(quotes["google/gemini-long"]) == {
        ("input", 0): usd("1.25"),
        ("output", 0): usd("10"),
        ("input", 200000): usd("2.5"),  # batch price left out
    }
    assert prices(quotes["alibaba/qwen-flash"]) == {
        ("input", 0): usd("0.05"),
        ("output", 0): usd("0.4"),
        ("input", 256000): usd("0.25"),
        ("output", 256000): usd("2"),
    }
    assert quotes["openai/text-embedding-3-small"].mode == "embedding"
    assert quotes["odd/float"].mode == "completion"
    assert not any("sample" in m or "latest" in m for m in quotes)
    assert {r.entry for r in snapshot.rejected} == {"nobody/knows", "broken"}
    assert snapshot.entries == 11


def test_litellm_duplicate_keys_that_disagree_are_skipped(tmp_path: Path) -> None:
    body = json.dumps(
        {
            "acme/a1": {"litellm_provider": "acme", "input_cost_per_token": 1e-06},
            "a1": {"litellm_provider": "acme", "input_cost_per_token": 5e-07},
        }
    )
    snapshot = parse_litellm(write(tmp_path, "map.json", body), NOW, "map.json")
    assert snapshot.quotes == ()
    assert [r.entry for r in snapshot.rejected] == ["acme/a1"]


def test_litellm_not_an_object_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="expected an object of models"):
        parse_litellm(write(tmp_path, "map.json", "[1, 2]"), NOW, "map.json")


# ---- OpenRouter ---------------------------------------------------------------------


def _or(model_id: str, prompt: str, completion: str, **extra: object) -> dict[str, object]:
    return {
        "id": model_id,
        "name": model_id,
        "pricing": {"prompt": prompt, "completion": completion},
        **extra,
    }


def test_openrouter_prices_free_and_dynamic(tmp_path: Path) -> None:
    body = json.dumps(
        {
            "data": [
                _or("deepseek/deepseek-chat", "0.00000028", "0.00000042", context_length=163840),
                _or("acme/gift", "0", "0"),
                _or("acme/dynamic", "-1", "-1"),
                _or("openrouter/auto", "-1", "-1"),
            ]
        }
    )
    snapshot = parse_openrouter(write(tmp_path, "models.json", body), NOW, "models.json")
    quotes = {q.model_id: q for q in snapshot.quotes}
    deepseek = quotes["openrouter/deepseek/deepseek-chat"]
    assert prices(deepseek) == {("input", 0): usd("0.28"), ("output", 0): usd("0.42")}
    assert (deepseek.vendor, deepseek.vendor_name, deepseek.context_window) == (
        "openrouter",
        "OpenRouter",
        163840,
    )
    assert prices(quotes["openrouter/acme/gift"]) == {
        ("input", 0): usd("0"),
        ("output", 0): usd("0"),
    }
    assert quotes["openrouter/acme/dynamic"].prices == ()  # -1: a dynamic price, unknown
    assert snapshot.unknown_prices == 2
    # A router picks a model per request: not a model, not quoted, named.
    assert "openrouter/openrouter/auto" not in quotes
    assert [r.entry for r in snapshot.skipped] == ["openrouter/auto"]


def test_openrouter_free_variants_and_batch(tmp_path: Path) -> None:
    body = json.dumps(
        {
            "data": [
                _or("acme/a1", "0.000001", "0.000002"),
                _or("acme/a1:free", "0", "0", expiration_date="2026-12-31"),
                _or("acme/only-free:free", "0", "0"),
                _or("acme/a1:batch", "0.0000005", "0.000001"),
                _or("acme/a2", "0.000001", "0.000002"),
            ]
        }
    )
    snapshot = parse_openrouter(write(tmp_path, "models.json", body), NOW, "models.json")
    quotes = {q.model_id: q for q in snapshot.quotes}
    assert set(quotes) == {"openrouter/acme/a1", "openrouter/acme/only-free", "openrouter/acme/a2"}
    a1 = quotes["openrouter/acme/a1"]
    assert prices(a1) == {("input", 0): usd("1"), ("output", 0): usd("2")}
    assert a1.free_offer == FreeOffer(True, utc(2026, 12, 31), ":free variant, rate-limited")
    only_free = quotes["openrouter/acme/only-free"]
    assert only_free.prices == () and only_free.free_offer is not None
    # Listed without a :free sibling: any free offer it had is over.
    assert quotes["openrouter/acme/a2"].free_offer == FreeOffer(active=False)


def test_openrouter_zero_per_token_is_free_only_for_a_text_model_priced_per_token(
    tmp_path: Path,
) -> None:
    body = json.dumps(
        {
            "data": [
                _or("acme/gift", "0", "0"),
                {**_or("acme/per-call", "0", "0"), "pricing": {"prompt": "0", "request": "0.005"}},
                {
                    **_or("acme/painter", "0", "0"),
                    "pricing": {"prompt": "0", "completion": "0", "image": "0.04"},
                },
                {
                    **_or("acme/singer", "0", "0"),
                    "architecture": {"output_modalities": ["audio"]},
                },
            ]
        }
    )
    snapshot = parse_openrouter(write(tmp_path, "models.json", body), NOW, "models.json")
    assert [q.model_id for q in snapshot.quotes] == ["openrouter/acme/gift"]
    assert {r.entry: r.reason for r in snapshot.skipped} == {
        "acme/per-call": "priced per request: not priced per token",
        "acme/painter": "priced per image: not priced per token",
        "acme/singer": "makes audio: not priced per token",
    }
    assert snapshot.unknown_prices == 5  # their zeros: unknown, never free


def test_openrouter_duplicate_ids(tmp_path: Path) -> None:
    body = json.dumps(
        {
            "data": [
                _or("acme/same", "0.000001", "0.000002"),
                _or("acme/same", "0.000001", "0.000002"),
                _or("acme/differs", "0.000001", "0.000002"),
                _or("acme/differs", "0.0000001", "0.000002"),
            ]
        }
    )
    snapshot = parse_openrouter(write(tmp_path, "models.json", body), NOW, "models.json")
    assert [q.model_id for q in snapshot.quotes] == ["openrouter/acme/same"]
    assert [r.entry for r in snapshot.rejected] == ["openrouter/acme/differs"]


def test_openrouter_renamed_field_rejects_entries_not_the_feed(tmp_path: Path) -> None:
    body = json.dumps({"data": [{"id": "acme/a1", "price": {"prompt": "0.000001"}}]})
    snapshot = parse_openrouter(write(tmp_path, "models.json", body), NOW, "models.json")
    assert snapshot.quotes == ()
    assert snapshot.rejected[0].reason == "pricing: Field required"
    with pytest.raises(FeedError, match="not OpenRouter's models list"):
        parse_openrouter(write(tmp_path, "m.json", '{"models": []}'), NOW, "m.json")


# ---- ECB and catalog ----------------------------------------------------------------


ECB = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
                 xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube>
    <Cube time="2026-10-30">
      <Cube currency="USD" rate="1.1600"/><Cube currency="JPY" rate="172.1"/>
      <Cube currency="CNY" rate="8.2592"/>
    </Cube>
  </Cube>
</gesmes:Envelope>"""


def test_ecb_daily_rates_and_the_usd_cny_cross(tmp_path: Path) -> None:
    snapshot = parse_ecb(write(tmp_path, "eurofxref-daily.xml", ECB), NOW, "ecb.xml")
    rates = {(r.base, r.quote): r for r in snapshot.rates}
    assert set(rates) == {("EUR", "USD"), ("EUR", "CNY"), ("USD", "CNY")}
    assert rates[("EUR", "CNY")].rate == Decimal("8.2592")
    cross = rates[("USD", "CNY")]
    assert (cross.rate, cross.as_of) == (Decimal("7.12"), date(2026, 10, 30))
    assert "ECB" in cross.source
    with pytest.raises(FeedError, match="not valid XML"):
        parse_ecb(b"<Cube", NOW, "ecb.xml")
    with pytest.raises(FeedError, match="no <Cube time"):
        parse_ecb(b"<html><body>maintenance</body></html>", NOW, "ecb.xml")


CATALOG = """
[catalog]
name = "Negotiated 2026"

[[vendors]]
id = "deepseek"
name = "DeepSeek"

[[models]]
id = "deepseek/deepseek-chat"
name = "DeepSeek-V3"

[[prices]]
model = "deepseek/deepseek-chat"
effective = 2026-01-01
currency = "CNY"
per = "1K"
input = "0.0005"
output = "0.002"
source = "contract 2026-001"
"""


def test_catalog_file_as_a_source(tmp_path: Path) -> None:
    snapshot = parse_catalog_feed(write(tmp_path, "mine.toml", CATALOG), NOW, "mine.toml")
    assert snapshot.source == "catalog:Negotiated 2026"
    [quote] = snapshot.quotes
    # CNY per 1K tokens, normalised exactly: 0.0005/1K = 0.5/1M.
    assert prices(quote) == {
        ("input", 0): Money(Decimal("0.5"), "CNY"),
        ("output", 0): Money(Decimal("2"), "CNY"),
    }
    with pytest.raises(FeedError, match="not valid TOML"):
        parse_catalog_feed(b"[catalog", NOW, "bad.toml")


def test_known_price_through_every_feed_is_the_same() -> None:
    """DeepSeek's 0.28 USD per 1M input, as each feed writes it, is 0.28 per 1M in the store."""
    litellm = parse_litellm(
        b'{"deepseek/x": {"litellm_provider": "deepseek", "input_cost_per_token": 2.8e-07}}',
        NOW,
        "l",
    )
    openrouter = parse_openrouter(
        b'{"data": [{"id": "deepseek/x", "pricing": {"prompt": "0.00000028"}}]}', NOW, "o"
    )
    genai = parse_genai_prices(
        b'[{"id": "deepseek", "name": "DeepSeek", "models": '
        b'[{"id": "x", "prices": {"input_mtok": 0.28}}]}]',
        NOW,
        "g",
    )
    amounts = {
        prices(s.quotes[0])[(PriceKind.INPUT.value, 0)] for s in (litellm, openrouter, genai)
    }
    assert amounts == {usd("0.28")}
