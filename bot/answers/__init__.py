"""Answers: "cheapest for 1M tokens?" and its variants, English and Chinese.

Parse a question, rank the prices in force, compute costs, word the reply. Everything
here is pure (no I/O, no clock: callers pass `now` / `as_of`) except `cache`, which reads
the store once per snapshot.

The public API (what the command layer, subscriptions and alerts call):

    from bot.answers import (
        SnapshotCache, ask,                      # the whole path: text → Reply
        parse_question, Defaults, Query, Refusal, # text → Query | Refusal
        answer, refusal_reply,                    # Query → Reply
        rank, Ranking, standing, Standing,        # ranked models; one model's place
        cost_of, CostBreakdown,                   # the cost calculator
        PriceSnapshot, load_snapshot,
    )

    cache = SnapshotCache(store)                              # one per process
    reply = ask(cache, "cheapest for 1M tokens?", now=now,
                defaults=Defaults(currency="CNY", ratio=(1, 1)))

    snapshot = cache.now(now)
    query = parse_question("cheapest for 1M tokens with 128k context", snapshot.vocabulary)
    if isinstance(query, Query):
        rank(query, snapshot).signature()      # compare later: has the answer changed?
        standing("alibaba/qwen-long", query, snapshot)   # "#1 of 11" (a model or an offer)
        cost_of(snapshot.model("alibaba/qwen-long"), query.mix, "CNY", snapshot)

Models and offers: a model (`anthropic/claude-opus-4-6`) has offers, one per seller
(`vertex/claude-opus-4-6`, `openrouter/anthropic/claude-opus-4.6`). "Cheapest" ranks
models at their cheapest offer (any seller); a bare model name in price / cost / compare
means the maker's own offer. "via any seller", "direct only", "via openrouter" choose.

Languages: a reply speaks `Defaults.language` ('en' or 'zh': the chat's, else the
asker's), else the question's own (`Query.reply_language`); only its words change, its
`data` is the same in both (docs/i18n.md).

Defaults: with no mix in the question, the chat's own ratio (`Defaults.ratio`) or else
the industry's blended 3:1 (750K input + 250K output per 1M), and the reply says so.
With no currency: the chat's (`Defaults.currency`), else CNY for a question in Chinese,
else USD. A date in a question means the end of that day, UTC. A free offer without an
end date is free now while a source confirmed it within `Defaults.free_confirm_days`
(30; `PRICEBOT_FREE_CONFIRM_DAYS`).
"""

from bot.answers.cache import PriceSource, SnapshotCache, ask, load_snapshot
from bot.answers.cost import CostBreakdown, cost_of
from bot.answers.numbers import format_tokens, read_amount, read_chinese_numeral
from bot.answers.parse import end_of_day, examples, parse_question
from bot.answers.query import (
    BLENDED_RATIO,
    FREE_CONFIRM_DAYS,
    Defaults,
    Mix,
    MixSource,
    Query,
    QueryKind,
    Refusal,
    SellerChoice,
    parse_ratio,
)
from bot.answers.ranking import (
    FreeModel,
    RankedModel,
    Ranking,
    SetAside,
    Standing,
    rank,
    standing,
)
from bot.answers.replies import answer, refusal_reply
from bot.answers.snapshot import PriceSnapshot
from bot.answers.vocabulary import CHINESE_VENDORS, Vocabulary

__all__ = [
    "BLENDED_RATIO",
    "CHINESE_VENDORS",
    "FREE_CONFIRM_DAYS",
    "CostBreakdown",
    "Defaults",
    "FreeModel",
    "Mix",
    "MixSource",
    "PriceSnapshot",
    "PriceSource",
    "Query",
    "QueryKind",
    "RankedModel",
    "Ranking",
    "Refusal",
    "SellerChoice",
    "SetAside",
    "SnapshotCache",
    "Standing",
    "Vocabulary",
    "answer",
    "ask",
    "cost_of",
    "end_of_day",
    "examples",
    "format_tokens",
    "load_snapshot",
    "parse_question",
    "parse_ratio",
    "rank",
    "read_amount",
    "read_chinese_numeral",
    "refusal_reply",
    "standing",
]
