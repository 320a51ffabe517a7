"""Subscriptions and targets in words, in the chat's language.

    describe(sub, vendors, models, language)   # '#3 DeepSeek (every model): cuts ≥10%, …'
    criteria_words(criteria, language)         # 'blended 3:1, ≥128K context'
    candidate_words(candidate, criteria, language)

Amounts keep the store's own format (`format_money`: exact, with the currency's symbol),
which reads the same in Chinese; vendors take their Chinese names there.
"""

from __future__ import annotations

from decimal import Decimal

from bot.alerts.targets import Candidate, TargetCriteria
from bot.i18n import translator, vendor_name
from storage import (
    Mode,
    ScopeKind,
    Subscription,
    SubscriptionKind,
    SubscriptionSpec,
    format_money,
)
from storage.money import Money


def scope_name(
    kind: ScopeKind, value: str, vendors: dict[str, str], models: dict[str, str], language: str
) -> str:
    """'every model', 'DeepSeek (every model)' ('深度求索（全部模型）'), or a model's name."""
    _ = translator(language).gettext
    if kind is ScopeKind.ALL:
        return _("every model")
    if kind is ScopeKind.VENDOR:
        vendor = vendor_name(value, vendors.get(value, value), language)
        return _("{vendor} (every model)").format(vendor=vendor)
    return models.get(value, value)


def describe(
    sub: Subscription, vendors: dict[str, str], models: dict[str, str], language: str
) -> str:
    """'#3 DeepSeek (every model): cuts ≥10%, made free · instant'."""
    _ = translator(language).gettext
    spec = sub.spec
    scope = scope_name(spec.scope, spec.scope_value, vendors, models, language)
    mode = _("daily digest") if spec.mode is Mode.DIGEST else _("instant")
    if spec.kind is SubscriptionKind.QUESTION:
        return _("#{id} saved question “{question}” · {mode}").format(
            id=sub.id, question=spec.question, mode=mode
        )
    if spec.kind is SubscriptionKind.TARGET:
        amount = format_money(
            Money(spec.target_amount or Decimal(0), spec.target_currency or "USD")
        )
        waiting = _("waiting")
        state = waiting if sub.armed else _("met; re-arms when the price goes back above")
        where = _("anything") if spec.scope is ScopeKind.ALL else scope
        return _(
            "#{id} target: {scope} at or under {amount} per 1M ({criteria}) · {state} · {mode}"
        ).format(
            id=sub.id,
            scope=where,
            amount=amount,
            criteria=criteria_words(target_criteria(spec), language),
            state=state,
            mode=mode,
        )
    events = [_("cuts ≥{percent}").format(percent=f"{spec.min_cut_percent}%")]
    if spec.on_free:
        events.append(_("made free"))
    if spec.on_increase:
        events.append(_("increases"))
    if spec.on_new_model:
        events.append(_("new models"))
    if spec.on_free_ending:
        events.append(_("free offers ending"))
    return _("#{id} {scope}: {events} · {mode}").format(
        id=sub.id, scope=scope, events=_(", ").join(events), mode=mode
    )


def target_criteria(spec: SubscriptionSpec) -> TargetCriteria:
    """What a target subscription measures, as the evaluator reads it."""
    return TargetCriteria(
        scope=spec.scope,
        scope_value=spec.scope_value,
        basis=spec.target_basis,
        currency=spec.target_currency or "USD",
        min_context=spec.target_min_context,
        mix=(spec.target_mix_input, spec.target_mix_output),
    )


def criteria_words(criteria: TargetCriteria, language: str) -> str:
    """'blended 3:1, ≥128K context' — the alerts' own words for the criteria, so a
    subscription and the alert it sends describe a target alike."""
    return criteria.describe(language)


def candidate_words(candidate: Candidate, criteria: TargetCriteria, language: str) -> str:
    """'Qwen-Long (Alibaba Cloud) at ¥0.875 per 1M (blended 3:1)'."""
    return candidate.text(criteria, language)
