"""Import three feeds at their real sizes into an empty store, then again: SQLite and PostgreSQL.

The feeds: genai-prices' bundled data (~1,900 offers), a LiteLLM-shaped price map
of 3,500 chat entries and an OpenRouter-shaped `/api/v1/models` response of 2,600
entries (synthetic, in each feed's real format: about 8,000 offers of ~3,000
models, resellers, tiers, `:free` variants, pointers). Each goes through its real
parser and the real ingest step (guards included), as `pricebot sources refresh`
does.

Then the same feeds again (a poll of feeds that did not change: each is known by its
content key, so its prices are not compared again, only its listings refreshed), and
then with one price cut in two feeds (every price of those compared with the past).

Targets (issue 11): the full import under 5 s; the re-import under 1 s, writing
nothing. Run:

    .venv/bin/python bench/bench_import.py

PostgreSQL is at PRICEBOT_TEST_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), in a fresh schema dropped
afterwards.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sources.base import Snapshot, body_key
from bot.sources.genai_prices import read_bundled
from bot.sources.ingest import Guards, ingest
from bot.sources.litellm import parse_litellm
from bot.sources.openrouter import parse_openrouter
from storage import PriceStore, SourceState, make_engine, upgrade
from storage.tables import FreeOfferRow, PriceEventRow, PricePointRow

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MAKERS = {
    "anthropic": "claude-{n}",
    "openai": "gpt-{n}",
    "google": "gemini-{n}",
    "meta-llama": "llama-{n}-instruct",
    "mistralai": "mistral-{n}",
    "qwen": "qwen3-{n}",
    "deepseek": "deepseek-{n}",
    "z-ai": "glm-{n}",
}
LITELLM_SELLERS = ("bedrock", "vertex_ai", "azure", "together_ai", "fireworks_ai", "groq")


def _per_token(per_million: Decimal) -> float:
    return float(per_million / 1_000_000)


def litellm_map(rng: random.Random, entries: int) -> bytes:
    """A LiteLLM price map: each model under its maker and under resellers, some tiered."""
    data: dict[str, object] = {"sample_spec": {"mode": "chat", "litellm_provider": "x"}}
    n = 0
    while len(data) <= entries:
        n += 1
        maker, pattern = rng.choice(list(MAKERS.items()))
        name = pattern.format(n=f"{n // 10}.{n % 10}-b{n}")
        for seller in ("", *rng.sample(LITELLM_SELLERS, rng.randint(1, 4))):
            inp = Decimal(rng.randint(5, 15_000)) / 1000
            entry: dict[str, object] = {
                "litellm_provider": seller or maker,
                "mode": "chat",
                "max_input_tokens": rng.choice((32_000, 128_000, 1_000_000)),
                "input_cost_per_token": _per_token(inp),
                "output_cost_per_token": _per_token(inp * 4),
            }
            if rng.random() < 0.1:
                entry["input_cost_per_token_above_200k_tokens"] = _per_token(inp * 2)
            data[f"{seller}/{name}" if seller else f"{maker}/{name}"] = entry
    return json.dumps(data).encode()


def openrouter_models(rng: random.Random, entries: int) -> bytes:
    """An OpenRouter models response: maker/model slugs, `:free` variants, `~` pointers."""
    data = []
    for n in range(entries):
        maker, pattern = rng.choice(list(MAKERS.items()))
        slug = f"{maker}/{pattern.format(n=f'{n // 10}.{n % 10}-r{n}')}"
        if n % 97 == 0:
            slug = f"~{maker}/latest-{n}"
        inp = Decimal(rng.randint(5, 15_000)) / 1000
        pricing = {
            "prompt": format(inp / 1_000_000, "f"),
            "completion": format(inp * 4 / 1_000_000, "f"),
        }
        model = {
            "id": slug,
            "canonical_slug": slug,
            "name": slug.upper(),
            "created": 1767225600,
            "context_length": 128_000,
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
            "pricing": pricing,
        }
        data.append(model)
        if n % 13 == 0:
            data.append(
                {**model, "id": slug + ":free", "pricing": {"prompt": "0", "completion": "0"}}
            )
    return json.dumps({"data": data}).encode()


def rows(store: PriceStore) -> int:
    with store.engine.connect() as conn:
        return sum(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (PricePointRow, FreeOfferRow, PriceEventRow)
        )


def feeds(litellm: bytes, openrouter: bytes) -> list[tuple[str, Callable[[datetime], Snapshot]]]:
    return [
        ("genai-prices", read_bundled),
        ("litellm", lambda at: fetched(parse_litellm(litellm, at, "bench:litellm"), litellm)),
        (
            "openrouter",
            lambda at: fetched(parse_openrouter(openrouter, at, "bench:openrouter"), openrouter),
        ),
    ]


def one_cut(litellm: bytes, openrouter: bytes) -> tuple[bytes, bytes]:
    """The same two feeds with one model's input price cut 10% in each."""
    prices = json.loads(litellm)
    first = next(k for k in prices if k != "sample_spec")
    prices[first]["input_cost_per_token"] *= 0.9
    models = json.loads(openrouter)
    # The first entry that is a model of its own with a price (not a pointer or `:free`).
    listed = next(
        m
        for m in models["data"]
        if ":" not in m["id"] and "~" not in m["id"] and Decimal(m["pricing"]["prompt"]) > 0
    )
    pricing = listed["pricing"]
    pricing["prompt"] = format(Decimal(pricing["prompt"]) * Decimal("0.9"), "f")
    return json.dumps(prices).encode(), json.dumps(models).encode()


def fetched(snapshot: Snapshot, body: bytes) -> Snapshot:
    """The snapshot as a fetch hands it to ingest: with its body and the body's key."""
    return replace(snapshot, body=body, content_key=body_key(body))


def run(label: str, url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    store = PriceStore(engine)
    state = SourceState(engine)
    now = datetime.now(UTC)
    litellm = litellm_map(random.Random(11), 3_500)
    openrouter = openrouter_models(random.Random(12), 2_400)
    rounds = (
        ("first import", now, feeds(litellm, openrouter)),
        # The same feeds again: a poll of feeds that did not change.
        ("re-import", now + timedelta(hours=12), feeds(litellm, openrouter)),
        # One price cut in two of the feeds: every price of those is compared again.
        ("one cut", now + timedelta(hours=24), feeds(*one_cut(litellm, openrouter))),
    )
    for round_name, at, sources in rounds:
        before = rows(store)
        parse_total = ingest_total = 0.0
        offers = 0
        parts = []
        for name, read in sources:
            started = time.perf_counter()
            snapshot = read(at)
            parsed = time.perf_counter() - started
            started = time.perf_counter()
            report = ingest(store, state, snapshot, name=name, now=at, guards=Guards())
            took = time.perf_counter() - started
            parse_total += parsed
            ingest_total += took
            offers += report.models
            parts.append(f"{name} {parsed + took:.2f} s ({report.outcome.value})")
        written = rows(store) - before
        print(
            f"{label:10}  {round_name:12} {parse_total + ingest_total:5.2f} s "
            f"(parse {parse_total:.2f} s, record {ingest_total:.2f} s) · {offers} offers · "
            f"{written} rows written · " + ", ".join(parts)
        )
    engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}")
    base = os.environ.get("PRICEBOT_TEST_POSTGRES_URL", DEFAULT_PG)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        print(f"PostgreSQL  skipped: {base} is not reachable ({type(exc).__name__})")
        return
    try:
        sep = "&" if "?" in base else "?"
        run("PostgreSQL", f"{base}{sep}options={quote(f'-csearch_path={schema}')}")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
