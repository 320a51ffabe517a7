"""`pricebot db copy --to URL`: a SQLite store moves to PostgreSQL whole, ids and all."""

from __future__ import annotations

import os
import subprocess

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.alerts.fanout import Fanout
from bot.sources import load_catalog
from storage import (
    AlertMatcher,
    ChatKey,
    DeliveryStore,
    Money,
    Price,
    PriceKind,
    PriceStore,
    Quote,
    SubscriptionSpec,
    SubscriptionStore,
    make_engine,
    upgrade,
)
from storage.source_state import SourceState
from tests.cli_process import run_pricebot
from tests.helpers import quote, utc

INSTALLATION = Installation(
    app_id="A1",
    team_id="T1",
    team_name="One",
    bot_token="xoxb-1-copied",
    bot_id="B1",
    bot_user_id="UB1",
    bot_scopes="commands,chat:write",
    user_id="UINSTALLER",
    installed_at=1_716_278_400.0,
)


def TELEGRAM_CHAT(chat_id: str) -> ChatKey:
    return ChatKey("telegram", chat_id)


HELD_BODY = b'{"gpt-4o": {"input_cost_per_token": 2.5e-06}}'


def pricebot(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRICEBOT_DATABASE_URL": database_url}
    return run_pricebot(args, env=env, timeout=120)


def filled_sqlite_store(path: str) -> PriceStore:
    """The embedded default after some use: the catalog (history) and a few news events."""
    store = PriceStore(make_engine(f"sqlite:///{path}"))
    upgrade(store.engine)
    catalog = load_catalog()
    store.record_rates(catalog.fx_rates)
    store.record(catalog.quotes, source="catalog", observed_at=utc(2024, 6, 1), history=True)
    store.record(
        [quote("deepseek/deepseek-chat", when=utc(2024, 9, 5), input="0.5", currency="CNY")],
        source="admin",
        observed_at=utc(2024, 9, 5),
        across_sources=True,
    )
    # A source's state, with a quarantined snapshot kept as compressed bytes.
    SourceState(store.engine).record_held(
        "litellm", utc(2024, 9, 6), reason="40% of models vanished", model_count=3, body=HELD_BODY
    )
    # Chats with their settings and subscriptions, and alerts still owed to them.
    subs = SubscriptionStore(store.engine)
    matcher = AlertMatcher(store.engine)
    matcher.start_cursor(now=utc(2024, 9, 6))
    for chat in ("100", "200"):
        subs.add(TELEGRAM_CHAT(chat), SubscriptionSpec(), now=utc(2024, 9, 6))
    subs.update_chat(TELEGRAM_CHAT("200"), now=utc(2024, 9, 6), currency="USD")
    store.record(
        [quote("deepseek/deepseek-chat", when=utc(2024, 9, 7), input="0.25", currency="CNY")],
        source="admin",
        observed_at=utc(2024, 9, 7),
        across_sources=True,
    )
    Fanout(matcher).catch_up(utc(2024, 9, 7))
    # A Slack workspace installed through OAuth (slack-sdk's own tables).
    SQLAlchemyInstallationStore(client_id="111.222", engine=store.engine).save(INSTALLATION)
    return store


def test_copy_sqlite_into_postgresql(tmp_path, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    source = filled_sqlite_store(str(tmp_path / "pricebot.db"))
    sqlite_url = str(source.engine.url)
    target = PriceStore(make_engine(pg_url))
    upgrade(target.engine)

    done = pricebot(sqlite_url, "db", "copy", "--to", pg_url)
    assert done.returncode == 0, done.stderr
    rows = {
        line.split()[0]: line.split()[1:]
        for line in done.stdout.splitlines()
        if line and line.split()[0] in {"price_points", "price_events", "fx_rates", "models"}
    }
    events = source.events_after(0, limit=10_000)
    assert rows["price_events"] == [str(len(events))] * 2
    assert "every count matches" in done.stdout

    # What users see is the same on both: events with their ids, prices, history, rates.
    assert target.events_after(0, limit=10_000) == events
    assert target.current() == source.current()
    assert target.history("alibaba/qwen-long") == source.history("alibaba/qwen-long")
    assert target.rates() == source.rates()
    assert target.aliases() == source.aliases()
    (held,) = SourceState(target.engine).held("litellm")
    assert held.reason == "40% of models vanished"
    assert held.body(SourceState(target.engine)) == HELD_BODY
    assert SourceState(target.engine).statuses() == SourceState(source.engine).statuses()
    for chat in ("100", "200"):
        assert SubscriptionStore(target.engine).list_for(TELEGRAM_CHAT(chat)) == SubscriptionStore(
            source.engine
        ).list_for(TELEGRAM_CHAT(chat))
        assert SubscriptionStore(target.engine).get_chat(TELEGRAM_CHAT(chat)) == SubscriptionStore(
            source.engine
        ).get_chat(TELEGRAM_CHAT(chat))
    assert DeliveryStore(target.engine).owed() == DeliveryStore(source.engine).owed() == 2
    assert DeliveryStore(target.engine).counts() == DeliveryStore(source.engine).counts()
    assert AlertMatcher(target.engine).cursor() == AlertMatcher(source.engine).cursor()
    installed = SQLAlchemyInstallationStore(client_id="111.222", engine=target.engine)
    found = installed.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-1-copied"
    assert found.installed_at == INSTALLATION.installed_at

    # Sequences moved past the copied ids: the next event follows the last one.
    cut = Quote(
        model_id="deepseek/deepseek-chat",
        vendor="deepseek",
        vendor_name="DeepSeek",
        display_name="DeepSeek Chat",
        effective_at=utc(2024, 10, 1),
        prices=(Price(PriceKind.INPUT, Money.of("0.2", "CNY")),),
    )
    (new_event,) = target.record(
        [cut], source="admin", observed_at=utc(2024, 10, 1), across_sources=True
    )
    assert new_event.id == events[-1].id + 1

    # A second copy would mix two stores: refused, and nothing written.
    again = pricebot(sqlite_url, "db", "copy", "--to", pg_url)
    assert again.returncode == 2
    assert again.stderr.startswith("error: the target") and "is not empty" in again.stderr
    assert "example: pricebot db copy --to postgresql" in again.stderr
    assert len(target.events_after(0, limit=10_000)) == len(events) + 1
    source.engine.dispose()
    target.engine.dispose()


def test_copy_into_a_fresh_database_migrates_it_first(tmp_path, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    source = filled_sqlite_store(str(tmp_path / "pricebot.db"))
    done = pricebot(str(source.engine.url), "db", "copy", "--to", pg_url)
    assert done.returncode == 0, done.stderr
    target = PriceStore(make_engine(pg_url))
    assert target.last_event_id() == source.last_event_id() > 0
    source.engine.dispose()
    target.engine.dispose()


def test_copy_onto_itself_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'pricebot.db'}"
    done = pricebot(url, "db", "copy", "--to", url)
    assert done.returncode == 2
    assert "the source and the target are the same database" in done.stderr


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("mysql://pricebot:secret@127.0.0.1/pricebot", "mysql"),
        ("mssql+pyodbc://pricebot@dsn", "mssql"),
        ("not-a-url", "not-a-url"),
    ],
)
def test_copy_to_a_database_pricebot_does_not_support_names_the_ones_it_does(
    tmp_path, target: str, named: str
) -> None:  # type: ignore[no-untyped-def]
    """Issue 17, item 11: `--to mysql://…` said "No module named 'MySQLdb'" and exit 1."""
    source = f"sqlite:///{tmp_path / 'pricebot.db'}"
    done = pricebot(source, "db", "copy", "--to", target)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: --to must be a SQLite or PostgreSQL database URL, not {named!r} "
        "(sqlite:///FILE or postgresql+psycopg://USER@HOST:5432/DB)",
        "example: pricebot db copy --to postgresql+psycopg://pricebot@127.0.0.1:5432/pricebot",
    ]
    assert "secret" not in done.stderr
