"""Benchmark: 1,000 MCP tool calls over stdio, the way a desktop or IDE client makes them.

    .venv/bin/python bench/bench_mcp.py [--calls 1000] [--database-url URL]

Starts `pricebot mcp` as a subprocess with the official SDK's stdio client (on a fresh
SQLite store seeded with the bundled price-war catalog unless --database-url names a
bigger one), then calls a rotating mix of tools (cheapest, ask in English and Chinese,
price, cost, compare, free, history, recent_changes), one at a time, and prints the
start-up time and p50 / p90 / p99 / max per call, overall and per tool.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from mcp.client.client import Client
from mcp.client.stdio import StdioServerParameters

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import seed_if_empty  # noqa: E402
from storage import PriceStore, make_engine, upgrade  # noqa: E402

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("cheapest", {}),
    ("cheapest", {"currency": "CNY", "as_of": "2024-05-22", "top": 10}),
    ("ask", {"question": "cheapest for 1M tokens with 128k context"}),
    ("ask", {"question": "100万tokens最便宜的是哪个？"}),
    ("price", {"model": "qwen-long"}),
    ("cost", {"models": ["deepseek-v2"], "input_tokens": 10_000_000, "output_tokens": 2_000_000}),
    ("compare", {"models": ["gpt-4o", "qwen-long", "glm-3-turbo"]}),
    ("free", {}),
    ("history", {"model": "qwen-long"}),
    ("recent_changes", {"limit": 20}),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def figures(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values) * 1000:6.2f} ms  "
        f"p90 {percentile(values, 0.90) * 1000:6.2f} ms  "
        f"p99 {percentile(values, 0.99) * 1000:6.2f} ms  "
        f"max {max(values) * 1000:7.2f} ms"
    )


async def run(calls: int, database_url: str) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "bot", "mcp"],
        env={"PRICEBOT_DATABASE_URL": database_url, "PRICEBOT_LOG_LEVEL": "WARNING"},
        cwd=str(ROOT),
    )
    started = time.perf_counter()
    async with Client(params) as client:
        ready = time.perf_counter() - started
        per_tool: dict[str, list[float]] = {}
        every: list[float] = []
        errors = 0
        for i in range(calls):
            name, arguments = CALLS[i % len(CALLS)]
            t0 = time.perf_counter()
            result = await client.call_tool(name, arguments)
            elapsed = time.perf_counter() - t0
            errors += bool(result.is_error)
            every.append(elapsed)
            per_tool.setdefault(name, []).append(elapsed)
    print(f"pricebot mcp over stdio: started and initialised in {ready:.2f} s")
    print(f"{calls} tool calls, {errors} errors: {figures(every)}")
    for name, values in per_tool.items():
        print(f"  {name:15} {len(values):4} calls  {figures(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if url is None:
            url = f"sqlite:///{Path(tmp) / 'prices.db'}"
            engine = make_engine(url)
            upgrade(engine)
            seed_if_empty(PriceStore(engine), now=datetime.now(UTC))
            engine.dispose()
        anyio.run(run, args.calls, url)


if __name__ == "__main__":
    main()
