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
from bot.chat.commands.registry import error
from bot.chat.commands.services import Scope, Services, chat_key, db, platform_language
from bot.chat.commands.subscribe_parse import SubscribeRequest, UnsubscribeRequest
from bot.chat.context import Context
from bot.i18n import chat_language, currency_name, translator
from bot.messages import Button, Reply
from storage import (
    Basis,
    ChatSettings,
    Mode,
    QuietMode,
    ScopeKind,
    Subscription,
    SubscriptionKind,
    SubscriptionSpec,
    format_money,
)
from storage.money import Money

# ---- describing subscriptions ----------------------------------------------------------


def describe(sub: Subscription, vendors: dict[str, str], models: dict[str, str]) -> str:
    """'#3 DeepSeek (every model): cuts ≥10%, made free · instant'."""
    spec = sub.spec
    if spec.scope is ScopeKind.ALL:
        scope = "every model"
    elif spec.scope is ScopeKind.VENDOR:
        scope = f"{vendors.get(spec.scope_value, spec.scope_value)} (every model)"
    else:
        scope = models.get(spec.scope_value, spec.scope_value)
    mode = "daily digest" if spec.mode is Mode.DIGEST else "instant"
    if spec.kind is SubscriptionKind.QUESTION:
        return f"#{sub.id} saved question “{spec.question}” · {mode}"
    if spec.kind is SubscriptionKind.TARGET:
        criteria = _criteria(spec)
        amount = format_money(
            Money(spec.target_amount or Decimal(0), spec.target_currency or "USD")
        )
        state = "waiting" if sub.armed else "met; re-arms when the price goes back above"
        where = "anything" if spec.scope is ScopeKind.ALL else scope
        return (
            f"#{sub.id} target: {where} at or under {amount} per 1M "
            f"({criteria.describe()}) · {state} · {mode}"
        )
    events = [f"cuts ≥{spec.min_cut_percent}%"]
    if spec.on_free:
        events.append("made free")
    if spec.on_increase:
        events.append("increases")
    if spec.on_new_model:
        events.append("new models")
    if spec.on_free_ending:
        events.append("free offers ending")
    return f"#{sub.id} {scope}: {', '.join(events)} · {mode}"


def _criteria(spec: SubscriptionSpec) -> TargetCriteria:
    return TargetCriteria(
        scope=spec.scope,
        scope_value=spec.scope_value,
        basis=spec.target_basis,
        currency=spec.target_currency or "USD",
        min_context=spec.target_min_context,
        mix=(spec.target_mix_input, spec.target_mix_output),
    )


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
    if req.menu:
        vendors = await db(services.store.vendors)
        buttons = [Button("Everything", "/subscribe all")]
        buttons += [Button(name, f"/subscribe {vendor_id}") for vendor_id, name in vendors.items()]
        return [
            Reply(
                title="Subscribe to what?",
                lines=(
                    "Pick a vendor, or type a model, e.g. /subscribe qwen-long 20%.",
                    "Also: /subscribe under ¥1 with 128k context · "
                    "/subscribe cheapest for 1M tokens with 128k context",
                ),
                buttons=tuple(buttons),
            )
        ]
    if req.question is not None:
        return await _subscribe_question(req, ctx, services, chat)
    if req.scope_words:
        scope = await db(services.resolve_scope, req.scope_words)
        if isinstance(scope, list):
            hint = f" Did you mean {', '.join(scope)}?" if scope else ""
            return error(
                f"I don't know a vendor or model called “{req.scope_words}”.{hint}",
                "/subscribe deepseek",
            )
    elif req.target is not None:
        scope = Scope(ScopeKind.ALL, "", "anything")
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
    title = "Subscribed" if created else "You already have this subscription"
    return [
        Reply(
            title=title,
            lines=(describe(sub, vendors, models), _when(spec, chat)),
            footnotes=("See them all with /subscriptions; remove one with /unsubscribe N.",),
            data={"subscription": sub.id, "created": created},
        )
    ]


async def _subscribe_target(
    spec: SubscriptionSpec, ctx: Context, services: Services, chat: ChatSettings
) -> list[Reply]:
    criteria = _criteria(spec)
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
    lines = [describe(sub, vendors, models)]
    if not created:
        title = "You already have this target"
    elif met and best is not None and best.amount == 0:
        lines.extend(await _met_by_a_free_model(spec, best, criteria, ctx, services))
        title = f"Target already met: {best.name} is free"
    elif met and best is not None:
        title = f"Target already met by {best.name}"
        lines.append(f"Right now: {best.text(criteria)}.")
        lines.append("I'll tell you when it is met again after the price has gone back above it.")
    else:
        title = "Target set"
        if best is not None:
            lines.append(f"Cheapest now: {best.text(criteria)}.")
        lines.append("I'll tell you when the cheapest match is at or under your target.")
    lines.append(_when(spec, chat))
    return [Reply(title=title, lines=tuple(lines), data={"subscription": sub.id, "met": met})]


