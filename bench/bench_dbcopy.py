"""`pricebot db copy`: how long moving a used SQLite store to PostgreSQL takes.

The store: the bundled catalog, N chats each with a subscription, and one cut
that owes every chat an alert (alert items and deliveries), about 4N rows in all.

    PRICEBOT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_dbcopy.py [--chats 20000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts_common import database, postgres_url

from bot.alerts.fanout import Fanout
from bot.app import seed_if_empty
from storage import AlertMatcher, PriceStore, Unit, make_engine
from tests.scaleout import chat_ids, record_cut, seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=20_000)
    args = parser.parse_args()
    if not postgres_url():
        sys.exit("set PRICEBOT_TEST_POSTGRES_URL (or PRICEBOT_BENCH_POSTGRES_URL)")
    with tempfile.TemporaryDirectory() as tmp, database("postgresql") as target:
        source = f"sqlite:///{Path(tmp) / 'pricebot.db'}"
        seed(source, chat_ids(args.chats, slack_share=0.1))
        engine = make_engine(source)
        seed_if_empty(PriceStore(engine), now=datetime.now(UTC))
        matcher = AlertMatcher(engine)
        matcher.start_cursor(now=datetime.now(UTC))
        record_cut(source, "alibaba/qwen-long", "0.0004", Unit.PER_1K)
        Fanout(matcher).catch_up(datetime.now(UTC))
        engine.dispose()
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "bot", "db", "copy", "--from", source, "--to", target],
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - started
        summary = done.stdout.strip().splitlines()[-2]
        rows = int(summary.split()[1])
        print(
            f"{args.chats:,} chats: {rows:,} rows copied in {elapsed:.1f} s "
            f"({rows / elapsed:,.0f} rows/s, the command's start-up included)"
        )


if __name__ == "__main__":
    main()
