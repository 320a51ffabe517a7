"""Import genai-prices' bundled data into an empty store, then again, on SQLite and PostgreSQL.

Targets: the first import under 5 s, the second under 1 s and writing nothing.
Both go through the real ingest step (guards included), as `pricebot sources
refresh genai-prices` does. Run:

    .venv/bin/python bench/bench_import.py

PostgreSQL is at PRICEBOT_TEST_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test), in a fresh schema dropped
afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.sources.genai_prices import read_bundled
from bot.sources.ingest import Guards, ingest
from storage import PriceStore, SourceState, make_engine, upgrade
from storage.tables import FreeOfferRow, PriceEventRow, PricePointRow

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def rows(store: PriceStore) -> int:
    with store.engine.connect() as conn:
        return sum(
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (PricePointRow, FreeOfferRow, PriceEventRow)
        )


def run(label: str, url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    store = PriceStore(engine)
    state = SourceState(engine)
    now = datetime.now(UTC)

    started = time.perf_counter()
    snapshot = read_bundled(now)
    parsed = time.perf_counter() - started

    started = time.perf_counter()
    first = ingest(store, state, snapshot, name="genai-prices", now=now, guards=Guards())
    first_time = time.perf_counter() - started
    after_first = rows(store)

    later = now + timedelta(hours=12)
    again = read_bundled(later)
    started = time.perf_counter()
    second = ingest(store, state, again, name="genai-prices", now=later, guards=Guards())
    second_time = time.perf_counter() - started
    written = rows(store) - after_first

    print(
        f"{label:10}  read bundled data {parsed:5.2f} s  "
        f"first import {first_time:5.2f} s ({first.models} models, {after_first} rows)  "
        f"second import {second_time:5.2f} s ({written} rows written, {second.outcome.value})"
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
