"""`pricebot run` as an operator sees it: health, readiness through a database restart,
metrics, JSON logs, SIGTERM, and replicas starting together on one PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import PriceStore, make_engine
from tests.fakes.db_proxy import DatabaseProxy
from tests.replicas import Replica, wait_for

# Several `pricebot run` processes at once: one such test at a time (see test_scaleout.py).
pytestmark = pytest.mark.xdist_group("processes")


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[Replica]]:
    started: list[Replica] = []
    yield started
    for replica in started:
        replica.stop()


def test_health_metrics_json_logs_and_a_clean_sigterm(
    database_url: str, tmp_path: Path, replicas: list[Replica]
) -> None:
    replica = Replica(database_url, tmp_path, PRICEBOT_LOG_FORMAT="json")
    replicas.append(replica)
    replica.wait_ready()
    assert replica.get("/healthz") == (200, '{"status": "ok"}\n')
    assert replica.is_leader()  # one process on SQLite; the lock's holder on PostgreSQL
    # The fresh store was seeded with the price-war catalog, as history.
    seeded = replica.metric("pricebot_events_recorded_total", type="cut", history="true")
    assert seeded is not None and seeded > 0
    assert replica.metric("pricebot_store_up") == 1

    assert replica.stop() == 0
    records = replica.log_records()  # every line is one JSON object
    messages = [str(r["message"]) for r in records]
    assert any(m.startswith("HTTP server listening on 127.0.0.1:") for m in messages)
    assert messages[-1] == "pricebot stopped"


def test_readyz_follows_the_database_and_the_process_survives(
    pg_url: str, postgres_admin_url: str, tmp_path: Path, replicas: list[Replica]
) -> None:
    with DatabaseProxy.for_url(postgres_admin_url).running() as proxy:
        replica = Replica(proxy.url_through(pg_url), tmp_path)
        replicas.append(replica)
        replica.wait_ready()
        assert replica.is_leader()

        proxy.down()  # every session cut, new connections refused: a database restart
        wait_for(lambda: replica.get("/readyz")[0] == 503, 10, "/readyz failing")
        _, body = replica.get("/readyz")
        assert "cannot reach the database" in body
        assert replica.get("/healthz")[0] == 200  # alive: no reason to restart it
        wait_for(lambda: not replica.is_leader(), 10, "leader stepping down")
        assert replica.metric("pricebot_store_up") == 0

        proxy.up()
        wait_for(replica.ready, 15, "/readyz recovering")
        wait_for(replica.is_leader, 10, "leadership taken again")
        replica.require_alive()


def test_replicas_starting_together_seed_once_and_elect_one_leader(
    pg_url: str, tmp_path: Path, replicas: list[Replica]
) -> None:
    replicas.extend(Replica(pg_url, tmp_path) for _ in range(3))
    for replica in replicas:
        replica.wait_ready()
    wait_for(lambda: sum(r.is_leader() for r in replicas) == 1, 10, "exactly one leader")
    # Three fresh starts on one empty database: the catalog went in once.
    engine = make_engine(pg_url)
    events = PriceStore(engine).events_after(0, limit=100_000)
    engine.dispose()
    keys = [(e.model_id, e.type, e.kind, e.effective_at, e.source) for e in events]
    assert keys and len(keys) == len(set(keys))
    # Each knows there are three of them (each sends a third of a bot's rate).
    wait_for(lambda: all(r.metric("pricebot_replicas") == 3 for r in replicas), 10, "replica count")
