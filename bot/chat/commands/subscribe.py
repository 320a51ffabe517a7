"""/subscribe, /unsubscribe, /subscriptions: a chat's standing wishes.

What each command accepts is read by `subscribe_parse`; these handlers look the
names up in the store, apply the chat's defaults and store the subscription.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from bot.alerts.rules import hhmm, local_moment, next_digest, zone_label
from bot.alerts.targets import Candidate, TargetCriteria
from bot.chat.commands.describe import (
    candidate_words,
    describe,
    scope_name,
    target_criteria,
)
from bot.chat.commands.language import reply_language
from bot.chat.commands.registry import error
from bot.chat.commands.services import Scope, Services, chat_key, db, platform_language
from bot.chat.commands.subscribe_parse import SubscribeRequest, UnsubscribeRequest
from bot.chat.context import Context
from bot.i18n import chat_language, currency_name, translator, vendor_name
from bot.messages import Button, Reply
from storage import (
    Basis,
    ChatSettings,
    Mode,
    QuietMode,
    ScopeKind,
    SubscriptionKind,
    SubscriptionSpec,
    format_money,
)
from storage.money import Money

# ---- handlers ------------------------------------------------------------------------------


async def handle_subscribe(req: SubscribeRequest, ctx: Context, services: Services) -> list[Reply]:
    """Add a subscription for this chat (price changes, a target price, or a saved question)."""
    key = chat_key(ctx)
    chat = await db(
        services.subscriptions.touch_chat,
        key,
        now=ctx.now,
        chat_type=str(ctx.chat_type),
        language=platform_language(ctx),
    )
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    if req.menu:
        vendors = await db(services.store.vendors)
        buttons = [Button(_("Everything"), "/subscribe all")]
        buttons += [
            Button(vendor_name(vendor_id, name, language), f"/subscribe {vendor_id}")
            for vendor_id, name in vendors.items()
        ]
        return [
            Reply(
                title=_("Subscribe to what?"),
                lines=(
                    _("Pick a vendor, or type a model, e.g. {example}.").format(
                        example="/subscribe qwen-long 20%"
                    ),
                    _("Also: {examples}").format(
                        examples="/subscribe under ¥1 with 128k context · "
                        "/subscribe cheapest for 1M tokens with 128k context"
                    ),
                ),
                buttons=tuple(buttons),
                language=language,
            )
        ]
    if req.question is not None:
        return await _subscribe_question(req, ctx, services, chat)
    if req.scope_words:
        scope = await db(services.resolve_scope, req.scope_words)
        if isinstance(scope, list):
            return error(
                _unknown(req.scope_words, scope, language), "/subscribe deepseek", language
            )
    else:
        scope = Scope(ScopeKind.ALL, "", "every model")
    mode = req.mode or (Mode.DIGEST if chat.digest_minute is not None else Mode.INSTANT)
    if req.target is not None:
        amount, currency = req.target
        spec = SubscriptionSpec(
            kind=SubscriptionKind.TARGET,
            scope=scope.kind,
            scope_value=scope.value,
            mode=mode,
            target_amount=amount,
            target_currency=currency or chat.currency,
            target_basis=req.basis or Basis.BLENDED,
            target_min_context=req.min_context,
            target_mix_input=chat.mix_input,
            target_mix_output=chat.mix_output,
        )
        return await _subscribe_target(spec, ctx, services, chat)
    spec = SubscriptionSpec(
        scope=scope.kind,
        scope_value=scope.value,
        min_cut_percent=req.min_cut if req.min_cut is not None else Decimal(10),
        on_free=req.on_free,
        on_increase=req.on_increase,
        on_new_model=req.on_new_model,
        on_free_ending=req.on_free_ending,
        mode=mode,
    )
    sub, created = await db(
        services.subscriptions.add, key, spec, now=ctx.now, created_by=ctx.user_id
    )
    await _digest_clock(spec, ctx, services, chat)
    vendors, models = await db(services.names)
    title = _("Subscribed") if created else _("You already have this subscription")
    return [
        Reply(
            title=title,
            lines=(describe(sub, vendors, models, language), _when(spec, chat, language)),
            footnotes=(_("See them all with /subscriptions; remove one with /unsubscribe N."),),
            data={"subscription": sub.id, "created": created},
            language=language,
        )
    ]


def _unknown(words: str, suggestions: list[str], language: str) -> str:
    """'I don't know a vendor or model called “x”. Did you mean y?'."""
    _ = translator(language).gettext
    if suggestions:
        return _("I don't know a vendor or model called “{name}”. Did you mean {names}?").format(
            name=words, names=_(", ").join(suggestions)
        )
    return _("I don't know a vendor or model called “{name}”.").format(name=words)


