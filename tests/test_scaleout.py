"""Scale-out: three `pricebot run` processes on one PostgreSQL, one of them killed halfway.

3,000 chats (Telegram in webhook mode, Slack in HTTP mode, both fakes) watch
Alibaba; Qwen-Long's input price is cut. Halfway through the sending, the leader
(the process running fan-out and the poller) is killed with SIGKILL. Every chat
still gets its alert; duplicates, if any, are counted and stay within the
in-flight window (one claimed batch of the dead process); another process takes
the leader lock within seconds, and its fan-out alerts the next cut.

3,000 chats keep the kill in the middle of the sending (15 claimed batches, about
six seconds of sending at the cluster's ~500 messages/s) at a third of the test's
time with 10,000; bench/bench_scaleout.py measures the larger runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Unit
from tests.replicas import wait_for
from tests.scaleout import (
    CANARY,
    Cluster,
    FakePlatforms,
    Progress,
    chat_ids,
    expected,
    record_cut,
    seed,
    wait_for_everyone,
)

# Several `pricebot run` processes whose timing is checked: never two such tests at once
# (xdist runs a group on one worker).
pytestmark = pytest.mark.xdist_group("processes")

CHATS = 3_000
BATCH = 200  # PRICEBOT_DELIVERY_BATCH: what one dispatcher claims at once
# PRICEBOT_DELIVERY_LEASE: how long a dead process's claims stay claimed. Long enough
# that a live process slowed by a loaded 2-core CI machine keeps its claims (a lapsed
# lease lets a second process resend them), short enough to keep the test brisk.
LEASE = 10.0


@pytest.fixture
def platforms() -> Iterator[FakePlatforms]:
    fakes = FakePlatforms()
    yield fakes
    fakes.close()


@pytest.fixture
def cluster(pg_url: str, tmp_path: Path, platforms: FakePlatforms) -> Iterator[Cluster]:
    group = Cluster(
        pg_url,
        tmp_path,
        platforms,
        env={
            "PRICEBOT_DELIVERY_BATCH": str(BATCH),
            "PRICEBOT_DELIVERY_LEASE": str(LEASE),
            "PRICEBOT_FANOUT_INTERVAL": "0.2",
            "PRICEBOT_LEADER_INTERVAL": "0.5",
            # The fakes enforce no limit; this measures pricebot, not Telegram's 30/s.
            "PRICEBOT_TELEGRAM_MESSAGES_PER_SECOND": "100000",
        },
    )
    yield group
    group.stop()


def test_three_processes_one_killed_halfway_every_chat_alerted(
    cluster: Cluster, platforms: FakePlatforms
) -> None:
    chats = chat_ids(CHATS, slack_share=0.1)
    platforms.add_slack_channels(c.chat_id for c in chats if c.platform == "slack")
    seed(cluster.database_url, chats)
    cluster.start(3)
    leader = cluster.leader()

    record_cut(cluster.database_url, "alibaba/qwen-long", "0.0004", Unit.PER_1K)
    progress = Progress(expected(chats))
    # A deadline, not a speed target: a loaded machine may take a while to get there.
    wait_for(lambda: progress.sample(platforms) >= CHATS // 2, 120, "half the chats alerted")
    leader.kill()
    killed_at = time.monotonic()

    survivors = cluster.alive()
    assert len(survivors) == 2
    new_leader = cluster.leader(timeout=15)
    failover = time.monotonic() - killed_at
    assert new_leader is not leader and failover < 5, f"fail-over took {failover:.1f}s"

    wait_for_everyone(progress, platforms, timeout=60)
    duplicates = progress.duplicates()
    print(  # the figures, visible with -s
        f"\n{CHATS:,} chats: {progress.rate():,.0f} messages/s, {duplicates} duplicates, "
        f"fail-over {failover:.2f}s"
    )
    # At most the dead process's claimed batch can go out twice (sent, not yet recorded).
    assert duplicates <= BATCH

    # The new leader fans out: the next cut reaches the canary that watches DeepSeek.
    record_cut(cluster.database_url, "deepseek/deepseek-v2", "0.5")
    canary = (CANARY.platform, CANARY.chat_id)
    wait_for(lambda: platforms.received()[canary] == 1, 15, "the canary's alert")
    assert all(r.alive() for r in survivors)
    for replica in survivors:
        assert replica.metric("pricebot_replicas") == 2
