"""The store keeps offers apart from models, dates true, tiers that end, and listings.

Every test runs on SQLite and PostgreSQL (the `store` fixture).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage import DateBasis, EventType, FreeOffer, Money, Price, PriceKind, PriceStore, Quote
from storage.source_tables import SourceModelRow
from tests.helpers import quote, utc

NOW = utc(2026, 12, 1, 12)


def opus(when: datetime, *, tiered: bool, basis: DateBasis = DateBasis.EFFECTIVE) -> Quote:
    """Anthropic's claude-opus-4-6: $5/$25, and $10/$37.50 over 200K until 2026-03-13."""
    prices = [
        Price(PriceKind.INPUT, Money.of("5", "USD")),
        Price(PriceKind.OUTPUT, Money.of("25", "USD")),
    ]
    if tiered:
        prices += [
            Price(PriceKind.INPUT, Money.of("10", "USD"), 200_000),
            Price(PriceKind.OUTPUT, Money.of("37.5", "USD"), 200_000),
        ]
    return Quote(
        model_id="anthropic/claude-opus-4-6",
        vendor="anthropic",
        vendor_name="Anthropic",
        display_name="Claude Opus 4.6",
        effective_at=when,
        prices=tuple(prices),
        canonical_id="anthropic/claude-opus-4-6",
        date_basis=basis,
    )


def test_an_offer_knows_the_model_it_sells(store: PriceStore) -> None:
    resale = replace(
        quote("vertex/claude-opus-4-6", when=NOW, input="5", output="25"),
        canonical_id="anthropic/claude-opus-4-6",
    )
    own = opus(NOW, tiered=False)
    store.record([own, resale], source="feed", observed_at=NOW)
    by_id = {m.model_id: m for m in store.current(NOW)}
    assert by_id["vertex/claude-opus-4-6"].model_key == "anthropic/claude-opus-4-6"
    assert by_id["vertex/claude-opus-4-6"].maker == "anthropic"
    assert not by_id["vertex/claude-opus-4-6"].is_maker_offer
    assert by_id["anthropic/claude-opus-4-6"].is_maker_offer
    infos = {m.model_id: m.canonical_id for m in store.models()}
    assert infos["vertex/claude-opus-4-6"] == "anthropic/claude-opus-4-6"


def test_an_old_offer_gets_its_model_when_listed_again(store: PriceStore) -> None:
    plain = quote("google/claude-opus-4-6", when=NOW, input="5", output="25")
    store.record([plain], source="feed", observed_at=NOW)
    assert store.current(NOW)[0].model_key == "google/claude-opus-4-6"
    later = NOW + timedelta(hours=1)
    store.record(
        [replace(plain, effective_at=later, canonical_id="anthropic/claude-opus-4-6")],
        source="feed",
        observed_at=later,
    )
    assert store.current(later)[0].model_key == "anthropic/claude-opus-4-6"


def test_a_surcharge_that_ends_is_a_cut_for_long_prompts(store: PriceStore) -> None:
    ended = utc(2026, 3, 13)
    events = store.record(
        [opus(utc(2026, 2, 5), tiered=True), opus(ended, tiered=False)],
        source="genai-prices",
        observed_at=NOW,
    )
    long_cuts = [e for e in events if e.type is EventType.CUT and e.tier == 200_000]
    assert {(e.kind, e.old, e.new, e.percent) for e in long_cuts} == {
        (PriceKind.INPUT, Money.of("10", "USD"), Money.of("5", "USD"), Decimal(50)),
        (PriceKind.OUTPUT, Money.of("37.5", "USD"), Money.of("25", "USD"), Decimal("33.33")),
    }
    assert all(e.effective_at == ended for e in long_cuts)
    before = store.current(utc(2026, 3, 1))[0]
    after = store.current(utc(2026, 3, 14))[0]
    assert before.price_for_prompt(PriceKind.INPUT, 300_000).amount == Money.of("10", "USD")
    assert after.price_for_prompt(PriceKind.INPUT, 300_000).amount == Money.of("5", "USD")
    # The same feed again changes nothing.
    again = store.record(
        [opus(utc(2026, 2, 5), tiered=True), opus(ended, tiered=False)],
        source="genai-prices",
        observed_at=NOW + timedelta(hours=1),
    )
    assert again == []


def test_a_catalog_giving_tiers_in_separate_entries_stays_idempotent(store: PriceStore) -> None:
    day = utc(2024, 5, 14)
    base = quote("google/gemini-1.5-pro", when=day, input="3.50", output="10.50")
    tier = quote("google/gemini-1.5-pro", when=day, input="7", output="21", tier=128_000)
    store.record([base, tier], source="catalog:x", observed_at=NOW)
    assert store.record([base, tier], source="catalog:x", observed_at=NOW) == []
    model = store.current(NOW)[0]
    assert model.price(PriceKind.INPUT, 128_000).amount == Money.of("7", "USD")