async def _subscribe_target(
    spec: SubscriptionSpec, ctx: Context, services: Services, chat: ChatSettings
) -> list[Reply]:
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    criteria = target_criteria(spec)
    best = await db(services.evaluator.best, criteria, ctx.now)
    met = best is not None and spec.target_amount is not None and best.amount <= spec.target_amount
    sub, created = await db(
        services.subscriptions.add,
        chat_key(ctx),
        spec,
        now=ctx.now,
        created_by=ctx.user_id,
        armed=not met,
    )
    await _digest_clock(spec, ctx, services, chat)
    vendors, models = await db(services.names)
    lines = [describe(sub, vendors, models, language)]
    if not created:
        title = _("You already have this target")
    elif met and best is not None and best.amount == 0:
        lines.extend(await _met_by_a_free_model(spec, best, criteria, ctx, services, language))
        title = _("Target already met: {model} is free").format(model=best.name)
    elif met and best is not None:
        title = _("Target already met by {model}").format(model=best.name)
        lines.append(
            _("Right now: {match}.").format(match=candidate_words(best, criteria, language))
        )
        lines.append(
            _("I'll tell you when it is met again after the price has gone back above it.")
        )
    else:
        title = _("Target set")
        if best is not None:
            lines.append(
                _("Cheapest now: {match}.").format(match=candidate_words(best, criteria, language))
            )
        lines.append(_("I'll tell you when the cheapest match is at or under your target."))
    lines.append(_when(spec, chat, language))
    return [
        Reply(
            title=title,
            lines=tuple(lines),
            data={"subscription": sub.id, "met": met},
            language=language,
        )
    ]


async def _met_by_a_free_model(
    spec: SubscriptionSpec,
    free: Candidate,
    criteria: TargetCriteria,
    ctx: Context,
    services: Services,
    language: str,
) -> list[str]:
    """Why a free model makes a target met, that it stays so, and what to do for paid ones.

    A target follows the cheapest match; while a free model is in its scope that is ¥0,
    so the target cannot fire again. Saying only "already met" hid that.
    """
    _ = translator(language).gettext
    target = format_money(Money(spec.target_amount or Decimal(0), criteria.currency))
    vendor = vendor_name(free.vendor_id, free.vendor, language)
    lines = [
        _(
            "Met now by {model} ({vendor}), which is free. A target follows the cheapest "
            "match, so it will not fire again while {model} stays free."
        ).format(model=free.name, vendor=vendor),
    ]
    paid = await db(services.evaluator.best, criteria, ctx.now, paid_only=True)
    if paid is None:
        return lines
    match = candidate_words(paid, criteria, language)
    if spec.target_amount is not None and paid.amount <= spec.target_amount:
        lines.append(
            _("Paid and at or under {target} too: {match}.").format(target=target, match=match)
        )
        return lines
    lines.append(_("Cheapest paid match: {match}.").format(match=match))
    narrower = replace(criteria, scope=ScopeKind.VENDOR, scope_value=paid.vendor_id)
    vendor_best = await db(services.evaluator.best, narrower, ctx.now)
    if spec.scope is ScopeKind.ALL and vendor_best is not None and vendor_best.amount > 0:
        lines.append(
            _(
                "To hear when a paid price reaches {target}, set the target on a vendor without "
                "a free model: {example}. Models made free: /subscribe all."
            ).format(
                target=target,
                example=f"/subscribe {paid.vendor_id} under {target}{_target_words(spec)}",
            )
        )
    return lines


