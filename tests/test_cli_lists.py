"""`prices list` and `events` after a big import, as a user reads them: paged, free shown
as free, amounts in JSON exact and short, new models with all their prices."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from storage import (
    FreeOffer,
    FxRate,
    Money,
    Price,
    PriceKind,
    PriceStore,
    make_engine,
    upgrade,
)
from tests.helpers import quote, utc
from tests.test_cli import pricebot

WHEN = utc(2024, 5, 1)


def _store(database_url: str) -> PriceStore:
    engine = make_engine(database_url)
    upgrade(engine)
    return PriceStore(engine)


def test_a_long_price_list_is_paged_and_free_reads_free(database_url: str) -> None:
    store = _store(database_url)
    store.record_rates([FxRate("USD", "CNY", Decimal("7.2"), date(2024, 5, 1), "bundled")])
    store.record(
        [quote(f"acme/m{i:02d}", when=WHEN, input="1", output="2") for i in range(1, 60)]
        + [quote("acme/m00", when=WHEN, input="0", output="0", free_offer=FreeOffer())]
        + [quote("deepseek/v2", when=WHEN, input="0.4", output="2", currency="CNY")],
        source="feed",
        observed_at=WHEN,
    )

    first = pricebot(database_url, "prices", "list")
    assert first.returncode == 0, first.stderr
    rows = [line for line in first.stdout.splitlines() if line.startswith(("acme/", "deepseek/"))]
    assert len(rows) == 50
    assert first.stdout.rstrip().endswith(
        "models 1–50 of 61; 11 more: use --limit/--offset or --all"
    )
    free = next(line for line in rows if line.startswith("acme/m00"))
    assert free.split()[1:3] == ["free", "free"] and "0.00" not in free

    page = pricebot(database_url, "prices", "list", "--limit", "5", "--offset", "58")
    shown = [line.split()[0] for line in page.stdout.splitlines() if "/" in line.split()[0]]
    assert shown == ["acme/m58", "acme/m59", "deepseek/v2"]
    assert "more: use" not in page.stdout

    past = pricebot(database_url, "prices", "list", "--offset", "100")
    assert past.returncode == 0 and "no models past --offset 100 (61 in all)" in past.stdout

    every = pricebot(database_url, "prices", "list", "--all")
    assert len([line for line in every.stdout.splitlines() if line.startswith("acme/")]) == 60
    assert "more: use" not in every.stdout

    bad = pricebot(database_url, "prices", "list", "--limit", "0")
    assert bad.returncode == 2

    # JSON: every model unless asked, amounts as short exact decimals.
    listed = json.loads(pricebot(database_url, "prices", "list", "--json").stdout)
    assert len(listed) == 61
    v2 = next(m for m in listed if m["model"] == "deepseek/v2")
    assert {p["kind"]: p["amount"] for p in v2["prices"]} == {"input": "0.4", "output": "2"}

    # A CNY price asked in USD is a quotient ((0.75 × 0.4 + 0.25 × 2) / 7.2): short,
    # not Decimal's 28 digits.
    asked = pricebot(database_url, "ask", "--json", "price deepseek/v2 in USD")
    assert asked.returncode == 0, asked.stderr
    assert '"mix_cost": "0.111111"' in asked.stdout
    assert not re.search(r"\d{12}", asked.stdout)


def test_new_models_come_with_all_their_prices(database_url: str) -> None:
    store = _store(database_url)
    v2 = quote("deepseek/deepseek-v2", when=WHEN, input="1", output="2", currency="CNY")
    plain = quote("acme/cached", when=WHEN, input="3", output="15")
    cache_price = Price(PriceKind.CACHED_INPUT, Money.of("0.3", "USD"))
    cached = replace(plain, prices=(*plain.prices, cache_price))
    store.record([v2, cached], source="feed", observed_at=WHEN)
    events = pricebot(database_url, "events")
    assert events.returncode == 0, events.stderr
    assert "new_model deepseek/deepseek-v2 input ¥1.00, output ¥2.00 per 1M" in events.stdout
    assert "new_model acme/cached input $3.00, output $15.00, cached input $0.30 per 1M" in (
        events.stdout
    )
    listed = json.loads(pricebot(database_url, "events", "--json").stdout)
    [launch] = [e["prices"] for e in listed if e["model"] == "deepseek/deepseek-v2"]
    assert launch == {
        "input": {"amount": "1", "currency": "CNY"},
        "output": {"amount": "2", "currency": "CNY"},
    }


def test_a_vendor_is_found_by_its_id_or_name_and_a_typo_gets_did_you_mean(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert pricebot(url, "catalog", "load").returncode == 0
    by_name = pricebot(url, "prices", "list", "--vendor", "Alibaba Cloud")
    assert by_name.returncode == 0, by_name.stderr
    assert "alibaba/qwen-long" in by_name.stdout and "deepseek" not in by_name.stdout
    typo = pricebot(url, "prices", "list", "--vendor", "alibab")
    assert typo.returncode == 2
    assert typo.stderr.splitlines() == [
        "error: no prices for vendor 'alibab'; did you mean alibaba?",
        "example: pricebot prices list --vendor alibaba",
    ]
