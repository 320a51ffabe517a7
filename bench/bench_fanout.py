"""Fan-out: 100,000 subscriptions and one price cut that matches them all.

Times the fan-out step (match every subscription, write one alert item and one
delivery per chat, move the cursor: one transaction). Target: under 2 s on SQLite
and on PostgreSQL.

    .venv/bin/python bench/bench_fanout.py
    PRICEBOT_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_fanout.py
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from alerts_common import add_subscribers, database, kinds, open_store, record_cut

from bot.alerts.fanout import Fanout
from storage import AlertMatcher, DeliveryStore

SUBSCRIPTIONS = 100_000


def main() -> None:
    for kind in kinds():
        with database(kind) as url:
            store = open_store(url)
            matcher = AlertMatcher(store.engine)
            matcher.start_cursor(now=datetime.now(UTC))
            add_subscribers(store, SUBSCRIPTIONS)
            record_cut(store)
            fanout = Fanout(matcher)
            started = time.perf_counter()
            result = fanout.step(datetime.now(UTC))
            elapsed = time.perf_counter() - started
            assert result is not None
            owed = DeliveryStore(store.engine).owed()
            print(
                f"{kind:10} fan-out of 1 cut to {SUBSCRIPTIONS:,} subscriptions: {elapsed:.2f} s "
                f"({result.items:,} alert items, {result.deliveries:,} deliveries; {owed:,} owed)"
            )
            store.engine.dispose()


if __name__ == "__main__":
    main()
