"""The /history chart: the step series, its caption, and a PNG that decodes."""

from __future__ import annotations

import io

from PIL import Image as PILImage

from bot.chat.charts import ChartPool, caption, history_image, history_series, render_history
from bot.sources import load_catalog
from storage import PriceKind, PriceStore
from tests.helpers import quote, utc

NOW = utc(2024, 6, 1)


def load_price_war(store: PriceStore) -> None:
    catalog = load_catalog()
    store.record_rates(catalog.fx_rates)
    store.record(catalog.quotes, source="catalog", observed_at=utc(2024, 6, 1), history=True)


async def test_qwen_long_history_is_a_png_with_the_cut_in_its_caption(store: PriceStore):
    load_price_war(store)
    image = await history_image(store, "alibaba/qwen-long", now=NOW, charts=ChartPool())
    assert image is not None
    picture = PILImage.open(io.BytesIO(image.png))
    picture.load()
    assert picture.format == "PNG" and picture.size == (800, 450)
    assert image.caption.splitlines() == [
        "Qwen-Long (alibaba/qwen-long), CNY per 1M tokens:",
        "Input: ¥20.00 from 2024-05-01 → ¥0.50 from 2024-05-21 (cut 97.5%)",
        "Output: ¥20.00 from 2024-05-01 → ¥2.00 from 2024-05-21 (cut 90%)",
        "Now: input ¥0.50, output ¥2.00.",
    ]


async def test_a_model_without_prices_has_no_chart(store: PriceStore):
    assert await history_image(store, "nobody/nothing", now=NOW, charts=ChartPool()) is None


def test_free_steps_repeats_and_other_currencies(sqlite_store: PriceStore):
    sqlite_store.record(
        [
            quote("acme/one", when=utc(2024, 1, 1), input="4", output="8", currency="CNY"),
            quote("acme/one", when=utc(2024, 2, 1), input="4", output="8", currency="CNY"),
            quote("acme/one", when=utc(2024, 3, 1), input="0", output="8", currency="CNY"),
        ],
        source="a",
        observed_at=utc(2024, 3, 1),
    )
    sqlite_store.record(
        [quote("acme/one", when=utc(2024, 1, 1), input="0.5", output="1")],
        source="b",
        observed_at=utc(2024, 1, 1),
    )
    model_id = "acme/one"
    series = history_series(
        model_id,
        "One",
        sqlite_store.history(model_id),
        sqlite_store.events_for(model_id),
        now=NOW,
    )
    assert series.currency == "CNY" and series.left_out == 2
    assert [str(s.amount.amount) for s in series.steps[PriceKind.INPUT]] == [
        "4",
        "0",
    ]
    words = caption(series)
    assert "Input: ¥4.00 from 2024-01-01 → free from 2024-03-01" in words
    assert "Output: ¥8.00 from 2024-01-01\n" in words
    assert "2 prices in other currencies are not shown." in words
    assert render_history(series).startswith(b"\x89PNG")


def test_long_histories_are_summarised(sqlite_store: PriceStore):
    quotes = [
        quote("acme/two", when=utc(2024, 1, day), input=str(30 - day), currency="USD")
        for day in range(1, 21)
    ]
    sqlite_store.record(quotes, source="a", observed_at=utc(2024, 2, 1))
    series = history_series(
        "acme/two",
        "Two",
        sqlite_store.history("acme/two"),
        sqlite_store.events_for("acme/two"),
        now=NOW,
    )
    line = caption(series).splitlines()[1]
    assert line.startswith(
        "Input: $29.00 from 2024-01-01 → … 12 more … → $16.00 from 2024-01-14 (cut 5.9%)"
    )
    assert line.endswith("$10.00 from 2024-01-20 (cut 9.1%)")


def test_history_needs_a_model_name():
    from bot.chat.commands import Invalid
    from bot.chat.commands.history import parse_history

    assert parse_history("  qwen   long ") == "qwen long"
    refused = parse_history("   ")
    assert isinstance(refused, Invalid) and refused.example == "/history qwen-long"