def test_an_observed_change_says_between_when(store: PriceStore) -> None:
    first = utc(2026, 11, 1)
    observed = replace(
        quote("openrouter/acme/m", when=first, input="2", output="4"),
        date_basis=DateBasis.OBSERVED,
    )
    store.record([observed], source="openrouter", observed_at=first)
    last_seen = utc(2026, 11, 20)
    with Session(store.engine) as session, session.begin():
        session.add(
            SourceModelRow(
                source="openrouter",
                model_id="openrouter/acme/m",
                first_seen_at=first,
                last_seen_at=last_seen,
                missed=0,
            )
        )
    cut = replace(observed, effective_at=NOW, prices=observed.prices[:1])
    cut = replace(cut, prices=(Price(PriceKind.INPUT, Money.of("1", "USD")),))
    events = store.record([cut], source="openrouter", observed_at=NOW)
    assert [(e.type, e.date_basis, e.not_before, e.effective_at) for e in events] == [
        (EventType.CUT, DateBasis.OBSERVED, last_seen, NOW)
    ]
    point = store.history("openrouter/acme/m")[-1]
    assert point.date_basis is DateBasis.OBSERVED


def test_a_delisted_offer_is_not_current_and_comes_back(store: PriceStore) -> None:
    store.record(
        [quote("openrouter/acme/m", when=utc(2026, 11, 1), input="2", output="4")],
        source="openrouter",
        observed_at=utc(2026, 11, 1),
    )
    with Session(store.engine) as session, session.begin():
        session.add(
            SourceModelRow(
                source="openrouter",
                model_id="openrouter/acme/m",
                first_seen_at=utc(2026, 11, 1),
                last_seen_at=utc(2026, 11, 10),
                missing_since=utc(2026, 11, 11),
                missed=3,
                delisted_at=utc(2026, 11, 11),
            )
        )
    assert [m.model_id for m in store.current(utc(2026, 11, 10))] == ["openrouter/acme/m"]
    assert store.current(NOW) == []
    with Session(store.engine) as session, session.begin():
        session.execute(text("UPDATE source_models SET delisted_at = NULL, missed = 0"))
    assert [m.model_id for m in store.current(NOW)] == ["openrouter/acme/m"]


def test_a_free_offer_carries_its_last_confirmation(store: PriceStore) -> None:
    start = utc(2024, 5, 21)
    free = quote("baidu/ernie-speed", when=start, input="0", output="0", free_offer=FreeOffer())
    store.record([free], source="catalog:war", observed_at=NOW)
    assert store.current(NOW)[0].free_confirmed_at == start
    with Session(store.engine) as session, session.begin():
        session.add(
            SourceModelRow(
                source="catalog:war",
                model_id="baidu/ernie-speed",
                first_seen_at=NOW,
                last_seen_at=utc(2024, 5, 25),
                missed=0,
            )
        )
    assert store.current(NOW)[0].free_confirmed_at == utc(2024, 5, 25)
    # As of a day before that confirmation, the confirmation reaches only that day.
    assert store.current(utc(2024, 5, 22, 23))[0].free_confirmed_at == utc(2024, 5, 22, 23)


def test_first_seen_says_where_the_earliest_date_comes_from(store: PriceStore) -> None:
    store.record(
        [
            replace(
                quote("openai/o3", when=utc(2025, 4, 16), input="10", output="40"),
                date_basis=DateBasis.INFERRED,
            ),
            quote("openai/o3", when=utc(2025, 6, 10), input="2", output="8"),
            replace(
                quote("openai/gpt-5", when=NOW, input="1.25", output="10"),
                date_basis=DateBasis.OBSERVED,
            ),
        ],
        source="genai-prices",
        observed_at=NOW,
    )
    seen = store.first_seen()
    assert (seen["openai/o3"].at, seen["openai/o3"].basis) == (
        utc(2025, 4, 16),
        DateBasis.INFERRED,
    )
    assert (seen["openai/gpt-5"].at, seen["openai/gpt-5"].basis) == (NOW, DateBasis.OBSERVED)
    assert [m.model_id for m in store.current(utc(2024, 5, 22))] == []
    assert datetime(1970, 1, 1, tzinfo=UTC) not in {s.at for s in seen.values()}


