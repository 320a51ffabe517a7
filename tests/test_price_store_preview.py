"""PriceStore.preview and history_before, on SQLite and PostgreSQL: what sources build on."""

from __future__ import annotations

from decimal import Decimal

from storage import EventType, PriceStore
from tests.helpers import quote, utc

NOW = utc(2026, 11, 1)


def test_preview_says_what_record_would_do_and_writes_nothing(store: PriceStore) -> None:
    store.record([quote("acme/a1", when=utc(2026, 1, 1), input="4")], source="s", observed_at=NOW)
    last = store.last_event_id()
    cheaper = [
        quote("acme/a1", when=utc(2026, 10, 1), input="1"),
        quote("acme/b2", when=NOW, input="2"),
    ]
    preview = store.preview(cheaper, source="s", observed_at=NOW)
    # In order of effect: a1's cut on 2026-10-01, then b2 new at NOW; no ids yet.
    assert [(e.type, e.model_id, e.percent, e.id) for e in preview.events] == [
        (EventType.CUT, "acme/a1", Decimal(75), None),
        (EventType.NEW_MODEL, "acme/b2", None, None),
    ]
    # a model, two price points, two events (the vendor exists)
    assert preview.writes == 5
    assert store.last_event_id() == last
    assert [m.model_id for m in store.models()] == ["acme/a1"]
    assert len(store.history("acme/a1")) == 1

    recorded = store.record(cheaper, source="s", observed_at=NOW)
    assert [(e.type, e.model_id) for e in recorded] == [
        (e.type, e.model_id) for e in preview.events
    ]
    again = store.preview(cheaper, source="s", observed_at=NOW)
    assert (again.events, again.writes) == ([], 0)


def test_history_before_marks_only_the_older_changes(store: PriceStore) -> None:
    store.record(
        [
            quote("acme/a1", when=utc(2026, 1, 1), input="4"),
            quote("acme/a2", when=utc(2026, 1, 1), input="4"),
        ],
        source="s",
        observed_at=NOW,
    )
    events = store.record(
        [
            quote("acme/a1", when=utc(2026, 6, 1), input="2"),
            quote("acme/a2", when=utc(2026, 10, 30), input="2"),
        ],
        source="s",
        observed_at=NOW,
        history_before=utc(2026, 10, 25),
    )
    assert [(e.model_id, e.history) for e in events] == [("acme/a1", True), ("acme/a2", False)]
    assert [(e.model_id, e.history) for e in store.events_after(0, 100)][-2:] == [
        ("acme/a1", True),
        ("acme/a2", False),
    ]


def test_a_new_model_with_a_dated_past_is_news(store: PriceStore) -> None:
    events = store.record(
        [quote("acme/a3", when=utc(2025, 1, 1), input="4"), quote("acme/a3", when=NOW, input="2")],
        source="s",
        observed_at=NOW,
        history_before=utc(2026, 10, 25),
    )
    assert [(e.type, e.history) for e in events] == [
        (EventType.NEW_MODEL, False),
        (EventType.CUT, False),
    ]
