"""The answers engine as alerts and commands use it: questions, saved questions, ranks.

One object serves three ports: the command layer's Questions (answer a question
in the chat's currency and mix), the fan-out's SavedQuestions (the signature of
an answer, to notice that it changed), and the dispatcher's Ranker (where a model
now ranks for the chat's default question).

Questions typed in chats read a SnapshotCache that checks the store for changes
every couple of seconds (in the running bot they never wait for a refresh); saved
questions and ranks read one that checks on every call, because they run right after
prices changed and must see the change.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot.alerts.facts import RankNote
from bot.alerts.wording import answer_lines
from bot.answers import (
    FREE_CONFIRM_DAYS,
    Defaults,
    PriceSource,
    Query,
    QueryKind,
    Refusal,
    SnapshotCache,
    ask,
    parse_question,
    rank,
    standing,
)
from bot.i18n import translator
from bot.messages import Reply
from storage import ChatSettings, Money, format_money

DEFAULT_QUESTION = "cheapest for 1M tokens"
# Words that make free text a question even when it cannot be answered as asked
# (the reply then explains why, with examples that work).
_QUESTION_WORDS = re.compile(
    r"\?|？|\b(cheap|cheapest|cheaper|price|prices|cost|costs|compare|free|how much)\b"
    r"|最便宜|便宜|价格|多少钱|免费|对比|比较",
    re.IGNORECASE,
)
_WATCHABLE = (QueryKind.CHEAPEST, QueryKind.FREE)
# How many paid models and free ones a changed answer's alert names.
_SHOWN_PAID = 3
_SHOWN_FREE = 4


class AnswersEngine:
    """Questions, saved questions and alert ranks over one price store."""

    def __init__(
        self,
        store: PriceSource,
        *,
        free_confirm_days: int = FREE_CONFIRM_DAYS,
        background: bool = False,
    ) -> None:
        # `background`: a chat question that notices a price change is answered from the
        # snapshot before it while a thread reads the change (the running bot does that).
        self.chat_cache = SnapshotCache(store, background=background)
        self.alert_cache = SnapshotCache(store, check_every=timedelta(0))
        # How long a free offer without an end date stays "free now" unconfirmed.
        self.free_confirm_days = free_confirm_days

    def _defaults(self, currency: str, mix: tuple[int, int]) -> Defaults:
        return Defaults(currency=currency, ratio=mix, free_confirm_days=self.free_confirm_days)

    # ---- Questions (the command layer) -------------------------------------------

    def ask(
        self, text: str, *, chat: ChatSettings, now: datetime, language: str | None = None
    ) -> Reply:
        """Answer a question with the chat's currency, mix and language as defaults
        (`language`: the chat's or asker's, bot.i18n.known_language; None: the
        question's own)."""
        defaults = Defaults(
            currency=chat.currency,
            ratio=(chat.mix_input, chat.mix_output),
            free_confirm_days=self.free_confirm_days,
            language=language,
        )
        return ask(self.chat_cache, text, now=now, defaults=defaults)

    def is_question(self, text: str, *, now: datetime) -> bool:
        """Free text is a question when it parses as one or sounds like one."""
        if _QUESTION_WORDS.search(text):
            return True
        snapshot = self.chat_cache.now(now)
        return isinstance(parse_question(text, snapshot.vocabulary), Query)

    def watchable(self, question: str, *, now: datetime, language: str = "en") -> str | None:
        """Why a question cannot be saved (None when it can), in `language`."""
        defaults = Defaults(language=language, free_confirm_days=self.free_confirm_days)
        parsed = parse_question(question, self.chat_cache.now(now).vocabulary, defaults)
        _ = translator(language).gettext
        if isinstance(parsed, Refusal):
            return parsed.reason
        if parsed.kind not in _WATCHABLE:
            return _("I can watch “cheapest …” and “free” questions; for one model, /subscribe it")
        if parsed.as_of is not None:
            return _("a saved question about a fixed date would never change")
        return None

    # ---- SavedQuestions (fan-out) ----------------------------------------------------

    def signature(
        self,
        question: str,
        *,
        currency: str,
        mix: tuple[int, int],
        as_of: datetime,
        language: str = "en",
    ) -> tuple[str, list[str]] | None:
        """Which models the answer lists, in order, at what cost, and which are free;
        with a one-line-per-model summary in `language`. None when it cannot be
        answered."""
        answer = self.summary(question, currency=currency, mix=mix, as_of=as_of)
        if answer is None:
            return None
        signature, summary = answer
        return signature, answer_lines(summary, language)

    def summary(
        self, question: str, *, currency: str, mix: tuple[int, int], as_of: datetime
    ) -> tuple[str, dict[str, Any]] | None:
        """`signature` with what an alert says of the answer as parts (the top lines,
        the first free models and how many more), so the alert words them in its chat's
        language. None when it cannot be answered."""
        snapshot = self.alert_cache.now(as_of)
        parsed = parse_question(question, snapshot.vocabulary, self._defaults(currency, mix))
        if isinstance(parsed, Refusal) or parsed.kind not in _WATCHABLE or parsed.as_of:
            return None
        ranking = rank(parsed, snapshot)
        paid, _ = ranking.signature()
        shown = ranking.top[:_SHOWN_PAID]
        summary: dict[str, Any] = {
            "top": [f"{r.position}. {r.name} {format_money(r.cost)}" for r in shown],
            "free": [f.name for f in ranking.free[:_SHOWN_FREE]],
            "free_more": max(0, len(ranking.free) - _SHOWN_FREE),
        }
        free = [f.model.model_id for f in ranking.free[:_SHOWN_FREE]]
        if ranking.free:
            free.append(str(len(ranking.free)))
        # The signature is what the alert shows (the top 3, the first free ones and how
        # many more): a move below the top 3 is not a changed answer to the reader.
        return "|".join(paid[: len(shown)]) + "#" + "|".join(free), summary

    # ---- Ranker (alerts) -------------------------------------------------------------

    def rank_of(
        self,
        model_id: str,
        *,
        question: str | None,
        currency: str,
        mix: tuple[int, int],
        as_of: datetime,
    ) -> RankNote | None:
        """Where the model ranks for the chat's default question; None if it has no rank."""
        text = question or DEFAULT_QUESTION
        snapshot = self.alert_cache.now(as_of)
        parsed = parse_question(text, snapshot.vocabulary, self._defaults(currency, mix))
        if isinstance(parsed, Refusal) or parsed.kind is not QueryKind.CHEAPEST:
            return None
        place = standing(model_id, parsed, snapshot)
        if place.position is None:
            return None
        mix_text = f"{parsed.mix.ratio[0]}:{parsed.mix.ratio[1]}"
        cost = format_money(place.cost) if isinstance(place.cost, Money) else ""
        # No question of its own: the alert names pricebot's default in the chat's language.
        return RankNote(place.position, place.of, question or None, cost, mix_text)
