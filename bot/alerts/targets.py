"""Target prices: the cheapest model in a target's scope, as the target measures it. Pure.

"Tell me when anything with ≥128k context is under ¥1 per 1M blended": the
price compared is the base-tier price per 1M tokens, blended by the input:output
mix the chat had when it subscribed (or input or output alone), converted into
the target's currency with the dated rate. A model whose needed price is unknown
is left out; a free model (a zero price) counts as 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bot import i18n
from bot.alerts import wording
from bot.answers.offers import STALE, free_kind
from bot.answers.query import FREE_CONFIRM_DAYS
from storage import (
    Basis,
    FxRate,
    ModelPrices,
    NoRateError,
    PriceKind,
    ScopeKind,
    convert,
    format_money,
)
from storage.money import Money

_ANSWERING_MODES = frozenset({"chat", "completion"})


@dataclass(frozen=True, slots=True)
class TargetCriteria:
    """What a target compares; subscriptions with equal criteria share one evaluation."""

    scope: ScopeKind
    scope_value: str
    basis: Basis
    currency: str
    min_context: int | None
    mix: tuple[int, int]

    def describe(self, language: str = i18n.ENGLISH) -> str:
        """'blended 3:1, ≥128K context' (混合价 3:1，上下文 ≥128K) — the words a reply
        uses for the criteria."""
        _ = wording.gettext(language)
        mix = f"{self.mix[0]}:{self.mix[1]}"
        if self.basis is Basis.BLENDED:
            parts = [_("blended {mix}").format(mix=mix)]
        else:
            kind = PriceKind.INPUT if self.basis is Basis.INPUT else PriceKind.OUTPUT
            parts = [wording.kind_word(kind, language)]
        if self.min_context:
            parts.append(_("≥{size} context").format(size=_size(self.min_context)))
        if self.scope is ScopeKind.VENDOR:
            name = i18n.vendor_name(self.scope_value, self.scope_value, language)
            parts.append(_("vendor {name}").format(name=name))
        elif self.scope is ScopeKind.MODEL:
            parts.append(_("model {name}").format(name=self.scope_value))
        return wording.separator(language).join(parts)

    def as_json(self) -> dict[str, object]:
        return {
            "scope": self.scope.value,
            "scope_value": self.scope_value,
            "basis": self.basis.value,
            "currency": self.currency,
            "min_context": self.min_context,
            "mix": list(self.mix),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TargetCriteria:
        mix = data["mix"]
        return cls(
            scope=ScopeKind(data["scope"]),
            scope_value=str(data["scope_value"]),
            basis=Basis(data["basis"]),
            currency=str(data["currency"]),
            min_context=data.get("min_context"),
            mix=(int(mix[0]), int(mix[1])),
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """The cheapest model for a target, and its price as the target measures it."""

    model_id: str
    name: str
    vendor: str
    amount: Decimal
    currency: str
    vendor_id: str = ""

    def text(self, criteria: TargetCriteria, language: str = i18n.ENGLISH) -> str:
        """'GLM-3 Turbo (Zhipu AI) at ¥0.70 per 1M (blended 3:1, vendor zhipu)'."""
        _ = wording.gettext(language)
        return _("{name} ({vendor}) at {price} per 1M ({criteria})").format(
            name=self.name,
            vendor=i18n.vendor_name(self.vendor_id, self.vendor, language),
            price=format_money(Money(self.amount, self.currency)),
            criteria=criteria.describe(language),
        )

    def detail(self, criteria: TargetCriteria) -> str:
        """What a met target's delivery keeps (JSON), so its alert can be said in the
        language of the chat it goes to (`target_text`)."""
        return json.dumps(
            {
                "model_id": self.model_id,
                "name": self.name,
                "vendor": self.vendor,
                "vendor_id": self.vendor_id,
                "amount": str(self.amount),
                "currency": self.currency,
                "criteria": criteria.as_json(),
            },
            ensure_ascii=False,
        )


def target_text(detail: str, language: str) -> str:
    """A met target's candidate in `language`, from `Candidate.detail`; a detail written
    before details were JSON is shown as it was."""
    try:
        data = json.loads(detail)
        criteria = TargetCriteria.from_json(data["criteria"])
        candidate = Candidate(
            str(data["model_id"]),
            str(data["name"]),
            str(data["vendor"]),
            Decimal(str(data["amount"])),
            str(data["currency"]),
            str(data.get("vendor_id", "")),
        )
    except (ValueError, KeyError, TypeError, IndexError, ArithmeticError):
        return detail
    return candidate.text(criteria, language)


def _size(tokens: int) -> str:
    if tokens % 1_000_000 == 0:
        return f"{tokens // 1_000_000}M"
    if tokens % 1000 == 0:
        return f"{tokens // 1000}K"
    return f"{tokens:,}"


def in_scope(model: ModelPrices, scope: ScopeKind, value: str) -> bool:
    if scope is ScopeKind.VENDOR:
        return model.vendor == value
    if scope is ScopeKind.MODEL:
        return model.model_id == value
    return True


def measured(
    model: ModelPrices, criteria: TargetCriteria, rates: Sequence[FxRate], day: date
) -> Decimal | None:
    """The model's price per 1M as the criteria measure it; None when a needed price is unknown."""

    def amount(kind: PriceKind) -> Decimal | None:
        point = model.price(kind, 0)
        if point is None:
            return None
        try:
            return convert(point.amount, criteria.currency, rates, day).money.amount
        except NoRateError:
            return None

    if criteria.basis is Basis.INPUT:
        return amount(PriceKind.INPUT)
    if criteria.basis is Basis.OUTPUT:
        return amount(PriceKind.OUTPUT)
    mix_in, mix_out = criteria.mix
    inp = amount(PriceKind.INPUT) if mix_in else Decimal(0)
    out = amount(PriceKind.OUTPUT) if mix_out else Decimal(0)
    if inp is None or out is None:
        return None
    return (inp * mix_in + out * mix_out) / (mix_in + mix_out)


def cheapest(
    models: Sequence[ModelPrices],
    criteria: TargetCriteria,
    rates: Sequence[FxRate],
    day: date,
    *,
    paid_only: bool = False,
    now: datetime | None = None,
    free_confirm_days: int = FREE_CONFIRM_DAYS,
) -> Candidate | None:
    """The cheapest model in scope meeting the context filter, or None when none is priced
    (paid_only: skipping free ones, to tell a user what the paid choice is).

    With `now`, a model free only by zero prices that no source confirmed within
    `free_confirm_days` is left out as unknown, as the answers leave it ("was free, last
    confirmed …"): a 2024 catalog's "free" must not meet a target in 2026."""
    window = timedelta(days=free_confirm_days)
    best: Candidate | None = None
    for model in models:
        if model.mode not in _ANSWERING_MODES or not in_scope(
            model, criteria.scope, criteria.scope_value
        ):
            continue
        if criteria.min_context and (model.context_window or 0) < criteria.min_context:
            continue
        price = measured(model, criteria, rates, day)
        if price is None or (paid_only and price == 0):
            continue
        if price == 0 and now is not None and free_kind(model, now, window) == STALE:
            continue
        if best is None or (price, model.model_id) < (best.amount, best.model_id):
            best = Candidate(
                model.model_id,
                model.display_name,
                model.vendor_name,
                price,
                criteria.currency,
                model.vendor,
            )
    return best


__all__ = ["Candidate", "TargetCriteria", "cheapest", "in_scope", "measured", "target_text"]
