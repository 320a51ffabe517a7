"""Several processes starting at once on one PostgreSQL migrate it once, without errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from storage import make_engine, pending_migrations

# Several `pricebot` processes at once: one such test at a time (see test_scaleout.py).
pytestmark = pytest.mark.xdist_group("processes")


def test_replicas_starting_together_migrate_once(pg_url: str) -> None:
    database_url = pg_url
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            env={**os.environ, "PRICEBOT_DATABASE_URL": database_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.wait(60), p.stderr.read() if p.stderr else "") for p in starts]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    engine = make_engine(database_url)
    assert pending_migrations(engine) == []
    engine.dispose()
