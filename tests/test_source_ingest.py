"""The ingest guards on SQLite and PostgreSQL: history is not news, suspect snapshots are
held back, alarming changes wait for a second poll, nothing that vanishes is a change."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.sources import Guards, Snapshot, ingest
from bot.sources.ecb import parse_ecb
from bot.sources.genai_prices import parse_genai_prices, read_bundled
from bot.sources.litellm import parse_litellm
from bot.sources.openrouter import parse_openrouter
from storage import EventType, Money, PriceKind, PriceStore, SourceOutcome, SourceState
from tests import feeds
from tests.helpers import utc

T0 = utc(2026, 11, 1, 9)
T1 = T0 + timedelta(hours=1)
T2 = T0 + timedelta(hours=2)
T3 = T0 + timedelta(hours=3)
GUARDS = Guards()


def openrouter(prices: feeds.Prices, now: datetime) -> Snapshot:
    body = feeds.openrouter(prices)
    return _with_body(parse_openrouter(body, now, "test:openrouter"), body)


def _with_body(snapshot: Snapshot, body: bytes) -> Snapshot:
    from dataclasses import replace

    return replace(snapshot, body=body)


def run(store: PriceStore, snapshot: Snapshot, now: datetime, **kwargs: object):  # type: ignore[no-untyped-def]
    return ingest(
        store,
        SourceState(store.engine),
        snapshot,
        name=snapshot.source,
        now=now,
        guards=kwargs.pop("guards", GUARDS),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def inputs(store: PriceStore, when: datetime) -> dict[str, Decimal]:
    return {
        m.model_id: p.amount.amount
        for m in store.current(when)
        if (p := m.price(PriceKind.INPUT)) is not None
    }


def test_first_import_is_history_and_a_reimport_writes_nothing(store: PriceStore) -> None:
    first = run(store, openrouter(feeds.ten_models(), T0), T0)
    assert first.outcome is SourceOutcome.RECORDED
    assert first.message.startswith("first import: 10 models")
    assert len(first.events) == 10 and all(e.history for e in first.events)
    last_id = store.last_event_id()
    points = sum(len(store.history(m)) for m in feeds.model_ids("openrouter", feeds.ten_models()))

    again = run(store, openrouter(feeds.ten_models(), T1), T1)
    assert (again.outcome, again.events) == (SourceOutcome.UNCHANGED, ())
    assert again.message == "10 models; no changes"
    assert store.last_event_id() == last_id
    assert (
        sum(len(store.history(m)) for m in feeds.model_ids("openrouter", feeds.ten_models()))
        == points
    )
    status = SourceState(store.engine).status("openrouter")
    assert status is not None and status.model_count == 10 and status.first_success_at == T0


def test_an_ordinary_cut_after_the_first_import_is_news(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    cheaper = feeds.ten_models() | {"m4": ("2.5", "10")}
    report = run(store, openrouter(cheaper, T1), T1)
    assert [(e.type, e.model_id, e.kind, e.percent, e.history) for e in report.events] == [
        (EventType.CUT, "openrouter/acme/m4", PriceKind.INPUT, Decimal(50), False)
    ]
    assert report.events[0].effective_at == T1
    assert inputs(store, T1)["openrouter/acme/m4"] == Decimal("2.5")


def test_a_model_going_free_waits_for_a_second_poll(store: PriceStore) -> None:
    state = SourceState(store.engine)
    run(store, openrouter(feeds.ten_models(), T0), T0)
    free = feeds.ten_models() | {"m0": ("0", "0")}

    first = run(store, openrouter(free, T1), T1)
    assert first.events == () and first.pending == ("openrouter/acme/m0",)
    assert "1 alarming changes await a second poll" in first.message
    assert inputs(store, T1)["openrouter/acme/m0"] == Decimal(1)  # last good price stays
    [waiting] = state.pending("openrouter").values()
    assert waiting.first_seen_at == T1 and "(free)" in waiting.description

    second = run(store, openrouter(free, T2), T2)
    assert second.confirmed == ("openrouter/acme/m0",)
    assert {(e.type, e.kind, e.history) for e in second.events} == {
        (EventType.FREE, PriceKind.INPUT, False),
        (EventType.FREE, PriceKind.OUTPUT, False),
    }
    assert inputs(store, T2)["openrouter/acme/m0"] == Decimal(0)
    assert state.pending("openrouter") == {}


def test_a_deep_cut_that_is_not_repeated_is_dropped(store: PriceStore) -> None:
    state = SourceState(store.engine)
    run(store, openrouter(feeds.ten_models(), T0), T0)
    glitch = feeds.ten_models() | {"m9": ("0.1", "20")}  # 10 → 0.1: a 99% cut
    report = run(store, openrouter(glitch, T1), T1)
    assert report.pending == ("openrouter/acme/m9",) and report.events == ()
    assert "cut 99%" in state.pending("openrouter")["openrouter/acme/m9"].description

    back = run(store, openrouter(feeds.ten_models(), T2), T2)
    assert back.events == () and back.pending == ()
    assert state.pending("openrouter") == {}
    assert inputs(store, T2)["openrouter/acme/m9"] == Decimal(10)


def test_a_different_alarming_change_starts_the_wait_again(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    run(store, openrouter(feeds.ten_models() | {"m9": ("0.1", "20")}, T1), T1)
    report = run(store, openrouter(feeds.ten_models() | {"m9": ("0.2", "20")}, T2), T2)
    assert report.events == () and report.pending == ("openrouter/acme/m9",)
    [waiting] = SourceState(store.engine).pending("openrouter").values()
    assert waiting.first_seen_at == T2


def test_many_models_vanishing_at_once_is_held_back(store: PriceStore) -> None:
    state = SourceState(store.engine)
    run(store, openrouter(feeds.ten_models(), T0), T0)
    last_id = store.last_event_id()
    few = dict(list(feeds.ten_models().items())[:6])
    snapshot = openrouter(few, T1)
    report = run(store, snapshot, T1)
    assert report.outcome is SourceOutcome.HELD_BACK
    assert report.message == (
        "held back: 4 of 10 models vanished at once (more than 30%); "
        "the last good data stays current"
    )
    assert store.last_event_id() == last_id
    assert len(state.members("openrouter")) == 10
    [held] = state.held("openrouter")
    assert held.body(state) == snapshot.body and held.times_seen == 1
    run(store, openrouter(few, T2), T2)
    [held] = state.held("openrouter")
    assert held.times_seen == 2  # the same body is kept once
    status = state.status("openrouter")
    assert status is not None and status.held_back_count == 2
    assert status.last_success_at == T0

    forced = run(store, openrouter(few, T3), T3, force=True)
    assert forced.outcome is SourceOutcome.UNCHANGED
    assert "4 models left the feed" in forced.message
    assert len(state.members("openrouter")) == 6


def test_many_prices_changing_at_once_is_held_back(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    halved = {
        name: (str(Decimal(i) / 2), str(Decimal(o) / 2))
        for name, (i, o) in feeds.ten_models().items()
        if i and o
    }
    report = run(store, openrouter(halved, T1), T1)
    assert report.outcome is SourceOutcome.HELD_BACK
    assert "10 of 10 models changed price at once" in report.message
    assert inputs(store, T1)["openrouter/acme/m1"] == Decimal(2)


def test_a_model_leaving_the_feed_is_not_a_price_change(store: PriceStore) -> None:
    run(store, openrouter(feeds.ten_models(), T0), T0)
    fewer = {k: v for k, v in feeds.ten_models().items() if k != "m5"}
    report = run(store, openrouter(fewer, T1), T1)
    assert report.events == ()
    assert "1 models left the feed" in report.message
    assert inputs(store, T1)["openrouter/acme/m5"] == Decimal(6)
    back = run(store, openrouter(feeds.ten_models(), T2), T2)
    assert back.events == ()


def _genai_with_change(start: date, now: datetime) -> Snapshot:
    body = json.dumps(
        [
            {
                "id": "acme",
                "name": "Acme AI",
                "models": [
                    {"id": f"m{i}", "prices": {"input_mtok": i + 1, "output_mtok": 2 * (i + 1)}}
                    for i in range(1, 10)
                ]
                + [
                    {
                        "id": "m0",
                        "prices": [
                            {"prices": {"input_mtok": 1, "output_mtok": 2}},
                            {
                                "constraint": {"start_date": start.isoformat()},
                                "prices": {"input_mtok": 0.5, "output_mtok": 2},
                            },
                        ],
                    }
                ],
            }
        ]
    ).encode()
    return parse_genai_prices(body, now, "test:genai")


def test_dated_changes_found_late_are_history_recent_ones_news(store: PriceStore) -> None:
    run(store, parse_genai_prices(feeds.genai(feeds.ten_models()), T0, "test:genai"), T0)
    month_ago = (T1 - timedelta(days=30)).date()
    old = run(store, _genai_with_change(month_ago, T1), T1)
    # The change at its date, and the price in force now corrected: both history.
    assert [(e.type, e.effective_at, e.history) for e in old.events] == [
        (EventType.CUT, datetime.combine(month_ago, datetime.min.time(), UTC), True),
        (EventType.CUT, T1, True),
    ]
    assert old.news == ()
    assert inputs(store, T1)["acme/m0"] == Decimal("0.5")


def test_a_dated_change_within_the_horizon_is_news(store: PriceStore) -> None:
    run(store, parse_genai_prices(feeds.genai(feeds.ten_models()), T0, "test:genai"), T0)
    yesterday = (T1 - timedelta(days=1)).date()
    report = run(store, _genai_with_change(yesterday, T1), T1)
    # One alert, dated when the cut took effect; the price now follows it silently.
    assert [(e.type, e.effective_at.date(), e.history) for e in report.events] == [
        (EventType.CUT, yesterday, False),
        (EventType.CUT, T1.date(), True),
    ]
    assert len(report.news) == 1


def test_genai_history_import_shows_o3s_cut_with_its_real_date(store: PriceStore) -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    report = run(store, read_bundled(now), now)
    # One offer per spelling (OpenRouter's bare and prefixed entries meet); pointers,
    # batch variants and entries without token prices are left out.
    assert report.outcome is SourceOutcome.RECORDED and report.models > 1800
    cuts = [
        e
        for e in store.events_for("openai/o3")
        if e.type is EventType.CUT and e.kind is PriceKind.INPUT
    ]
    assert [(e.effective_at, e.old, e.new, e.percent, e.history) for e in cuts] == [
        (utc(2025, 6, 10), Money(Decimal(10), "USD"), Money(Decimal(2), "USD"), Decimal(80), True)
    ]
    [o3] = [m for m in store.current(now) if m.model_id == "openai/o3"]
    assert o3.price(PriceKind.INPUT).amount == Money(Decimal(2), "USD")  # type: ignore[union-attr]
    assert o3.vendor_name == "OpenAI"
    again = run(store, read_bundled(now + timedelta(hours=12)), now + timedelta(hours=12))
    assert again.outcome is SourceOutcome.UNCHANGED and again.events == ()


def test_an_alias_from_one_feed_keeps_another_feed_from_making_a_second_model(
    store: PriceStore,
) -> None:
    genai = json.dumps(
        [
            {
                "id": "openai",
                "name": "OpenAI",
                "models": [
                    {
                        "id": "o9",
                        "match": {"or": [{"equals": "o9"}, {"equals": "o9-2025-04-16"}]},
                        "prices": {"input_mtok": 2, "output_mtok": 8},
                    }
                ],
            }
        ]
    ).encode()
    run(store, parse_genai_prices(genai, T0, "g"), T0)
    litellm = json.dumps(
        {
            "o9-2025-04-16": {"litellm_provider": "openai", "input_cost_per_token": 2e-06},
            "openai/o9-2025-04-16": {"litellm_provider": "openai", "input_cost_per_token": 2e-06},
        }
    ).encode()
    report = run(store, parse_litellm(litellm, T1, "l"), T1)
    assert report.models == 1
    assert [m.model_id for m in store.models()] == ["openai/o9"]
    assert store.resolve_model("o9-2025-04-16") == "openai/o9"


def test_exchange_rates_are_dated_and_named(store: PriceStore) -> None:
    body = b"""<Envelope><Cube><Cube time="2026-10-30">
      <Cube currency="USD" rate="1.16"/><Cube currency="CNY" rate="8.2592"/>
    </Cube></Cube></Envelope>"""
    report = run(store, parse_ecb(body, T0, "ecb.xml"), T0)
    assert report.outcome is SourceOutcome.RECORDED
    assert report.message == "3 rates (3 new); latest 2026-10-30: 1 USD = 7.12 CNY"
    conversion = store.convert(Money(Decimal(1), "USD"), "CNY", date(2026, 11, 1))
    assert conversion.money == Money(Decimal("7.12"), "CNY")
    assert conversion.note() == (
        "at 7.12 CNY/USD of 2026-10-30 (ECB euro reference rates, USD/CNY cross)"
    )
    assert run(store, parse_ecb(body, T1, "ecb.xml"), T1).outcome is SourceOutcome.UNCHANGED
