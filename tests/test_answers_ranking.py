"""Ranking rules on small stores built for each rule: unknown prices, rates, tiers, modes,
the sanity filter, vendor and context filters, the chat's defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.answers import (
    Defaults,
    Query,
    SnapshotCache,
    answer,
    load_snapshot,
    parse_question,
    rank,
    standing,
)
from bot.answers import ask as cache_ask_text
from bot.chat.render import render_text
from storage import FreeOffer, FxRate, Money, PriceStore
from tests.answer_helpers import listed
from tests.helpers import quote, utc

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
WHEN = utc(2024, 5, 1)


def record(store: PriceStore, *quotes) -> None:  # type: ignore[no-untyped-def]
    store.record(list(quotes), source="test", observed_at=utc(2024, 5, 2))


def ask(store: PriceStore, text: str, **defaults: object):  # type: ignore[no-untyped-def]
    snapshot = load_snapshot(store, NOW)
    query = parse_question(text, snapshot.vocabulary, Defaults(**defaults))  # type: ignore[arg-type]
    assert isinstance(query, Query), query
    return query, snapshot


def cache_ask(cache: SnapshotCache, text: str, now: datetime):  # type: ignore[no-untyped-def]
    return cache_ask_text(cache, text, now=now)


def test_unknown_prices_are_left_out_and_counted(sqlite_store: PriceStore) -> None:
    record(
        sqlite_store,
        quote("acme/full", when=WHEN, input="1", output="2"),
        quote("acme/input-only", when=WHEN, input="0.1"),
        quote("acme/output-only", when=WHEN, output="0.1"),
    )
    query, snapshot = ask(sqlite_store, "cheapest for 1M tokens")
    ranking = rank(query, snapshot)
    assert [r.model.model_id for r in ranking.top] == ["acme/full"]
    assert {m.model_id for m in ranking.unknown} == {"acme/input-only", "acme/output-only"}
    text = render_text(answer(query, snapshot))
    assert "2 left out because a price this mix needs is unknown (never counted as free)" in text

    query, snapshot = ask(sqlite_store, "cheapest for 1M tokens input only")
    ranking = rank(query, snapshot)
    assert [r.model.model_id for r in ranking.top] == ["acme/input-only", "acme/full"]
    assert [m.model_id for m in ranking.unknown] == ["acme/output-only"]
    assert standing("acme/output-only", query, snapshot).reason == "unknown price"


def test_conversion_uses_the_dated_rate_and_says_so(sqlite_store: PriceStore) -> None:
    sqlite_store.record_rates(
        [
            FxRate("USD", "CNY", Decimal("7.1"), date(2024, 4, 1), "april rate"),
            FxRate("USD", "CNY", Decimal("7.25"), date(2024, 5, 20), "may rate"),
        ]
    )
    record(
        sqlite_store,
        quote("west/model", when=WHEN, input="1", output="1", currency="USD"),
        quote("east/model", when=WHEN, input="7.2", output="7.2", currency="CNY"),
        quote("euro/model", when=WHEN, input="0.5", output="0.5", currency="EUR"),
    )
    query, snapshot = ask(sqlite_store, "cheapest in CNY")
    ranking = rank(query, snapshot)
    assert [(r.model.model_id, r.cost) for r in ranking.top] == [
        ("east/model", Money(Decimal("7.2"), "CNY")),
        ("west/model", Money(Decimal("7.25"), "CNY")),
    ]
    assert [m.model_id for m in ranking.no_rate] == ["euro/model"]
    text = render_text(answer(query, snapshot))
    assert "USD prices converted at 1 USD = 7.25 CNY (2024-05-20, may rate)" in text
    assert "1 left out: priced in EUR with no rate to CNY: model." in text

    # Before the May rate, the April one applies.
    query = query.with_as_of(utc(2024, 5, 10))
    earlier = rank(query, load_snapshot(sqlite_store, utc(2024, 5, 10)))
    assert earlier.top[0].model.model_id == "west/model"
    assert earlier.top[0].cost == Money(Decimal("7.1"), "CNY")

    # The other way: CNY into USD with the inverse of the published rate, stated as published.
    query, snapshot = ask(sqlite_store, "cheapest in USD")
    usd = rank(query, snapshot)
    assert usd.top[0].model.model_id == "east/model"
    assert usd.top[0].cost.amount.quantize(Decimal("0.000001")) == Decimal("0.993103")
    assert "CNY prices converted at 1 USD = 7.25 CNY" in render_text(answer(query, snapshot))


def test_context_tiers_apply_when_a_prompt_size_is_asked(sqlite_store: PriceStore) -> None:
    record(
        sqlite_store,
        quote("g/tiered", when=WHEN, input="1", output="1", context=1_000_000),
        quote("g/tiered", when=WHEN, input="10", output="10", tier=128_000, context=1_000_000),
        quote("g/flat", when=WHEN, input="3", output="3", context=200_000),
        quote("g/small", when=WHEN, input="0.5", output="0.5", context=32_000),
    )
    query, snapshot = ask(sqlite_store, "cheapest for 1M tokens")
    base = rank(query, snapshot)
    assert [r.model.model_id for r in base.top] == ["g/small", "g/tiered", "g/flat"]
    assert [m.model_id for m in base.tiered] == ["g/tiered"]
    assert "Longer prompts cost more on tiered (prompts over 128K)" in render_text(
        answer(query, snapshot)
    )

    query, snapshot = ask(sqlite_store, "cheapest for 1M tokens for 200k prompts")
    long = rank(query, snapshot)
    # g/small's context is too short; g/tiered pays its over-128K price.
    assert [(r.model.model_id, r.cost.amount) for r in long.top] == [
        ("g/flat", Decimal(3)),
        ("g/tiered", Decimal(10)),
    ]
    assert long.top[1].breakdown.tier == 128_000 and not long.tiered


def test_only_chat_and_completion_models_answer(sqlite_store: PriceStore) -> None:
    record(
        sqlite_store,
        replace(quote("emb/embed", when=WHEN, input="0.01", output="0.01"), mode="embedding"),
        quote("chat/model", when=WHEN, input="1", output="1"),
        replace(quote("old/model", when=WHEN, input="2", output="2"), mode="completion"),
    )
    query, snapshot = ask(sqlite_store, "cheapest")
    assert [r.model.model_id for r in rank(query, snapshot).top] == ["chat/model", "old/model"]
    assert standing("emb/embed", query, snapshot).reason == "not a chat model"


def test_a_mislabelled_tiny_price_is_set_aside_not_crowned(sqlite_store: PriceStore) -> None:
    normal = [
        quote(f"v/m{i}", when=WHEN, input=str(i), output=str(2 * i), name=f"Model {i}")
        for i in range(1, 7)
    ]
    tiny = quote("img/picture", when=WHEN, input="0.000001", output="0.000001", name="Picture")
    record(sqlite_store, *normal, tiny)
    query, snapshot = ask(sqlite_store, "cheapest")
    ranking = rank(query, snapshot)
    assert ranking.top[0].model.model_id == "v/m1"
    assert [s.model.model_id for s in ranking.suspect] == ["img/picture"]
    assert ranking.total == 6
    text = render_text(answer(query, snapshot))
    assert (
        "Set aside as placeholder prices, never ranked: Picture (Img, $0.000001: $0.001 or "
        "less per 1M)." in text
    )
    assert standing("img/picture", query, snapshot).reason == "set aside"


def test_free_offers_with_end_dates_and_zero_prices(sqlite_store: PriceStore) -> None:
    record(
        sqlite_store,
        quote("a/paid", when=WHEN, input="1", output="1"),
        quote(
            "b/promo",
            when=WHEN,
            input="2",
            output="2",
            free_offer=FreeOffer(until=utc(2024, 6, 30)),
        ),
        quote("c/zero", when=WHEN, input="0", output="0", free_offer=FreeOffer()),
    )
    # A free offer without an end date is free while its source keeps confirming it.
    listed(sqlite_store, "test", ["c/zero"], utc(2024, 5, 30))
    query, snapshot = ask(sqlite_store, "cheapest")
    ranking = rank(query, snapshot)
    assert [r.model.model_id for r in ranking.top] == ["a/paid"]
    assert [f.model.model_id for f in ranking.free] == ["c/zero", "b/promo"]
    free_line = next(x for x in answer(query, snapshot).lines if x.startswith("Free now"))
    assert "promo (B until 2024-06-30)" in free_line
    # After the promotion ends, b/promo is ranked at its price again.
    later = rank(query.with_as_of(utc(2024, 7, 1)), load_snapshot(sqlite_store, utc(2024, 7, 1)))
    assert [r.model.model_id for r in later.top] == ["a/paid", "b/promo"]


def test_vendor_and_context_filters(sqlite_store: PriceStore) -> None:
    record(
        sqlite_store,
        quote("alibaba/qwen", when=WHEN, input="1", output="1", context=128_000),
        quote("openai/gpt", when=WHEN, input="2", output="2", context=128_000),
        quote("deepseek/chat", when=WHEN, input="0.5", output="0.5", context=32_000),
        quote("nobody/unknown-context", when=WHEN, input="0.1", output="0.1"),
    )
    ids = lambda text: [r.model.model_id for r in rank(*ask(sqlite_store, text)).top]  # noqa: E731
    assert ids("cheapest not openai") == ["nobody/unknown-context", "deepseek/chat", "alibaba/qwen"]
    assert ids("cheapest chinese vendors") == ["deepseek/chat", "alibaba/qwen"]
    assert ids("cheapest from openai") == ["openai/gpt"]
    assert ids("cheapest with 128k context") == ["alibaba/qwen", "openai/gpt"]
    query, snapshot = ask(sqlite_store, "cheapest with 128k context")
    assert rank(query, snapshot).context_unknown == 1
    assert "1 left out: context window unknown." in answer(query, snapshot).footnotes


def test_the_chats_defaults_shape_the_answer(sqlite_store: PriceStore) -> None:
    record(
        sqlite_store,
        quote("a/in-cheap", when=WHEN, input="1", output="10"),
        quote("b/out-cheap", when=WHEN, input="3", output="1"),
    )
    blended = rank(*ask(sqlite_store, "cheapest"))
    assert blended.top[0].model.model_id == "b/out-cheap"  # 2.50 against 3.25
    input_only = rank(*ask(sqlite_store, "cheapest", ratio=(1, 0)))
    assert input_only.top[0].model.model_id == "a/in-cheap"
    query, snapshot = ask(sqlite_store, "cheapest", ratio=(1, 1))
    reply = answer(query, snapshot)
    assert reply.title == "Cheapest for 1M tokens (1:1, this chat's mix)"
    assert "Mix 1:1 (500K input + 500K output tokens) is this chat's setting." in reply.footnotes[0]
    # A chat that set nothing has 3:1, the industry's blend: said as the default.
    query, snapshot = ask(sqlite_store, "cheapest", ratio=(3, 1))
    assert answer(query, snapshot).title == "Cheapest for 1M tokens (blended 3:1)"


def test_a_cross_rate_through_another_currency_is_used_and_stated(sqlite_store: PriceStore) -> None:
    sqlite_store.record_rates(
        [
            FxRate("EUR", "USD", Decimal("1.08"), date(2024, 5, 1), "ecb"),
            FxRate("USD", "CNY", Decimal("7.2"), date(2024, 5, 1), "bundled"),
        ]
    )
    record(sqlite_store, quote("euro/model", when=WHEN, input="1", output="1", currency="EUR"))
    query, snapshot = ask(sqlite_store, "cheapest in CNY")
    ranking = rank(query, snapshot)
    assert ranking.top[0].cost == Money(Decimal("7.776"), "CNY")
    assert not ranking.no_rate
    text = render_text(answer(query, snapshot))
    assert (
        "EUR prices converted at 1 EUR = 7.776 CNY (2024-05-01, via USD: "
        "1 EUR = 1.08 USD, 2024-05-01, ecb; 1 USD = 7.2 CNY, 2024-05-01, bundled)."
    ) in text


def test_the_cache_rereads_when_a_free_offer_ends_or_the_snapshot_ages(
    sqlite_store: PriceStore,
) -> None:
    record(
        sqlite_store,
        quote("a/paid", when=WHEN, input="1", output="1"),
        quote(
            "b/promo",
            when=WHEN,
            input="2",
            output="2",
            free_offer=FreeOffer(until=utc(2024, 6, 30)),
        ),
    )
    cache = SnapshotCache(sqlite_store, check_every=timedelta(days=365), max_age=timedelta(hours=1))
    june = datetime(2024, 6, 29, 23, tzinfo=UTC)
    assert [r.label for r in cache_ask(cache, "cheapest", june).rows] == ["1. paid"]
    assert cache_ask(cache, "cheapest", june + timedelta(minutes=30)).rows[0].label == "1. paid"
    assert cache.loads == 1
    # The offer ends at midnight: the next question reads the store again.
    after = cache_ask(cache, "cheapest", june + timedelta(hours=1, minutes=1))
    assert [r.label for r in after.rows] == ["1. paid", "2. promo"]
    assert cache.loads == 2
    cache_ask(cache, "cheapest", june + timedelta(hours=3))  # older than max_age
    assert cache.loads == 3
    # Dated questions keep their own snapshots.
    cache_ask(cache, "cheapest on 2024-05-10", june + timedelta(hours=3))
    cache_ask(cache, "cheapest on 2024-05-10", june + timedelta(hours=3))
    assert cache.loads == 4
