"""The expected answers from the bundled price-war catalog, through a real store."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.answers import (
    Defaults,
    Query,
    QueryKind,
    SnapshotCache,
    answer,
    ask,
    cost_of,
    end_of_day,
    parse_question,
    rank,
    standing,
)
from bot.chat.render import render_json, render_slack, render_telegram, render_text
from storage import Money, PriceStore
from tests.answer_helpers import load_bundled, snapshot_on
from tests.helpers import quote, utc

MAY_22 = date(2024, 5, 22)


@pytest.fixture
def catalog_store(sqlite_store: PriceStore) -> PriceStore:
    return load_bundled(sqlite_store)


def parsed(text: str, snapshot, **defaults) -> Query:  # type: ignore[no-untyped-def]
    query = parse_question(text, snapshot.vocabulary, Defaults(**defaults))
    assert isinstance(query, Query), query
    return query


def test_blended_cheapest_for_1m_tokens_in_cny(catalog_store: PriceStore) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    ranking = rank(parsed("cheapest for 1M tokens?", snapshot, currency="CNY"), snapshot)
    paid = [(r.model.display_name, str(r.cost)) for r in ranking.top[:4]]
    assert paid == [
        ("Qwen-Long", "¥0.875"),
        ("GLM-3 Turbo", "¥1.00"),
        ("Doubao-pro-32k", "¥1.10"),
        ("DeepSeek-V2", "¥1.25"),
    ]
    free = {f.model.display_name: f.offer for f in ranking.free}
    assert set(free) == {"ERNIE Speed", "ERNIE Lite", "Hunyuan-lite", "Gemini 1.5 Pro"}
    assert free["ERNIE Speed"] is None  # free because priced at zero
    gemini = free["Gemini 1.5 Pro"]
    assert gemini is not None and gemini.cap_note and "preview" in gemini.cap_note


def test_the_reply_says_the_mix_the_rate_and_the_free_models(catalog_store: PriceStore) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    reply = answer(parsed("cheapest for 1M tokens?", snapshot, currency="CNY"), snapshot)
    text = render_text(reply)
    assert reply.title == "Cheapest for 1M tokens (blended 3:1)"
    assert reply.rows[0].label == "1. Qwen-Long" and reply.rows[0].value == "¥0.875"
    free_line = next(line for line in reply.lines if line.startswith("Free now:"))
    for name in ("ERNIE Speed", "ERNIE Lite", "Hunyuan-lite", "Gemini 1.5 Pro"):
        assert name in free_line
    assert "within caps: free public preview" in free_line
    assert "750K input + 250K output" in text and '"input only"' in text
    # Gemini 1.5 Flash (USD) is in the top 5: the reply names the rate and its date.
    assert "USD prices converted at 1 USD = 7.2 CNY (2024-05-01" in text
    assert "Longer prompts cost more on Gemini 1.5 Flash (prompts over 128K)" in text


def test_a_capped_free_model_is_also_ranked_at_its_paid_price(catalog_store: PriceStore) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    query = parsed("cheapest for 1M tokens, top 20", snapshot, currency="CNY")
    ranking = rank(query, snapshot)
    gemini = next(r for r in ranking.top if r.model.model_id == "google/gemini-1.5-pro")
    assert gemini.free_offer is not None
    assert gemini.cost == Money(Decimal("37.8"), "CNY")  # (3.5×0.75 + 10.5×0.25) × 7.2
    uncapped = {"baidu/ernie-speed", "baidu/ernie-lite", "tencent/hunyuan-lite"}
    assert not uncapped & {r.model.model_id for r in ranking.top}
    assert ranking.total == 11


def test_input_only_puts_qwen_long_first(catalog_store: PriceStore) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    for text in ("cheapest for 1M input tokens", "cheapest input only", "100万输入tokens最便宜"):
        top = rank(parsed(text, snapshot, currency="CNY"), snapshot).top[0]
        assert (top.model.display_name, str(top.cost)) == ("Qwen-Long", "¥0.50"), text


def test_chinese_question_in_an_english_chat_gives_the_english_answer_in_cny(
    catalog_store: PriceStore,
) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    chinese = answer(parsed("100万tokens最便宜的是哪个？", snapshot, language="en"), snapshot)
    english = answer(parsed("cheapest for 1M tokens?", snapshot, currency="CNY"), snapshot)
    assert chinese.rows == english.rows
    assert chinese.title == english.title
    assert chinese.data["free_now"] == english.data["free_now"]
    assert "Prices in CNY because you asked in Chinese" in " ".join(chinese.footnotes)


def test_before_the_cuts_the_answer_differs_and_says_so(catalog_store: PriceStore) -> None:
    now = end_of_day(MAY_22)
    cache = SnapshotCache(catalog_store)
    reply = ask(cache, "cheapest for 1M tokens as of 2024-05-12", now=now, defaults=Defaults("CNY"))
    assert reply.lines[0].startswith("As of 2024-05-12 (end of day UTC)")
    assert reply.rows[0].label == "1. DeepSeek-V2" and reply.rows[0].value == "¥1.25"
    assert "Qwen-Long" not in " ".join(r.label for r in reply.rows[:2])
    free_line = next(line for line in reply.lines if line.startswith("Free on 2024-05-12:"))
    assert "ERNIE" not in free_line and "Gemini 1.5 Pro" in free_line
    assert (
        "Prices have changed since 2024-05-12: as of 2024-05-22 the cheapest is Qwen-Long "
        "at ¥0.875." in reply.footnotes
    )


def test_price_cost_compare_and_free(catalog_store: PriceStore) -> None:
    now = end_of_day(MAY_22)
    cache = SnapshotCache(catalog_store)
    price = ask(cache, "price qwen-long in CNY", now=now)
    assert price.title == "Qwen-Long prices"
    assert [(r.label, r.value) for r in price.rows[:2]] == [
        ("Input", "¥0.50 per 1M"),
        ("Output", "¥2.00 per 1M"),
    ]
    assert "Ranks #1 of 11 paid models for 1M tokens (blended 3:1)." in price.lines

    cost = ask(cache, "cost deepseek-v2 2M in 500k out in cny", now=now)
    assert cost.title == "Cost of 2M input + 500K output tokens"
    assert cost.rows[0].value == "¥3.00"  # 2 × ¥1 + 0.5 × ¥2
    assert "input ¥2.00 + output ¥1.00" in (cost.rows[0].note or "")

    compare = ask(cache, "compare deepseek-v2 glm-3-turbo gpt-4o in cny", now=now)
    assert [r.label for r in compare.rows] == ["1. GLM-3 Turbo", "2. DeepSeek-V2", "3. GPT-4o"]
    assert compare.rows[2].value == "¥54.00"
    assert "GLM-3 Turbo is cheapest: 20% less than DeepSeek-V2." in compare.lines

    free = ask(cache, "free", now=now)
    assert {r.label for r in free.rows} == {
        "ERNIE Speed",
        "ERNIE Lite",
        "Hunyuan-lite",
        "Gemini 1.5 Pro",
    }


def test_standing_and_signature_for_saved_questions(catalog_store: PriceStore) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    query = parsed("cheapest for 1M tokens with 128k context", snapshot, currency="CNY")
    qwen = standing("alibaba/qwen-long", query, snapshot)
    assert (qwen.position, qwen.cost) == (1, Money(Decimal("0.875"), "CNY"))
    assert qwen.of == rank(query, snapshot).total
    # DeepSeek-V2 has a 32K context: the question's filter leaves it out.
    assert standing("deepseek/deepseek-v2", query, snapshot).reason == "filtered out"
    assert standing("baidu/ernie-speed", query, snapshot).reason == "filtered out"
    hunyuan = standing("tencent/hunyuan-lite", query, snapshot)
    assert (hunyuan.position, hunyuan.free, hunyuan.reason) == (None, True, "free")

    before = rank(query, snapshot_on(catalog_store, date(2024, 5, 20))).signature()
    after = rank(query, snapshot).signature()
    assert before != after  # Qwen-Long's cut on the 21st changed the answer
    assert after == rank(query, snapshot_on(catalog_store, MAY_22)).signature()


def test_cost_calculator_uses_the_prompt_tier(catalog_store: PriceStore) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    flash = snapshot.model("google/gemini-1.5-flash")
    assert flash is not None
    query = parsed("cost gemini 1.5 flash 1M in 1M out in USD", snapshot)
    base = cost_of(flash, query.mix, "USD", snapshot)
    long = cost_of(flash, query.mix, "USD", snapshot, prompt_tokens=200_000)
    assert base.total == Money(Decimal("1.40"), "USD")  # 0.35 + 1.05
    assert long.total == Money(Decimal("2.80"), "USD")  # 0.70 + 2.10
    assert (base.tier, long.tier) == (0, 128000)
    cny = cost_of(flash, query.mix, "CNY", snapshot)
    assert cny.total == Money(Decimal("10.08"), "CNY")
    assert [(r.base, r.quote, r.rate) for r in cny.rates] == [("USD", "CNY", Decimal("7.2"))]


def test_cache_reads_once_and_again_when_prices_change(catalog_store: PriceStore) -> None:
    now = end_of_day(MAY_22)
    cache = SnapshotCache(catalog_store, check_every=timedelta(0))
    for i in range(5):
        ask(cache, "cheapest for 1M tokens?", now=now + timedelta(seconds=i))
    assert cache.loads == 1
    catalog_store.record(
        [
            quote(
                "alibaba/qwen-long",
                when=utc(2024, 5, 22, 12),
                input="0.4",
                output="2",
                currency="CNY",
            )
        ],
        source="admin",
        observed_at=utc(2024, 6, 2),
    )
    reply = ask(
        cache, "cheapest for 1M tokens?", now=now + timedelta(seconds=10), defaults=Defaults("CNY")
    )
    assert cache.loads == 2
    assert reply.rows[0].value == "¥0.80"  # 0.4 × 0.75 + 2 × 0.25


def test_the_query_kind_for_each_question_type(catalog_store: PriceStore) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    kinds = {
        "cheapest for 1M tokens?": QueryKind.CHEAPEST,
        "price qwen-long": QueryKind.PRICE,
        "cost deepseek-v2 2M in 500k out": QueryKind.COST,
        "compare deepseek-v2 glm-3-turbo": QueryKind.COMPARE,
        "free": QueryKind.FREE,
    }
    for text, kind in kinds.items():
        assert parsed(text, snapshot).kind is kind, text


def test_a_real_answer_renders_on_every_platform(catalog_store: PriceStore) -> None:
    snapshot = snapshot_on(catalog_store, MAY_22)
    reply = answer(parsed("cheapest for 1M tokens?", snapshot, currency="CNY"), snapshot)
    [telegram] = render_telegram(reply)
    assert "1. Qwen-Long — <b>¥0.875</b>" in telegram.text
    slack = render_slack(reply)
    assert "1. Qwen-Long  *¥0.875*" in slack.text
    data = render_json(reply)["data"]
    assert [(r["name"], r["cost"]) for r in data["ranked"][:2]] == [
        ("Qwen-Long", "0.875"),
        ("GLM-3 Turbo", "1"),
    ]
    assert {f["name"] for f in data["free_now"]} >= {"ERNIE Speed", "Gemini 1.5 Pro"}


def test_every_question_the_parser_accepts_gets_an_answer_on_every_platform(
    catalog_store: PriceStore,
) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tests.test_answers_parse import PIECES

    cache = SnapshotCache(catalog_store)
    now = end_of_day(MAY_22)

    @settings(max_examples=300, deadline=None)
    @given(PIECES, st.sampled_from([None, "CNY", "USD"]), st.sampled_from([None, (1, 1)]))
    def whole_path(text: str, currency: str | None, ratio: tuple[int, int] | None) -> None:
        reply = ask(cache, text, now=now, defaults=Defaults(currency, ratio))
        assert reply.title
        assert render_text(reply)
        assert all(len(m.text) <= 4096 for m in render_telegram(reply))
        assert render_slack(reply).blocks
        assert render_json(reply)["title"] == reply.title

    whole_path()


def test_an_empty_store_answers_without_crashing(sqlite_store: PriceStore) -> None:
    cache = SnapshotCache(sqlite_store)
    now = end_of_day(MAY_22)
    reply = ask(cache, "cheapest for 1M tokens?", now=now)
    # Nothing is known, which is not the same as nothing matching.
    assert any(line.startswith("pricebot knows no prices yet") for line in reply.lines)
    refusal = ask(cache, "price qwen-long", now=now)
    assert refusal.data["examples"][0] == "cheapest for 1M tokens?"
