"""Evaluates target prices and saved questions for the fan-out, once per distinct criteria.

Thousands of subscriptions with one criteria cost one evaluation: the fan-out
asks for the distinct target criteria and saved questions, this module answers
each from the store's prices, and SQL applies the outcome to every subscription
that shares it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.alerts.targets import Candidate, TargetCriteria, cheapest, in_scope
from bot.answers.query import FREE_CONFIRM_DAYS
from storage import (
    Basis,
    ModelPrices,
    PriceEvent,
    PriceStore,
    QuestionOutcome,
    ScopeKind,
    TargetOutcome,
)


class SavedQuestions(Protocol):
    """The answers engine, as saved questions need it."""

    def signature(
        self,
        question: str,
        *,
        currency: str,
        mix: tuple[int, int],
        as_of: datetime,
        language: str = "en",
    ) -> tuple[str, list[str]] | None:
        """A short fingerprint of the answer (which models, in which order) and its
        summary lines in `language`; None when the question cannot be answered."""
        ...

    def summary(
        self, question: str, *, currency: str, mix: tuple[int, int], as_of: datetime
    ) -> tuple[str, dict[str, Any]] | None:
        """A short fingerprint of the answer (which models, in which order) and what an
        alert says of it ("top" lines, "free" names, "free_more"); None when the
        question cannot be answered."""
        ...


def criteria_of(group: dict[str, Any]) -> TargetCriteria:
    """Target criteria from a row of AlertMatcher.target_groups()."""
    return TargetCriteria(
        scope=ScopeKind(group["scope_kind"]),
        scope_value=group["scope_value"],
        basis=Basis(group["target_basis"]),
        currency=group["target_currency"],
        min_context=group["target_min_context"],
        mix=(group["target_mix_input"], group["target_mix_output"]),
    )


class AlertEvaluator:
    """The fan-out's Evaluator over the price store (and the answers engine, if any)."""

    def __init__(
        self,
        store: PriceStore,
        questions: SavedQuestions | None = None,
        *,
        free_confirm_days: int = FREE_CONFIRM_DAYS,
    ) -> None:
        self.store = store
        self.questions = questions
        # A zero price no source confirmed within this many days is unknown, not free.
        self.free_confirm_days = free_confirm_days

    def best(
        self, criteria: TargetCriteria, as_of: datetime, *, paid_only: bool = False
    ) -> Candidate | None:
        """The cheapest model for a target right now (a new target that is already met)."""
        return cheapest(
            self.store.current(as_of),
            criteria,
            self.store.rates(),
            as_of.date(),
            paid_only=paid_only,
            now=as_of,
            free_confirm_days=self.free_confirm_days,
        )

    def evaluate(
        self,
        events: Sequence[PriceEvent],
        *,
        targets: Sequence[dict[str, Any]],
        questions: Sequence[dict[str, Any]],
        now: datetime,
    ) -> tuple[list[TargetOutcome], list[QuestionOutcome]]:
        if not events:
            return [], []
        as_of = max(now, *(e.effective_at for e in events))
        models = self.store.current(as_of)
        by_id: dict[str, ModelPrices] = {m.model_id: m for m in models}
        rates = self.store.rates()
        target_outcomes = []
        for group in targets:
            criteria = criteria_of(group)
            touched = [
                e
                for e in events
                if e.model_id in by_id
                and in_scope(by_id[e.model_id], criteria.scope, criteria.scope_value)
            ]
            if not touched:
                continue
            best = cheapest(
                models,
                criteria,
                rates,
                as_of.date(),
                now=as_of,
                free_confirm_days=self.free_confirm_days,
            )
            target_outcomes.append(
                TargetOutcome(
                    group_key=group["group_key"],
                    best_amount=best.amount if best else None,
                    model_id=best.model_id if best else None,
                    event_id=touched[0].id or 0,
                    detail=best.detail(criteria) if best else "",
                )
            )
        question_outcomes = []
        if self.questions is not None:
            for group in questions:
                answer = self.questions.summary(
                    group["question"],
                    currency=group["target_currency"],
                    mix=(group["target_mix_input"], group["target_mix_output"]),
                    as_of=as_of,
                )
                if answer is None:
                    continue
                signature, summary = answer
                detail = json.dumps({"question": group["question"], **summary}, ensure_ascii=False)
                question_outcomes.append(
                    QuestionOutcome(group["group_key"], signature, events[0].id or 0, detail)
                )
        return target_outcomes, question_outcomes