def test_migrating_an_old_store_dates_nothing_1970(database_url: str) -> None:
    """A store written before migration 0005 (genai-prices' first prices at 1970-01-01)."""
    from storage import make_engine, upgrade

    engine = make_engine(database_url)
    upgrade(engine, "0004_slack")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    fetched = utc(2026, 11, 30, 8)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO vendors (id, name) VALUES ('openai', 'OpenAI')"))
        for model in ("openai/o3", "openai/gpt-4o"):
            conn.execute(
                text(
                    "INSERT INTO models (id, vendor_id, display_name, mode, first_seen_at) "
                    "VALUES (:m, 'openai', :m, 'chat', :at)"
                ),
                {"m": model, "at": fetched},
            )
        rows = [
            ("openai/o3", "10", epoch),  # before its 2025-06-10 cut, no start given
            ("openai/o3", "2", utc(2025, 6, 10)),
            ("openai/gpt-4o", "2.5", epoch),  # undated, nothing follows
        ]
        for model, amount, at in rows:
            conn.execute(
                text(
                    "INSERT INTO price_points (model_id, kind, tier, amount, currency, "
                    "effective_at, observed_at, source) VALUES "
                    "(:m, 'input', 0, :a, 'USD', :at, :seen, 'genai-prices')"
                ),
                {"m": model, "a": amount, "at": at, "seen": fetched},
            )
    upgrade(engine)
    store = PriceStore(engine)
    o3 = [(p.effective_at, p.date_basis) for p in store.history("openai/o3")]
    assert o3 == [
        (utc(2025, 6, 9), DateBasis.INFERRED),
        (utc(2025, 6, 10), DateBasis.EFFECTIVE),
    ]
    gpt4o = [(p.effective_at, p.date_basis) for p in store.history("openai/gpt-4o")]
    assert gpt4o == [(fetched, DateBasis.OBSERVED)]
    engine.dispose()


def test_a_name_written_for_people_is_not_replaced_by_an_id_like_one(store: PriceStore) -> None:
    store.record(
        [quote("openai/gpt-4o", when=utc(2024, 5, 13), input="5", output="15", name="GPT-4o")],
        source="catalog:war",
        observed_at=NOW,
    )
    store.record(
        [quote("openai/gpt-4o", when=NOW, input="2.5", output="10", name="gpt 4o")],
        source="genai-prices",
        observed_at=NOW,
    )
    assert store.current(NOW)[0].display_name == "GPT-4o"
    store.record(
        [quote("openai/gpt-4o", when=NOW, input="2.5", output="10", name="gpt 4o Mini-ish")],
        source="other",
        observed_at=NOW,
    )
    assert store.current(NOW)[0].display_name == "GPT-4o"
    later = NOW + timedelta(hours=1)
    store.record(
        [quote("openai/gpt-4o", when=later, input="2.5", output="10", name="GPT-4o (2024-11)")],
        source="litellm",
        observed_at=later,
    )
    assert store.current(later)[0].display_name == "GPT-4o (2024-11)"


def test_sources_that_agree_give_the_price_its_best_founded_date(store: PriceStore) -> None:
    """genai-prices dates a price; LiteLLM, which dates nothing, first sees it later."""
    stated = utc(2026, 3, 13)
    store.record(
        [quote("anthropic/claude-opus-4-6", when=stated, input="5", output="25")],
        source="genai-prices",
        observed_at=NOW,
    )
    later = NOW + timedelta(days=1)
    store.record(
        [
            replace(
                quote("anthropic/claude-opus-4-6", when=later, input="5", output="25"),
                date_basis=DateBasis.OBSERVED,
            )
        ],
        source="litellm",
        observed_at=later,
    )
    [opus] = store.current(later)
    point = opus.price(PriceKind.INPUT)
    assert (point.effective_at, point.date_basis, point.source) == (
        stated,
        DateBasis.EFFECTIVE,
        "genai-prices",
    )
    # A source saying something else, later, is the price in force: nothing agrees with it.
    cut = later + timedelta(days=1)
    store.record(
        [
            replace(
                quote("anthropic/claude-opus-4-6", when=cut, input="4", output="25"),
                date_basis=DateBasis.OBSERVED,
            )
        ],
        source="litellm",
        observed_at=cut,
    )
    point = store.current(cut)[0].price(PriceKind.INPUT)
    assert (point.amount, point.date_basis, point.source) == (
        Money.of("4", "USD"),
        DateBasis.OBSERVED,
        "litellm",
    )


def test_zero_prices_carry_their_last_confirmation_too(store: PriceStore) -> None:
    start = utc(2024, 5, 21)
    store.record(
        [quote("baidu/ernie-lite", when=start, input="0", output="0")],
        source="catalog:war",
        observed_at=NOW,
    )
    assert store.current(NOW)[0].free_confirmed_at == start
    paid = quote("baidu/ernie-4", when=start, input="0", output="1")
    store.record([paid], source="catalog:war", observed_at=NOW)
    by_id = {m.model_id: m for m in store.current(NOW)}
    assert by_id["baidu/ernie-4"].free_confirmed_at is None
