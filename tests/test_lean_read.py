"""`pricebot ask`'s lean read of the store gives what the full read gives, on SQLite
(through sqlite3 alone) and PostgreSQL (through SQLAlchemy Core): the same snapshot and
the same replies, now and as of past dates, on a store with history (cuts, new models,
aliases, resellers, free offers starting and ending, scheduled prices, delistings)."""

from __future__ import annotations

import random
import sqlite3
import string
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.answers import Defaults, SnapshotCache, ask, load_snapshot
from bot.answers.vocabulary import _SQUASH, squash
from bot.chat.render import render_text, to_json
from bot.cli.common import end_of
from storage import FreeOffer, FxRate, PriceStore
from storage.lean_read import LeanReader, open_sqlite
from storage.values import DateBasis
from tests.answer_helpers import load_bundled
from tests.helpers import quote, utc
from tests.test_snapshot_refresh import DAY, T0, listed, openrouter_run, same

QUESTIONS = (
    "cheapest for 1M tokens",
    "cheapest input only in CNY",
    "cheapest for 1M tokens direct only",
    "top 10 cheapest 1M in 200k out",
    "free models",
    "price qwen-long",
    "price acme/one",
    "price 智谱四",
    "cost deepseek-v2 2M in 500k out",
    "compare qwen-long and deepseek-v2",
    "compare acme/one and acme/two in CNY",
    "cheapest for 1M tokens as of 2024-05-12",
    "cheapest for 1M tokens as of 2024-05-22",
    "100万tokens最便宜的是哪个？",
    "price qwen-lng",
)
# `--as-of` on the command line: the default date of every question.
OBSERVED = DateBasis.OBSERVED
AS_OF = (None, end_of(date(2024, 5, 20)))


@pytest.fixture
def lean(database_url: str, store: PriceStore) -> Iterator[LeanReader]:
    """The lean reader `pricebot ask` would use for this store."""
    if database_url.startswith("sqlite"):
        reader = open_sqlite(database_url)
        assert reader is not None, "a migrated SQLite file is read through sqlite3"
    else:
        reader = LeanReader.over(store.engine)
    with reader:
        yield reader


def history(store: PriceStore) -> Iterator[datetime]:
    """The bundled price war, then a year of a feed's changes; yields moments to ask at."""
    load_bundled(store)
    store.record_rates([FxRate("USD", "CNY", Decimal("7.2"), date(2026, 10, 1), "test")])
    store.record(
        [
            quote("acme/one", when=T0, input="1", output="2", aliases=("one",)),
            quote("acme/two", when=T0, input="3", output="4"),
            quote("beta/x", when=T0, input="5", output="5", currency="CNY"),
        ],
        source="feed",
        observed_at=T0,
    )
    openrouter_run(store, listed(), T0)
    now = T0 + timedelta(hours=1)
    yield now
    # A cut; a reseller; a Chinese name and alias; the same offer from a second source.
    resold = replace(
        quote("resell/acme-one", when=now, input="0.9", output="2", name="Resell: one"),
        canonical_id="acme/one",
    )
    chinese = quote(
        "zhipu/glm-4", when=now, input="1", output="1", name="智谱 GLM-4", aliases=("智谱四",)
    )
    store.record(
        [quote("acme/one", when=now, input="0.5", output="2"), resold, chinese],
        source="feed",
        observed_at=now,
    )
    store.record(
        [quote("acme/one", when=T0, input="0.5", output="2")], source="other", observed_at=now
    )
    # A second source agrees with a stated price, first seeing it later: the stated date
    # is the one shown (each source's latest is a candidate, not only the newest).
    seen_later = replace(quote("acme/two", when=now, input="3", output="4"), date_basis=OBSERVED)
    store.record([seen_later], source="observer", observed_at=now)
    now += timedelta(minutes=1)
    yield now
    # Free: one offer until a date, one by zero prices; a price scheduled ahead.
    ends = now + timedelta(hours=2)
    later = now + timedelta(hours=1)
    store.record(
        [
            quote("acme/two", when=now, input="3", output="4", free_offer=FreeOffer(until=ends)),
            quote("beta/x", when=now, input="0", output="0", currency="CNY"),
        ],
        source="feed",
        observed_at=now,
    )
    store.record(
        [quote("beta/x", when=later, input="2", output="3", currency="CNY")],
        source="feed",
        observed_at=now,
    )
    now += timedelta(minutes=1)
    yield now
    now = ends + timedelta(minutes=1)  # the free offer ended, the scheduled price is in
    yield now
    # Free again, with no end: the newest free offer is the one in force.
    store.record(
        [quote("acme/two", when=now, input="3", output="4", free_offer=FreeOffer())],
        source="feed",
        observed_at=now,
    )
    now += timedelta(minutes=1)
    yield now
    # An offer OpenRouter stops listing is delisted.
    without = {k: v for k, v in listed().items() if k != "m5"}
    for _ in range(3):
        now += DAY
        openrouter_run(store, without, now)
    yield now + timedelta(minutes=1)


