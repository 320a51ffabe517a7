"""The bundled price-war catalog replays the May 2024 price war as events."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.answers import SnapshotCache, ask
from bot.chat.render import render_text
from bot.sources import CatalogError, load_catalog
from storage import EventType, PriceKind, PriceStore
from tests.helpers import utc
from tests.test_cli import pricebot

ROOT = Path(__file__).resolve().parent.parent

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


HEAD = '[catalog]\nname="x"\n[[vendors]]\nid="a"\nname="A"\n[[models]]\nid="a/b"\nname="B"\n'
PRICE = '[[prices]]\nmodel="a/b"\neffective=2024-05-01\n'
BAD_CATALOGS = [
    (
        '[catalog]\nname="x"\n' + PRICE + 'input="1"\nsource="s"\n',
        ":4: [[prices]] #1: model 'a/b' is not in [[models]]; add it there",
        '[[models]]\nid = "a/b"\nname = "b"',
    ),
    (
        HEAD + PRICE + 'input=0.5\nsource="s"\n',
        ":12: [[prices]] #1: input: ",
        "[[prices]]",
    ),
    (HEAD + PRICE + 'input="-1"\nsource="s"\n', ":12: [[prices]] #1: input: ", "[[prices]]"),
    (
        HEAD + PRICE + 'input="0"\nsource="s"\n',
        ":9: [[prices]] #1: a zero price needs free = true",
        "[[prices]]",
    ),
    (
        HEAD + PRICE + 'currency="BTC"\ninput="1"\nsource="s"\n',
        ":9: [[prices]] #1: unknown currency",
        "[[prices]]",
    ),
    (HEAD + PRICE + 'input="1"\n', ":9: [[prices]] #1: field 'source' is missing", "[[prices]]"),
    (
        HEAD + PRICE + 'inptu="1"\nsource="s"\n',
        ":12: [[prices]] #1: there is no field 'inptu'; did you mean 'input'?",
        "[[prices]]",
    ),
    ('[[vendors]]\nid="a"\nname="A"\n', ": the [catalog] table is missing", "[catalog]"),
    ("this is not toml = = =", "not valid TOML", None),
]


@pytest.mark.parametrize(("text", "message", "example"), BAD_CATALOGS)
def test_bad_catalog_names_file_line_entry_and_field_with_an_example(
    tmp_path: Path, text: str, message: str, example: str | None
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)
    if example is None:
        return
    assert caught.value.example is not None and caught.value.example.startswith(example)
    # The example is itself an entry that loads (with what it needs around it).
    table = caught.value.example.splitlines()[0].strip("[]")
    whole = {
        "catalog": caught.value.example,
        "models": '[catalog]\nname="x"\n[[vendors]]\nid="a"\nname="A"\n' + caught.value.example,
        "prices": '[catalog]\nname="x"\n[[vendors]]\nid="alibaba"\nname="A"\n'
        '[[models]]\nid="alibaba/qwen-long"\nname="Q"\n' + caught.value.example,
    }[table]
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(whole)
    load_catalog(fixed)


README_TOML = re.search(r"```toml\n(\[catalog\].*?)```", (ROOT / "README.md").read_text(), re.S)


def test_the_readme_catalog_loads_and_its_quoted_error_is_what_pricebot_says(
    tmp_path: Path, database_url: str
) -> None:
    """Issue 17, item 12: the README's snippet said "Field required", with no example."""
    assert README_TOML is not None
    path = tmp_path / "prices.toml"
    path.write_text(README_TOML.group(1))
    loaded = pricebot(database_url, "catalog", "load", str(path))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith(f"loaded {path}: 1 dated quotes")
    # Without its source line, the error the README quotes, and an example that loads.
    path.write_text(README_TOML.group(1).replace('source = "where the figure comes from"\n', ""))
    refused = pricebot(database_url, "catalog", "load", str(path))
    assert refused.returncode == 2
    quoted = re.search(r"`error: prices\.toml:(.*?)`", (ROOT / "README.md").read_text(), re.S)
    assert quoted is not None
    lines = refused.stderr.splitlines()
    assert lines[0] == f"error: {path}:" + " ".join(quoted.group(1).split())
    assert lines[1] == "example:"
    assert lines[2:4] == ["  [[prices]]", '  model = "alibaba/qwen-long"']