def _target_words(spec: SubscriptionSpec) -> str:
    """The basis and context a target was set with, as /subscribe reads them back."""
    words = ""
    if spec.target_basis is not Basis.BLENDED:
        words += f" {spec.target_basis.value}"
    if spec.target_min_context:
        words += f" with {spec.target_min_context // 1000}k context"
    return words


async def _subscribe_question(
    req: SubscribeRequest, ctx: Context, services: Services, chat: ChatSettings
) -> list[Reply]:
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    question = req.question or ""
    example = "/subscribe cheapest for 1M tokens with 128k context"
    if services.saved_questions is None or services.questions is None:
        return error(
            _("saved questions need the answers engine, which is not available"),
            "/subscribe deepseek",
            language,
        )
    why_not = await db(services.questions.watchable, question, now=ctx.now, language=language)
    if why_not is not None:
        return error(
            _("I can't watch “{question}”: {why}").format(question=question, why=why_not),
            example,
            language,
        )
    answer = await db(
        services.saved_questions.signature,
        question,
        currency=chat.currency,
        mix=(chat.mix_input, chat.mix_output),
        as_of=ctx.now,
    )
    if answer is None:
        return error(
            _("I can't answer “{question}”, so I can't watch its answer").format(question=question),
            example,
            language,
        )
    signature, summary = answer
    spec = SubscriptionSpec(
        kind=SubscriptionKind.QUESTION,
        question=question,
        mode=req.mode or (Mode.DIGEST if chat.digest_minute is not None else Mode.INSTANT),
        target_currency=chat.currency,
        target_mix_input=chat.mix_input,
        target_mix_output=chat.mix_output,
    )
    sub, created = await db(
        services.subscriptions.add,
        chat_key(ctx),
        spec,
        now=ctx.now,
        created_by=ctx.user_id,
        last_signature=signature,
    )
    await _digest_clock(spec, ctx, services, chat)
    lines = [
        _("#{id} I'll tell you when the answer to “{question}” changes.").format(
            id=sub.id, question=question
        )
    ]
    if summary:
        lines.append(_("Now: {answer}").format(answer="; ".join(summary)))
    lines.append(_when(spec, chat, language))
    title = _("Question saved") if created else _("You already watch this question")
    return [
        Reply(title=title, lines=tuple(lines), data={"subscription": sub.id}, language=language)
    ]


async def _digest_clock(
    spec: SubscriptionSpec, ctx: Context, services: Services, chat: ChatSettings
) -> None:
    """A digest subscription needs the chat's next digest time (09:00 local by default)."""
    if spec.mode is Mode.DIGEST and chat.next_digest_at is None:
        await db(
            services.subscriptions.update_chat,
            chat_key(ctx),
            now=ctx.now,
            next_digest_at=next_digest(ctx.now, chat),
        )


def _when(spec: SubscriptionSpec, chat: ChatSettings, language: str) -> str:
    _ = translator(language).gettext
    if spec.mode is Mode.DIGEST:
        minute = chat.digest_minute if chat.digest_minute is not None else 9 * 60
        return _("Delivered in a daily digest at {time} {zone}.").format(
            time=hhmm(minute), zone=zone_label(chat.timezone)
        )
    return _("Delivered as soon as it happens.")