def replies(source: PriceStore | LeanReader, now: datetime) -> list[str]:
    """Every question's reply, as text and JSON, with and without a default date."""
    cache = SnapshotCache(source, warm=False)
    found = []
    for as_of in AS_OF:
        for text in QUESTIONS:
            reply = ask(cache, text, now=now, defaults=Defaults(as_of=as_of))
            found.append(f"{text} @ {as_of}\n{render_text(reply)}\n{to_json(reply)}")
    return found


def test_the_lean_read_answers_as_the_full_read(store: PriceStore, lean: LeanReader) -> None:
    for now in history(store):
        current = load_snapshot(lean, now)
        same(current, load_snapshot(store, now))
        for day in (utc(2024, 5, 12, 23), utc(2024, 5, 22, 23), now - timedelta(minutes=30)):
            full = load_snapshot(store, day, dated=True)
            # A dated snapshot read beside the one for now takes its names (the same).
            mine = load_snapshot(lean, day, dated=True, names_from=current)
            assert mine.vocabulary is current.vocabulary
            same(mine, full)
            assert mine.first_seen == full.first_seen
            assert mine.seen == full.seen
        assert replies(lean, now) == replies(store, now)
    # The questions reached what they ask about (not all refusals).
    text = "\n".join(replies(lean, now))
    assert "Qwen-Long" in text and "Acme" in text and "智谱 GLM-4" in text
    assert "Did you mean" in text


def test_a_plain_sqlite_file_only(tmp_path, migrated_sqlite) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "none.db"
    assert open_sqlite(f"sqlite:///{missing}") is None
    assert not missing.exists(), "a missing store is created by the usual path, migrated"
    assert open_sqlite("sqlite:///:memory:") is None
    assert open_sqlite(f"sqlite:///{migrated_sqlite}?timeout=5") is None
    assert open_sqlite(f"sqlite:///{str(migrated_sqlite).replace('/', '%2F')}") is None
    assert open_sqlite("postgresql+psycopg://postgres@127.0.0.1/x") is None
    behind = tmp_path / "behind.db"
    behind.write_bytes(migrated_sqlite.read_bytes())
    with sqlite3.connect(behind) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001_initial'")
    assert open_sqlite(f"sqlite:///{behind}") is None, "an old schema is migrated first"
    current = open_sqlite(f"sqlite:///{migrated_sqlite}")
    assert current is not None
    with current:
        assert current.data_version() == (0, 0, 0, 0, 0, 0)


def test_names_squash_as_the_pattern_does() -> None:
    # `squash` skips NFKC and the pattern for ASCII names (what a vocabulary of thousands
    # of names is made of); the result must be what the one pattern gives.
    rng = random.Random(17)
    alphabet = string.printable + "..--__ 4.6\x1c\x1f\x7f"
    names = {"Claude Opus 4.6", "claude-opus-4-6", "gpt-4.1 mini", "v1. 2", "4 .6", "a\t-_b"}
    names |= {"".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(20_000)}
    names |= {"通义千问 Max", "ＧＰＴ－４", "Qwen2.5-Max（阿里云）"}
    for name in names:
        expected = _SQUASH.sub("", unicodedata.normalize("NFKC", name).lower())
        assert squash(name) == expected, repr(name)
