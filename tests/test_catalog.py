"""The bundled price-war catalog replays the May 2024 price war as events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.answers import SnapshotCache, ask
from bot.chat.render import render_text
from bot.sources import CatalogError, load_catalog
from storage import EventType, PriceKind, PriceStore
from tests.helpers import utc

MODEL_IDS = {
    "deepseek/deepseek-v2",
    "zhipu/glm-3-turbo",
    "bytedance/doubao-pro-32k",
    "alibaba/qwen-long",
    "baidu/ernie-speed",
    "baidu/ernie-lite",
    "tencent/hunyuan-lite",
    "tencent/hunyuan-standard",
    "tencent/hunyuan-standard-256k",
    "tencent/hunyuan-pro",
    "openai/gpt-4-turbo",
    "openai/gpt-4o",
    "google/gemini-1.5-pro",
    "google/gemini-1.5-flash",
}


def _load(store: PriceStore) -> None:
    catalog = load_catalog()
    store.record_rates(catalog.fx_rates)
    store.record(catalog.quotes, source="catalog:test", observed_at=utc(2024, 6, 1), history=True)


def test_catalog_has_the_promised_models_and_names() -> None:
    catalog = load_catalog()
    assert {q.model_id for q in catalog.quotes} == MODEL_IDS
    names = {q.model_id: q.display_name for q in catalog.quotes}
    assert names["alibaba/qwen-long"] == "Qwen-Long"
    assert names["baidu/ernie-speed"] == "ERNIE Speed"
    assert names["tencent/hunyuan-lite"] == "Hunyuan-lite"
    assert all(q.source_ref for q in catalog.quotes)
    rates = {(r.base, r.quote): (r.rate, r.as_of) for r in catalog.fx_rates}
    assert rates == {
        ("USD", "CNY"): (Decimal("7.2"), date(2024, 5, 1)),
        # The ECB's reference rates, so that EUR works offline.
        ("EUR", "USD"): (Decimal("1.0705"), date(2024, 6, 28)),
        ("EUR", "CNY"): (Decimal("7.7748"), date(2024, 6, 28)),
    }


def test_euro_prices_work_offline_with_the_bundled_ecb_rate(store: PriceStore) -> None:
    _load(store)
    text = render_text(ask(SnapshotCache(store), "price deepseek-v2 in EUR", now=utc(2024, 7, 1)))
    assert "no rate" not in text
    assert (
        "€" in text and "1 EUR = 7.7748 CNY (2024-06-28, ECB euro reference rate, bundled)" in text
    ), text


def test_loading_reproduces_the_price_war(store: PriceStore) -> None:
    _load(store)
    events = store.events_after(0, limit=1000)
    assert all(e.history for e in events)
    seen = {
        (e.effective_at.date().isoformat(), e.type, e.model_id, e.kind, e.percent) for e in events
    }
    expected = [
        ("2024-05-13", EventType.CUT, "zhipu/glm-3-turbo", PriceKind.INPUT, Decimal(80)),
        ("2024-05-21", EventType.CUT, "alibaba/qwen-long", PriceKind.INPUT, Decimal("97.5")),
        ("2024-05-21", EventType.FREE, "baidu/ernie-speed", PriceKind.INPUT, Decimal(100)),
        ("2024-05-21", EventType.FREE, "baidu/ernie-lite", PriceKind.INPUT, Decimal(100)),
        ("2024-05-22", EventType.FREE, "tencent/hunyuan-lite", PriceKind.INPUT, Decimal(100)),
        ("2024-05-22", EventType.CUT, "tencent/hunyuan-standard", PriceKind.INPUT, Decimal(55)),
        ("2024-05-22", EventType.CUT, "tencent/hunyuan-standard", PriceKind.OUTPUT, Decimal(50)),
        (
            "2024-05-22",
            EventType.CUT,
            "tencent/hunyuan-standard-256k",
            PriceKind.INPUT,
            Decimal("87.5"),
        ),
        ("2024-05-22", EventType.CUT, "tencent/hunyuan-pro", PriceKind.INPUT, Decimal(70)),
    ]
    for item in expected:
        assert item in seen, item
    launches = {
        e.model_id: e.effective_at.date().isoformat()
        for e in events
        if e.type is EventType.NEW_MODEL
    }
    assert launches["deepseek/deepseek-v2"] == "2024-05-06"
    assert launches["openai/gpt-4o"] == "2024-05-13"
    assert launches["google/gemini-1.5-flash"] == "2024-05-14"
    assert launches["bytedance/doubao-pro-32k"] == "2024-05-15"
    assert launches["google/gemini-1.5-pro"] == "2024-04-10"
    # Loading again changes nothing.
    catalog = load_catalog()
    assert store.record(catalog.quotes, source="catalog:test", observed_at=utc(2024, 6, 2)) == []


def test_prices_on_2024_05_22(store: PriceStore) -> None:
    _load(store)
    now = {m.model_id: m for m in store.current(utc(2024, 5, 22, 12))}
    qwen = now["alibaba/qwen-long"]
    assert qwen.price(PriceKind.INPUT).amount.amount == Decimal("0.5")  # type: ignore[union-attr]
    assert now["baidu/ernie-speed"].is_free
    assert now["google/gemini-1.5-pro"].is_free  # the capped preview stays
    assert now["google/gemini-1.5-pro"].free_offer.cap_note  # type: ignore[union-attr]
    flash = now["google/gemini-1.5-flash"]
    assert flash.price_for_prompt(PriceKind.INPUT, 200_000).amount.amount == Decimal("0.70")  # type: ignore[union-attr]
    before = {m.model_id for m in store.current(utc(2024, 5, 12))}
    assert "bytedance/doubao-pro-32k" not in before


BAD_CATALOGS = [
    (
        '[catalog]\nname="x"\n[[prices]]\nmodel="a/b"\neffective=2024-05-01\ninput="1"\nsource="s"\n',
        "prices[0]: model 'a/b' is not in [[models]]",
    ),
    (
        '[catalog]\nname="x"\n[[vendors]]\nid="a"\nname="A"\n[[models]]\nid="a/b"\nname="B"\n[[prices]]\nmodel="a/b"\neffective=2024-05-01\ninput=0.5\nsource="s"\n',
        "prices.0.input",
    ),
    (
        '[catalog]\nname="x"\n[[vendors]]\nid="a"\nname="A"\n[[models]]\nid="a/b"\nname="B"\n[[prices]]\nmodel="a/b"\neffective=2024-05-01\ninput="-1"\nsource="s"\n',
        "negative",
    ),
    (
        '[catalog]\nname="x"\n[[vendors]]\nid="a"\nname="A"\n[[models]]\nid="a/b"\nname="B"\n[[prices]]\nmodel="a/b"\neffective=2024-05-01\ninput="0"\nsource="s"\n',
        "zero price needs free = true",
    ),
    (
        '[catalog]\nname="x"\n[[vendors]]\nid="a"\nname="A"\n[[models]]\nid="a/b"\nname="B"\n[[prices]]\nmodel="a/b"\neffective=2024-05-01\ncurrency="BTC"\ninput="1"\nsource="s"\n',
        "unknown currency",
    ),
    ("this is not toml = = =", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD_CATALOGS)
def test_bad_catalog_names_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
