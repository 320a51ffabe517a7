"""A Chinese chat's /history chart (issue 13): its caption in Chinese, a PNG that
decodes, drawn with a CJK font and no missing glyph; without a CJK font the picture
falls back to English labels, still without a missing glyph."""

from __future__ import annotations

import io
import warnings

import pytest
from PIL import Image as PILImage

from bot.chat.charts import (
    ChartPool,
    HistorySeries,
    caption,
    cjk_family,
    history_image,
    history_series,
    render_history,
)
from storage import PriceStore
from tests.helpers import quote, utc
from tests.test_charts import load_price_war

NOW = utc(2024, 6, 1)


def decodes(png: bytes) -> tuple[int, int]:
    picture = PILImage.open(io.BytesIO(png))
    picture.load()
    assert picture.format == "PNG"
    return picture.size


def missing_glyphs(caught: list[warnings.WarningMessage]) -> list[str]:
    return [
        str(w.message)
        for w in caught
        if "missing from font" in str(w.message) or "Glyph" in str(w.message)
    ]


async def test_a_chinese_history_has_a_chinese_caption_and_draws_its_labels(
    store: PriceStore,
) -> None:
    if cjk_family() is None:
        pytest.skip("no CJK font here (Debian: apt-get install fonts-noto-cjk)")
    load_price_war(store)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        image = await history_image(
            store, "alibaba/qwen-long", now=NOW, charts=ChartPool(), language="zh"
        )
    assert image is not None
    assert missing_glyphs(caught) == []
    assert decodes(image.png) == (800, 450)
    assert image.caption.splitlines() == [
        "Qwen-Long（alibaba/qwen-long），每百万tokens价格（CNY）：",
        "输入：2024年5月1日起 ¥20.00 → 2024年5月21日起 ¥0.50（降价 97.5%）",
        "输出：2024年5月1日起 ¥20.00 → 2024年5月21日起 ¥2.00（降价 90%）",
        "当前：输入 ¥0.50、输出 ¥2.00。",
    ]
    english = await history_image(store, "alibaba/qwen-long", now=NOW, charts=ChartPool())
    assert english is not None and english.caption.startswith("Qwen-Long (alibaba/qwen-long)")
    # The Chinese labels are drawn: the picture differs from the English one.
    assert english.png != image.png


def test_without_a_cjk_font_the_picture_falls_back_to_english_labels(
    sqlite_store: PriceStore,
) -> None:
    """Boxes for every Chinese glyph would help no one: the picture is the English one,
    and the caption (drawn by the chat app's own fonts) stays Chinese."""
    load_price_war(sqlite_store)
    model_id = "alibaba/qwen-long"

    def drawn(language: str) -> HistorySeries:
        return history_series(
            model_id,
            "Qwen-Long",
            sqlite_store.history(model_id),
            sqlite_store.events_for(model_id),
            now=NOW,
            language=language,
        )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallback = render_history(drawn("zh"), cjk=None)
    assert missing_glyphs(caught) == []
    assert decodes(fallback) == (800, 450)
    assert fallback == render_history(drawn("en"), cjk=None)
    assert caption(drawn("zh")).startswith("Qwen-Long（alibaba/qwen-long），每百万tokens价格")


def test_a_chinese_caption_of_a_free_model_and_other_currencies(sqlite_store: PriceStore) -> None:
    sqlite_store.record(
        [
            quote("acme/one", when=utc(2024, 1, 1), input="4", output="8", currency="CNY"),
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
    words = caption(
        history_series(
            "acme/one",
            "One",
            sqlite_store.history("acme/one"),
            sqlite_store.events_for("acme/one"),
            now=NOW,
            language="zh",
        )
    )
    assert "输入：2024年1月1日起 ¥4.00 → 2024年3月1日起 免费（改为免费）" in words
    assert "当前：输入 免费、输出 ¥8.00。" in words
    assert "另有 2 个其他货币的价格未显示。" in words