async def _met_by_a_free_model(
    spec: SubscriptionSpec,
    free: Candidate,
    criteria: TargetCriteria,
    ctx: Context,
    services: Services,
) -> list[str]:
    """Why a free model makes a target met, that it stays so, and what to do for paid ones.

    A target follows the cheapest match; while a free model is in its scope that is ¥0,
    so the target cannot fire again. Saying only "already met" hid that.
    """
    target = format_money(Money(spec.target_amount or Decimal(0), criteria.currency))
    lines = [
        f"Met now by {free.name} ({free.vendor}), which is free. A target follows the cheapest "
        f"match, so it will not fire again while {free.name} stays free.",
    ]
    paid = await db(services.evaluator.best, criteria, ctx.now, paid_only=True)
    if paid is None:
        return lines
    if spec.target_amount is not None and paid.amount <= spec.target_amount:
        lines.append(f"Paid and at or under {target} too: {paid.text(criteria)}.")
        return lines
    lines.append(f"Cheapest paid match: {paid.text(criteria)}.")
    narrower = replace(criteria, scope=ScopeKind.VENDOR, scope_value=paid.vendor_id)
    vendor_best = await db(services.evaluator.best, narrower, ctx.now)
    if spec.scope is ScopeKind.ALL and vendor_best is not None and vendor_best.amount > 0:
        lines.append(
            f"To hear when a paid price reaches {target}, set the target on a vendor without a "
            f"free model: /subscribe {paid.vendor_id} under {target}{_target_words(spec)}. "
            "Models made free: /subscribe all."
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
    question = req.question or ""
    if services.saved_questions is None or services.questions is None:
        return error(
            "saved questions need the answers engine, which is not available",
            "/subscribe deepseek",
        )
    why_not = await db(services.questions.watchable, question, now=ctx.now)
    if why_not is not None:
        return error(
            f"I can't watch “{question}”: {why_not}",
            "/subscribe cheapest for 1M tokens with 128k context",
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
            f"I can't answer “{question}”, so I can't watch its answer",
            "/subscribe cheapest for 1M tokens with 128k context",
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
    lines = [f"#{sub.id} I'll tell you when the answer to “{question}” changes."]
    if summary:
        lines.append("Now: " + "; ".join(summary))
    lines.append(_when(spec, chat))
    title = "Question saved" if created else "You already watch this question"
    return [Reply(title=title, lines=tuple(lines), data={"subscription": sub.id})]


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


def _when(spec: SubscriptionSpec, chat: ChatSettings) -> str:
    if spec.mode is Mode.DIGEST:
        minute = chat.digest_minute if chat.digest_minute is not None else 9 * 60
        return (
            f"Delivered in a daily digest at {minute // 60:02d}:{minute % 60:02d} "
            f"{zone_label(chat.timezone)}."
        )
    return "Delivered as soon as it happens."


async def handle_unsubscribe(
    req: UnsubscribeRequest, ctx: Context, services: Services
) -> list[Reply]:
    """Remove this chat's subscriptions by number, by vendor or model, or all of them."""
    key = chat_key(ctx)
    if req.menu:
        return await handle_subscriptions(None, ctx, services)
    if req.everything:
        removed = await db(services.subscriptions.remove, key)
    elif req.ids:
        removed = await db(services.subscriptions.remove, key, ids=req.ids)
        if not removed:
            return error(
                "this chat has no subscription with that number (see /subscriptions)",
                "/unsubscribe 3",
            )
    else:
        scope = await db(services.resolve_scope, req.scope_words)
        if isinstance(scope, list):
            hint = f" Did you mean {', '.join(scope)}?" if scope else ""
            return error(f"I don't know “{req.scope_words}”.{hint}", "/unsubscribe deepseek")
        removed = await db(services.subscriptions.remove, key, scope=(scope.kind, scope.value))
        if not removed:
            return error(f"this chat has no subscription for {scope.label}", "/unsubscribe 3")
    vendors, models = await db(services.names)
    if not removed:
        return [
            Reply(title="This chat had no subscriptions", lines=("Add one: /subscribe deepseek",))
        ]
    return [
        Reply(
            title=f"Removed {len(removed)} subscription{'s' if len(removed) != 1 else ''}",
            lines=tuple(describe(s, vendors, models) for s in removed),
            data={"removed": [s.id for s in removed]},
        )
    ]


async def handle_subscriptions(_: None, ctx: Context, services: Services) -> list[Reply]:
    """List this chat's subscriptions, each with an Unsubscribe button."""
    key = chat_key(ctx)
    subs = await db(services.subscriptions.list_for, key)
    chat = await db(services.subscriptions.touch_chat, key, now=ctx.now)
    if not subs:
        return [
            Reply(
                title="This chat has no subscriptions",
                lines=("Add one: /subscribe deepseek · /subscribe all · /subscribe under ¥1",),
            )
        ]
    vendors, models = await db(services.names)
    footnotes = [settings_line(chat, ctx.now, chat_language(chat.language, ctx.language))]
    return [
        Reply(
            title=f"This chat's subscriptions ({len(subs)})",
            lines=tuple(describe(s, vendors, models) for s in subs),
            footnotes=tuple(footnotes),
            buttons=tuple(Button(f"Unsubscribe #{s.id}", f"/unsubscribe {s.id}") for s in subs),
            data={"subscriptions": [s.id for s in subs]},
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
