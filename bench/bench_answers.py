"""Benchmark: answering questions against about 8,000 offers of 2,700 models.

    .venv/bin/python bench/bench_answers.py [--models 2700] [--questions 1000] [--seed 7]

Builds a real SQLite store (a temporary file) with synthetic offers, LiteLLM's size plus
genai-prices and OpenRouter: 40 makers, each model sold by its maker and/or up to five of
ten resellers (1–6 offers), prices in USD, CNY and EUR, a fifth with a dearer tier for
prompts over 128K, free offers (capped, dated, confirmed), placeholder prices ($0.001),
unknown output prices, models in other modes (images, audio, embeddings), routers'
undated ("first seen") prices, and a price change half-way through May. Then it asks
varied questions (English and Chinese; cheapest with mixes, filters, sellers, currencies
and dates; price by model and by offer, cost, compare, free; typos)
through the path a chat message takes: SnapshotCache → parse → rank/answer → render
(text, Telegram, Slack and JSON in turn). The caller's clock advances 10 ms a question;
half-way through, a vendor cuts a price, so the cache must notice and read again.

Prints the time to read a snapshot whole, then to refresh one reading only what changed
(after a price cut, 20 cuts, a new model, nothing) and to compute the usual orders for
it; p50 / p90 / p99 / max per question (first pass: every order computed on first use;
second pass: the same questions again), and how many times the store was read.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answers import SnapshotCache, ask, load_snapshot
from bot.answers.cache import patch
from bot.answers.ranking import warm
from bot.answers.snapshot import PriceSnapshot
from bot.chat.render import render_json, render_slack, render_telegram, render_text
from storage import (
    DateBasis,
    FreeOffer,
    FxRate,
    Money,
    Price,
    PriceKind,
    PriceStore,
    Quote,
    make_engine,
    upgrade,
)

CHINESE = ["alibaba", "baidu", "bytedance", "deepseek", "tencent", "zhipu", "moonshot", "minimax"]
WESTERN = [f"lab{i:02d}" for i in range(26)] + [
    "openai",
    "google",
    "anthropic",
    "mistral",
    "meta",
    "cohere",
]
# Resellers: clouds, routers and inference hosts (they make nothing themselves).
RESELLERS = [
    "openrouter",
    "vertex",
    "aws",
    "azure",
    "fireworks",
    "together",
    "deepinfra",
    "groq",
    "novita",
    "nebius",
]
FAMILIES = ["chat", "turbo", "lite", "pro", "max", "flash", "mini", "plus", "air", "nova"]
OTHER_MODES = ["image_generation", "audio_speech", "embedding", "rerank", "video_generation"]
MAY_1 = datetime(2024, 5, 1, tzinfo=UTC)
MAY_15 = datetime(2024, 5, 15, tzinfo=UTC)


def _prices(rng: random.Random, base_in: Decimal, currency: str) -> list[Price]:
    """Input (and mostly output) per 1M, a fifth with a dearer tier over 128K."""
    base_out = base_in * rng.choice([1, 2, 3, 4])
    prices = [Price(PriceKind.INPUT, Money(base_in, currency))]
    if rng.random() > 0.05:  # one in twenty: output price unknown
        prices.append(Price(PriceKind.OUTPUT, Money(base_out, currency)))
    if rng.random() < 0.2:
        prices.append(Price(PriceKind.INPUT, Money(base_in * 2, currency), 128_000))
        prices.append(Price(PriceKind.OUTPUT, Money(base_out * 2, currency), 128_000))
    return prices


def synthetic_quotes(models: int, rng: random.Random) -> tuple[list[Quote], list[str], list[str]]:
    """`models` models over 40 makers, each sold by its maker and/or 0–5 resellers (1–6
    offers; about 8,000 offers for 2,700 models, LiteLLM's size plus genai-prices and
    OpenRouter); May 1 quotes, some May 15 changes. Returns the quotes, the model ids and
    the offer ids."""
    makers = CHINESE + WESTERN
    quotes: list[Quote] = []
    model_ids: list[str] = []
    offer_ids: list[str] = []
    for i in range(models):
        maker = makers[i % len(makers)]
        family = FAMILIES[(i // len(makers)) % len(FAMILIES)]
        model = f"{maker}/{family}-{i}"
        model_ids.append(model)
        name = f"{maker.title()} {family.title()} {i}"
        mode = rng.choice(OTHER_MODES) if rng.random() < 0.05 else "chat"
        currency = "CNY" if maker in CHINESE else rng.choice(["USD", "USD", "USD", "EUR"])
        scale = Decimal(7) if currency == "CNY" else Decimal(1)
        base = (Decimal(rng.randint(5, 3000)) / 100 * scale).quantize(Decimal("0.001"))
        sellers = rng.sample(RESELLERS, rng.choice([0, 1, 1, 2, 2, 3, 4, 5]))
        if rng.random() < 0.7 or not sellers:
            sellers.insert(0, maker)
        for seller in sellers:
            own = seller == maker
            offer_id = model if own else f"{seller}/{maker}/{family}-{i}"
            offer_ids.append(offer_id)
            # Resellers ask about the maker's price, in USD, give or take.
            price = base if own else (base / scale * Decimal(rng.choice(["0.9", "1", "1.1"])))
            prices = _prices(rng, price.quantize(Decimal("0.0001")), currency if own else "USD")
            roll = rng.random()
            offer = None
            if roll < 0.01:
                offer = FreeOffer(cap_note="free tier with rate limits")
            elif roll < 0.02:
                offer = FreeOffer(until=datetime(2024, 12, 31, tzinfo=UTC))
            elif roll < 0.025:
                offer = FreeOffer()
            elif roll < 0.035:  # a placeholder price ($0.001 per 1M)
                prices = [
                    Price(PriceKind.INPUT, Money(Decimal("0.001"), "USD")),
                    Price(PriceKind.OUTPUT, Money(Decimal("0.001"), "USD")),
                ]
            quotes.append(
                Quote(
                    model_id=offer_id,
                    vendor=seller,
                    vendor_name=seller.title(),
                    display_name=name if own else f"{maker.title()}: {name}",
                    effective_at=MAY_1,
                    prices=tuple(prices),
                    free_offer=offer,
                    context_window=rng.choice([8_192, 32_768, 128_000, 200_000, 1_048_576, None]),
                    aliases=(f"{family}-{i}",) if own else (),
                    mode=mode,
                    canonical_id=model,
                    # Routers give no dates: first seen on the day pricebot read them.
                    date_basis=DateBasis.OBSERVED
                    if seller == "openrouter"
                    else DateBasis.EFFECTIVE,
                )
            )
            if rng.random() < 0.1:  # a cut on May 15
                quotes.append(
                    replace(
                        quotes[-1],
                        effective_at=MAY_15,
                        prices=(
                            replace(
                                prices[0],
                                amount=Money(
                                    prices[0].amount.amount / 2, prices[0].amount.currency
                                ),
                            ),
                        ),
                    )
                )
    return quotes, model_ids, offer_ids


def questions(count: int, models: list[str], offers: list[str], rng: random.Random) -> list[str]:
    """Varied questions, the way people ask them."""
    amounts = ["1M", "500k", "2M", "1.5 million", "100万", "一百万", "1亿", "1,000,000", "10m"]
    cheapest = [
        "cheapest for {a} tokens?",
        "cheapest for {a} tokens input only",
        "cheapest output only for {a}",
        "cheapest {a} in 200k out",
        "cheapest at 1:1 for {a} tokens",
        "cheapest for {a} tokens with 128k context",
        "cheapest ≥32k in CNY",
        "top 10 cheapest from alibaba",
        "cheapest not openai in EUR",
        "cheapest chinese vendors for {a} tokens",
        "cheapest for {a} tokens for 200k prompts",
        "cheapest for {a} tokens on 2024-05-10",
        "cheapest as of May 20 2024",
        "{a}tokens最便宜的是哪个？",
        "只算输入，{a}tokens最便宜的",
        "支持128k上下文 最便宜的 前5名",
        "国产最便宜",
        "cheapest via openrouter",
        "cheapest direct only for {a} tokens",
        "官方 最便宜",
        "top 20 cheapest via any seller",
    ]
    out: list[str] = []
    for _ in range(count):
        roll = rng.random()
        model = rng.choice(models).split("/", 1)[1]
        other = rng.choice(models).split("/", 1)[1]
        if roll < 0.55:
            out.append(rng.choice(cheapest).format(a=rng.choice(amounts)))
        elif roll < 0.68:
            out.append(
                rng.choice(
                    [
                        f"price {model}",
                        f"{model} 价格",
                        f"how much is {model}?",
                        f"price {rng.choice(offers)}",
                        f"price {model} via any seller",
                        f"price {model} via openrouter",
                        f"{model} 价格 官方",
                    ]
                )
            )
        elif roll < 0.78:
            out.append(f"cost {model} 2M in 500k out")
        elif roll < 0.88:
            out.append(rng.choice([f"compare {model} {other}", f"{model} vs {other} in CNY"]))
        elif roll < 0.93:
            out.append(rng.choice(["free", "免费的有哪些", "free from google"]))
        else:
            typo = model[:-2] + model[-1:] + "x"
            out.append(rng.choice([f"price {typo}", "hello there", f"compare {typo} {other}"]))
    return out


def refresh_after_changes(
    store: PriceStore, snapshot: PriceSnapshot, quotes: list[Quote], now: datetime
) -> None:
    """Time a refresh (reading only what changed) after a few kinds of change (they stay
    in the store: the questions below see them)."""
    changes = [
        ("a price cut", [replace(quotes[0], effective_at=now, prices=(_cut(quotes[0]),))]),
        (
            "20 price cuts",
            [replace(q, effective_at=now, prices=(_cut(q),)) for q in quotes[100:120]],
        ),
        (
            "a new model",
            [replace(quotes[1], model_id="newlab/fresh-1", vendor="newlab", aliases=("fresh-1",))],
        ),
        ("nothing (the clock moved)", []),
    ]
    for label, changed in changes:
        if changed:
            store.record(changed, source="bench-refresh", observed_at=now)
        now += timedelta(seconds=30)
        started = time.perf_counter()
        fresh, partial = patch(store, snapshot, now)
        read = time.perf_counter() - started
        started = time.perf_counter()
        warm(fresh)
        warmed = time.perf_counter() - started
        kind = "reads only what changed" if partial else "reads the whole store"
        print(
            f"refresh after {label}: {read * 1000:.0f} ms ({kind}), "
            f"+ {warmed * 1000:.0f} ms computing the usual orders"
        )
        snapshot = fresh
    print("  (questions meanwhile are answered from the snapshot before: they do not wait)")


def _cut(quote: Quote) -> Price:
    first = quote.prices[0]
    return replace(first, amount=Money(first.amount.amount / 2, first.amount.currency))


RENDERERS = [render_text, render_telegram, render_slack, render_json]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return (
        f"p50 {at(0.50):.2f} ms  p90 {at(0.90):.2f} ms  p99 {at(0.99):.2f} ms  "
        f"max {ordered[-1] * 1000:.1f} ms  (mean {statistics.mean(samples) * 1000:.2f} ms)"
    )


def bench_store(path: Path) -> PriceStore:
    """A migrated SQLite store at `path` with the benchmarks' USD, CNY and EUR rates."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    store = PriceStore(engine)
    store.record_rates(
        [
            FxRate("USD", "CNY", Decimal("7.2"), date(2024, 5, 1), "bench rate"),
            FxRate("EUR", "USD", Decimal("1.08"), date(2024, 5, 1), "bench rate"),
        ]
    )
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=2700)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        store = bench_store(Path(tmp) / "bench.db")
        quotes, ids, offer_ids = synthetic_quotes(args.models, rng)
        started = time.perf_counter()
        store.record(quotes, source="bench", observed_at=MAY_1, history=True)
        print(
            f"store: {args.models:,} models, {len(set(offer_ids)):,} offers, {len(quotes):,} "
            f"quotes recorded in {time.perf_counter() - started:.1f} s (SQLite)"
        )
        now = datetime(2024, 5, 22, 12, tzinfo=UTC)
        started = time.perf_counter()
        snapshot = load_snapshot(store, now)
        print(
            f"snapshot: one read of the store takes {(time.perf_counter() - started) * 1000:.0f} ms"
        )
        refresh_after_changes(store, snapshot, quotes, now)

        asked = questions(args.questions, ids, offer_ids, rng)
        # As the running bot's: the question that notices the cut is answered from the
        # snapshot before it while a thread reads what changed.
        cache = SnapshotCache(store, background=True)
        for label in ("first pass", "second pass"):
            samples: list[float] = []
            reads: list[float] = []
            refusals = 0
            for i, text in enumerate(asked):
                if label == "first pass" and i == len(asked) // 2:
                    # A vendor cuts a price: the cache must read the store again.
                    cut = next(q for q in quotes if q.model_id == ids[0])
                    price = Price(PriceKind.INPUT, Money(Decimal("0.01"), "CNY"))
                    store.record(
                        [replace(cut, effective_at=now - timedelta(hours=1), prices=(price,))],
                        source="bench-cut",
                        observed_at=now,
                    )
                now += timedelta(milliseconds=10)
                loads = cache.loads
                t0 = time.perf_counter()
                reply = ask(cache, text, now=now)
                RENDERERS[i % len(RENDERERS)](reply)
                elapsed = time.perf_counter() - t0
                # A question that made the cache read the store is timed apart: that read
                # happens once per price change (or date asked), not per question.
                (reads if cache.loads > loads else samples).append(elapsed)
                refusals += reply.kind.value == "error"
            cache.settle()
            print(
                f"{label}: {len(samples):,} questions ({refusals} refused): {percentiles(samples)}"
            )
            if reads:
                each = ", ".join(f"{r * 1000:.0f}" for r in reads)
                print(f"  + {len(reads)} that read the store first (ms): {each}")
        print(
            f"store reads for snapshots: {cache.loads} (now, dated ones, after the cut), "
            f"{cache.patches} of them reading only what changed"
        )


if __name__ == "__main__":
    main()
