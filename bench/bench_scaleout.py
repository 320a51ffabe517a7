"""Scale-out on PostgreSQL: messages/s with 1, 2 and 3 `pricebot run` processes, and the
time another process takes to become leader after the leader is killed (SIGKILL).

Each run: a fresh schema, N chats (Telegram in webhook mode and Slack in HTTP mode,
both fake servers that enforce no limit, so this measures pricebot rather than
Telegram's 30 messages/s), the replicas started and ready, then a cut that matches
every chat. The rate is chats / (last chat reached - first message).

    PRICEBOT_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_scaleout.py [--chats 10000] [--failovers 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts_common import database, postgres_url

from storage import Unit
from tests.scaleout import (
    Cluster,
    FakePlatforms,
    Progress,
    chat_ids,
    expected,
    record_cut,
    seed,
    wait_for_everyone,
)

ENV = {
    "PRICEBOT_FANOUT_INTERVAL": "0.2",
    "PRICEBOT_LEADER_INTERVAL": "0.5",
    "PRICEBOT_TELEGRAM_MESSAGES_PER_SECOND": "100000",
}


def throughput(processes: int, chats: int) -> tuple[float, float]:
    """(messages/s, seconds from the cut to the last chat reached)."""
    platforms = FakePlatforms()
    try:
        with database("postgresql") as url, tempfile.TemporaryDirectory() as logs:
            everyone = chat_ids(chats, slack_share=0.1)
            platforms.add_slack_channels(c.chat_id for c in everyone if c.platform == "slack")
            seed(url, everyone)
            cluster = Cluster(url, Path(logs), platforms, env=ENV)
            try:
                cluster.start(processes)
                cluster.leader()
                progress = Progress(expected(everyone))
                cut_at = time.monotonic()
                record_cut(url, "alibaba/qwen-long", "0.0004", Unit.PER_1K)
                wait_for_everyone(progress, platforms, timeout=600)
                assert progress.done_at is not None
                return progress.rate(), progress.done_at - cut_at
            finally:
                cluster.stop()
    finally:
        platforms.close()


def failover(rounds: int, interval: float) -> list[float]:
    """Seconds from SIGKILL of the leader to another replica holding the lock."""
    platforms = FakePlatforms()
    times = []
    try:
        with database("postgresql") as url, tempfile.TemporaryDirectory() as logs:
            seed(url, [])
            env = {**ENV, "PRICEBOT_LEADER_INTERVAL": str(interval)}
            cluster = Cluster(url, Path(logs), platforms, env=env)
            try:
                cluster.start(3)
                for _ in range(rounds):
                    leader = cluster.leader()
                    leader.kill()
                    killed = time.monotonic()
                    cluster.leader(timeout=30)
                    times.append(time.monotonic() - killed)
                    cluster.start(1)  # back to three
            finally:
                cluster.stop()
    finally:
        platforms.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--failovers", type=int, default=5)
    parser.add_argument("--processes", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--leader-intervals", type=float, nargs="*", default=[0.5, 2.0])
    args = parser.parse_args()
    if not postgres_url():
        sys.exit("set PRICEBOT_TEST_POSTGRES_URL (or PRICEBOT_BENCH_POSTGRES_URL)")
    for processes in args.processes:
        rate, total = throughput(processes, args.chats)
        print(
            f"{processes} process{'es' if processes > 1 else ''}: {args.chats:,} chats, "
            f"{rate:,.0f} messages/s, last chat reached {total:.1f} s after the cut"
        )
    for interval in args.leader_intervals if args.failovers else []:
        times = failover(args.failovers, interval)
        print(
            f"fail-over (leader killed → another leads), {len(times)} times: "
            f"median {statistics.median(times):.2f} s, max {max(times):.2f} s "
            f"(PRICEBOT_LEADER_INTERVAL={interval:g})"
        )


if __name__ == "__main__":
    main()
