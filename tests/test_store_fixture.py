"""The `store` fixture: on PostgreSQL a worker's tests share one migrated schema, emptied
between them (tests/conftest.py). What the next test finds must be what a newly migrated
schema gives: no rows, ids from 1, no lock left by the test before.

The two tests run in this order on one worker (an xdist group); the second checks what
the first left behind.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage import ChatKey, PriceStore, SubscriptionSpec, SubscriptionStore, make_engine
from tests.helpers import quote, utc

pytestmark = pytest.mark.xdist_group("store-fixture")

NOW = utc(2024, 5, 1)
KEY = ChatKey("console", "c1")
_left_by_first: dict[str, str] = {}


def test_a_test_leaves_rows_and_a_transaction_holding_a_lock(
    store: PriceStore, database_url: str
) -> None:
    subs = SubscriptionStore(store.engine)
    subs.add(KEY, SubscriptionSpec(), now=NOW)
    subs.add(ChatKey("console", "c2"), SubscriptionSpec(), now=NOW)
    store.record(
        [quote("alibaba/qwen-long", when=NOW, input="0.5", output="2")],
        source="test",
        observed_at=NOW,
    )
    if database_url.startswith("postgresql"):
        # As a test that failed halfway might: a connection never closed, mid-transaction.
        leaked = make_engine(database_url).connect()
        leaked.execute(text("LOCK TABLE chats IN ACCESS EXCLUSIVE MODE"))
    _left_by_first[database_url.split(":", 1)[0]] = database_url


def test_the_next_test_finds_an_empty_store_with_ids_from_one(
    store: PriceStore, database_url: str
) -> None:
    backend = database_url.split(":", 1)[0]
    if backend.startswith("postgresql") and backend in _left_by_first:
        assert database_url == _left_by_first[backend]  # the same schema, lent again
    assert store.current(NOW) == [] and store.last_event_id() == 0
    subs = SubscriptionStore(store.engine)
    assert subs.count() == 0
    added, _ = subs.add(KEY, SubscriptionSpec(), now=NOW)
    assert added.id == 1
