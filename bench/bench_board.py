"""Benchmark: the price board over HTTP with about 8,000 offers in the store.

    .venv/bin/python bench/bench_board.py [--models 2700] [--requests 500] [--concurrency 4]

Builds the synthetic store of bench_answers.py (2,700 models, ~8,000 offers, a real
SQLite file), serves the board's routes on an aiohttp server on loopback, warms the
snapshot once (as `pricebot run`'s answers-warm job does), then GETs `/` (page 1 and
page 5, three sorts, CNY), and a model page, `--requests` times each with
`--concurrency` clients, and prints requests per second, p50 and p99 latency.
Target: p99 under 50 ms for `/`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_answers import MAY_1, bench_store, synthetic_quotes

from bot.answers import SnapshotCache
from bot.board.site import Board, model_path
from storage import PriceStore

NOW = datetime(2024, 5, 22, 12, tzinfo=UTC)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def hammer(base: str, paths: list[str], requests: int, concurrency: int) -> list[float]:
    samples: list[float] = []
    queue = [paths[i % len(paths)] for i in range(requests)]

    async def client(http: aiohttp.ClientSession) -> None:
        while queue:
            path = queue.pop()
            t0 = time.perf_counter()
            async with http.get(base + path) as response:
                await response.read()
                assert response.status == 200, (path, response.status)
            samples.append(time.perf_counter() - t0)

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
    return samples


async def run(store: PriceStore, model_id: str, requests: int, concurrency: int) -> None:
    cache = SnapshotCache(store)
    board = Board(store, cache, clock=lambda: NOW)
    app = web.Application()
    app.router.add_routes(board.routes())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    await asyncio.to_thread(cache.now, NOW)
    print(f"snapshot warmed in {(time.perf_counter() - started) * 1000:.0f} ms")
    board_paths = ["/", "/?page=5", "/?sort=input", "/?sort=output", "/?currency=CNY"]
    for label, paths in (
        ("/ (5 variants)", board_paths),
        ("model page", [model_path(model_id)]),
    ):
        # The first request for each URL on a snapshot renders it; later ones are served
        # from the rendered pages until prices change. Both are printed.
        cold = await hammer(base, paths, len(paths), 1)
        print(f"{label:16} first render: max {max(cold) * 1000:6.1f} ms over {len(cold)} URLs")
        t0 = time.perf_counter()
        samples = await hammer(base, paths, requests, concurrency)
        elapsed = time.perf_counter() - t0
        print(
            f"{label:16} {requests / elapsed:7.0f} req/s  p50 "
            f"{statistics.median(samples) * 1000:6.1f} ms  p99 "
            f"{percentile(samples, 0.99) * 1000:6.1f} ms  max {max(samples) * 1000:6.1f} ms"
        )
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=2700)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        store = bench_store(Path(tmp) / "bench.db")
        quotes, ids, offer_ids = synthetic_quotes(args.models, rng)
        store.record(quotes, source="bench", observed_at=MAY_1, history=True)
        print(f"store: {args.models:,} models, {len(set(offer_ids)):,} offers (SQLite)")
        asyncio.run(run(store, ids[0], args.requests, args.concurrency))


if __name__ == "__main__":
    main()