async def handle_unsubscribe(
    req: UnsubscribeRequest, ctx: Context, services: Services
) -> list[Reply]:
    """Remove this chat's subscriptions by number, by vendor or model, or all of them."""
    key = chat_key(ctx)
    if req.menu:
        return await handle_subscriptions(None, ctx, services)
    language = await reply_language(ctx, services)
    _ = translator(language).gettext
    ngettext = translator(language).ngettext
    vendors, models = await db(services.names)
    if req.everything:
        removed = await db(services.subscriptions.remove, key)
    elif req.ids:
        removed = await db(services.subscriptions.remove, key, ids=req.ids)
        if not removed:
            return error(
                _("this chat has no subscription with that number (see /subscriptions)"),
                "/unsubscribe 3",
                language,
            )
    else:
        scope = await db(services.resolve_scope, req.scope_words)
        if isinstance(scope, list):
            if scope:
                reason = _("I don't know “{name}”. Did you mean {names}?")
            else:
                reason = _("I don't know “{name}”.")
            said = reason.format(name=req.scope_words, names=_(", ").join(scope))
            return error(said, "/unsubscribe deepseek", language)
        removed = await db(services.subscriptions.remove, key, scope=(scope.kind, scope.value))
        if not removed:
            name = scope_name(scope.kind, scope.value, vendors, models, language)
            return error(
                _("this chat has no subscription for {scope}").format(scope=name),
                "/unsubscribe 3",
                language,
            )
    if not removed:
        return [
            Reply(
                title=_("This chat had no subscriptions"),
                lines=(_("Add one: {example}").format(example="/subscribe deepseek"),),
                language=language,
            )
        ]
    return [
        Reply(
            title=ngettext(
                "Removed {count} subscription", "Removed {count} subscriptions", len(removed)
            ).format(count=len(removed)),
            lines=tuple(describe(s, vendors, models, language) for s in removed),
            data={"removed": [s.id for s in removed]},
            language=language,
        )
    ]


async def handle_subscriptions(request: None, ctx: Context, services: Services) -> list[Reply]:
    """List this chat's subscriptions, each with an Unsubscribe button."""
    key = chat_key(ctx)
    subs = await db(services.subscriptions.list_for, key)
    chat = await db(services.subscriptions.touch_chat, key, now=ctx.now)
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    if not subs:
        return [
            Reply(
                title=_("This chat has no subscriptions"),
                lines=(
                    _("Add one: {example}").format(
                        example="/subscribe deepseek · /subscribe all · /subscribe under ¥1"
                    ),
                ),
                language=language,
            )
        ]
    vendors, models = await db(services.names)
    footnotes = [settings_line(chat, ctx.now, language)]
    return [
        Reply(
            title=_("This chat's subscriptions ({count})").format(count=len(subs)),
            lines=tuple(describe(s, vendors, models, language) for s in subs),
            footnotes=tuple(footnotes),
            buttons=tuple(
                Button(_("Unsubscribe #{id}").format(id=s.id), f"/unsubscribe {s.id}") for s in subs
            ),
            data={"subscriptions": [s.id for s in subs]},
            language=language,
        )
    ]


def settings_line(chat: ChatSettings, now: datetime, language: str) -> str:
    """'Settings: currency CNY · mix 3:1 · time zone UTC · …' in `language` ('en', 'zh')."""
    _ = translator(language).gettext
    parts = [
        _("currency {currency}").format(currency=currency_name(chat.currency, language)),
        _("mix {input}:{output}").format(input=chat.mix_input, output=chat.mix_output),
        _("time zone {zone}").format(zone=zone_label(chat.timezone)),
    ]
    if chat.quiet_start is not None and chat.quiet_end is not None:
        how = _("hold") if chat.quiet_mode is QuietMode.HOLD else _("silent")
        parts.append(
            _("quiet {start}–{end} ({how})").format(
                start=hhmm(chat.quiet_start), end=hhmm(chat.quiet_end), how=how
            )
        )
    if chat.muted_until is not None and chat.muted_until > now:
        until = local_moment(chat.muted_until, chat.timezone, language)
        parts.append(_("muted until {moment}").format(moment=until))
    if chat.digest_minute is not None:
        parts.append(_("digest {time}").format(time=hhmm(chat.digest_minute)))
    return _("Settings: {parts} (change with /settings)").format(parts=" · ".join(parts))
