"""Leader election on real PostgreSQL: one leader at a time, and a quick take-over."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from bot.leader import AdvisoryLockLeader, SoleLeader, leader_for
from storage import make_engine
from tests.fakes.db_proxy import DatabaseProxy


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> float:
    """Wait for `condition`; return the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not true within {timeout}s")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


def test_sqlite_has_one_process_which_leads(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    leader = leader_for(engine)
    assert isinstance(leader, SoleLeader) and leader.is_leader and leader.replicas == 1


async def test_one_leader_and_a_takeover_when_it_steps_down(pg_url: str) -> None:
    changes: list[tuple[str, bool]] = []
    first = AdvisoryLockLeader(pg_url, interval=0.1, on_change=lambda v: changes.append(("a", v)))
    second = AdvisoryLockLeader(pg_url, interval=0.1, on_change=lambda v: changes.append(("b", v)))
    await first.start()
    await second.start()
    try:
        await asyncio.sleep(0.3)  # several rounds: the second must not get the lock meanwhile
        assert (first.is_leader, second.is_leader) == (True, False)
        await first.stop()
        await until(lambda: second.is_leader, timeout=2)
        assert changes == [("a", True), ("a", False), ("b", True)]
    finally:
        await first.stop()
        await second.stop()


async def test_every_process_knows_how_many_share_the_database(pg_url: str) -> None:
    """Replicas divide a platform's rate limit by this count."""
    seen: dict[int, list[int]] = {0: [], 1: [], 2: []}
    processes = [
        AdvisoryLockLeader(pg_url, interval=0.1, on_replicas=seen[i].append) for i in range(3)
    ]
    for process in processes:
        await process.start()
    try:
        await until(lambda: all(p.replicas == 3 for p in processes), timeout=2)
        await processes[0].stop()
        await until(lambda: processes[1].replicas == processes[2].replicas == 2, timeout=2)
        assert seen[2][-1] == 2 and 3 in seen[2]
        assert sum(p.is_leader for p in processes[1:]) == 1
    finally:
        for process in processes:
            await process.stop()


async def test_deployments_in_other_schemas_elect_their_own_leader(
    pg_url: str, fresh_schema: Callable[[], str]
) -> None:
    other_url = fresh_schema()
    here = AdvisoryLockLeader(pg_url, interval=0.1)
    there = AdvisoryLockLeader(other_url, interval=0.1)
    await here.start()
    await there.start()
    try:
        assert here.is_leader and there.is_leader
        assert here.replicas == there.replicas == 1
    finally:
        await here.stop()
        await there.stop()


async def test_leader_cut_off_from_the_database_steps_down(
    pg_url: str, postgres_admin_url: str
) -> None:
    """A database restart ends the leader's session: it steps down, and someone leads again."""
    with DatabaseProxy.for_url(postgres_admin_url).running() as proxy:
        cut_off = AdvisoryLockLeader(proxy.url_through(pg_url), interval=0.1)
        direct = AdvisoryLockLeader(pg_url, interval=0.1)
        await cut_off.start()
        await direct.start()
        try:
            assert cut_off.is_leader and not direct.is_leader
            proxy.down()
            await until(lambda: direct.is_leader and not cut_off.is_leader)
            proxy.up()
            await asyncio.sleep(0.4)  # the old leader reconnects but must stay a follower
            assert direct.is_leader and not cut_off.is_leader
        finally:
            await cut_off.stop()
            await direct.stop()


CONTENDER = """
import asyncio, sys, time
from bot.leader import AdvisoryLockLeader

async def main() -> None:
    say = lambda v: print("leader" if v else "follower", flush=True)  # noqa: E731
    leader = AdvisoryLockLeader(sys.argv[1], interval=0.2, on_change=say)
    await leader.start()
    print("started", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_another_process_takes_over_within_seconds_of_a_sigkill(pg_url: str) -> None:
    def contender() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", CONTENDER, pg_url],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.getcwd()},
        )

    first = contender()
    assert first.stdout is not None
    assert first.stdout.readline().strip() == "leader"
    assert first.stdout.readline().strip() == "started"
    second = contender()
    try:
        assert second.stdout is not None
        assert second.stdout.readline().strip() == "started"  # and not "leader" before it
        # Rounds in which the follower must say nothing (it would print "leader").
        assert select.select([second.stdout], [], [], 0.6)[0] == []

        first.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        assert second.stdout.readline().strip() == "leader"
        takeover = time.monotonic() - killed
        # The lock is freed when PostgreSQL sees the socket close; the follower asks every 0.2 s.
        assert takeover < 3, f"take-over took {takeover:.2f}s"
    finally:
        for process in (first, second):
            process.kill()
            process.wait(5)
