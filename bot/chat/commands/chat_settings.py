"""/mute, /unmute, /digest, /settings: when and how a chat hears its alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.alerts.rules import hhmm, local_moment, next_local_time, zone, zone_label
from bot.chat.commands.language import reply_language
from bot.chat.commands.parsing import (
    Invalid,
    parse_clock,
    parse_currency,
    parse_duration,
    parse_mix,
    parse_timezone,
    parse_window,
)
from bot.chat.commands.parsing import later as _
from bot.chat.commands.registry import error
from bot.chat.commands.services import Services, chat_key, db
from bot.chat.commands.subscribe import settings_line
from bot.chat.context import Context
from bot.i18n import (
    CHINESE,
    ENGLISH,
    LANGUAGE_NAMES,
    chat_language,
    currency_name,
    parse_language,
    translator,
)
from bot.messages import Button, Reply
from storage import ChatSettings, Mode, PriceStore, QuietMode
from storage.fx import unreachable


@dataclass(frozen=True, slots=True)
class MuteRequest:
    duration: timedelta | None = None
    until_minute: int | None = None
    off: bool = False


def parse_mute(args: str) -> MuteRequest | Invalid:
    """'/mute 2h', '/mute 30m', '/mute 1d', '/mute until 18:00', '/mute off'."""
    text = " ".join(args.lower().split())
    if not text:
        return Invalid(_("say for how long"), "/mute 2h")
    if text in ("off", "stop", "end", "none"):
        return MuteRequest(off=True)
    if text.startswith("until "):
        minute = parse_clock(text.removeprefix("until ").strip())
        if minute is None:
            return Invalid(_("give the time as HH:MM"), "/mute until 18:00")
        return MuteRequest(until_minute=minute)
    if text.startswith("for "):
        text = text.removeprefix("for ").strip()
    duration = parse_duration(text)
    if duration is None:
        return Invalid(
            _("“{text}” is not a length of time (m, h, d or w)"), "/mute 2h", {"text": args.strip()}
        )
    return MuteRequest(duration=duration)


async def handle_mute(req: MuteRequest, ctx: Context, services: Services) -> list[Reply]:
    """Hold this chat's alerts for a while; they arrive together when the mute ends."""
    key = chat_key(ctx)
    if req.off:
        return await handle_unmute(None, ctx, services)
    chat = await db(services.subscriptions.touch_chat, key, now=ctx.now)
    if req.duration is not None:
        until = ctx.now + req.duration
    else:
        until = next_local_time(ctx.now, req.until_minute or 0, chat.timezone)
    await db(services.subscriptions.update_chat, key, now=ctx.now, muted_until=until)
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    return [
        Reply(
            title=_("Muted until {moment}").format(
                moment=local_moment(until, chat.timezone, language)
            ),
            lines=(
                _("Alerts meanwhile are kept and arrive as one message when the mute ends."),
                _("End it now with /unmute."),
            ),
            data={"muted_until": until.isoformat()},
            language=language,
        )
    ]


async def handle_unmute(_: Any, ctx: Context, services: Services) -> list[Reply]:
    """End this chat's mute; alerts held by it go out now."""
    chat = await db(
        services.subscriptions.update_chat, chat_key(ctx), now=ctx.now, muted_until=None
    )
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    return [
        Reply(
            title=_("Unmuted"),
            lines=(_("Alerts held by the mute go out now."),),
            language=language,
        )
    ]


@dataclass(frozen=True, slots=True)
class DigestRequest:
    minute: int | None = None
    off: bool = False

    @property
    def read_only(self) -> bool:
        """A bare /digest shows the setting; anyone in the chat may ask."""
        return self.minute is None and not self.off


def parse_digest(args: str) -> DigestRequest | Invalid:
    """'/digest' (show), '/digest daily 9:00', '/digest daily', '/digest 21:30', '/digest off'."""
    text = " ".join(args.lower().split())
    if not text:
        return DigestRequest()
    if text in ("off", "instant", "none", "stop"):
        return DigestRequest(off=True)
    text = text.removeprefix("daily").strip().removeprefix("at").strip()
    if not text:
        return DigestRequest(minute=9 * 60)
    minute = parse_clock(text)
    if minute is None:
        return Invalid(
            _("“{text}” is not a time of day (HH:MM)"), "/digest daily 9:00", {"text": args.strip()}
        )
    return DigestRequest(minute=minute)


async def _show_digest(ctx: Context, services: Services) -> list[Reply]:
    chat = await db(services.subscriptions.touch_chat, chat_key(ctx), now=ctx.now)
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    label = zone_label(chat.timezone)
    if chat.digest_minute is None:
        return [
            Reply(
                title=_("Daily digest off"),
                lines=(_("Alerts arrive as soon as they happen."),),
                footnotes=(
                    _(
                        "One message a day instead: /digest daily 9:00 (09:00 {zone}) · "
                        "/digest daily 18:30"
                    ).format(zone=label),
                ),
                buttons=(Button(_("Daily digest at 09:00"), "/digest daily 9:00"),),
                language=language,
            )
        ]
    at = hhmm(chat.digest_minute)
    lines = [
        _("Alerts collect into one message a day at {time} {zone}.").format(time=at, zone=label)
    ]
    if chat.next_digest_at is not None:
        moment = local_moment(chat.next_digest_at, chat.timezone, language)
        lines.append(_("The next is {moment}.").format(moment=moment))
    return [
        Reply(
            title=_("Daily digest at {time} ({zone})").format(time=at, zone=label),
            lines=tuple(lines),
            footnotes=(
                _(
                    "Another hour: /digest daily 18:30 · instant alerts: /digest off · "
                    "time zone: /settings timezone Asia/Shanghai"
                ),
            ),
            buttons=(Button(_("Digest off"), "/digest off"),),
            language=language,
        )
    ]


async def handle_digest(req: DigestRequest, ctx: Context, services: Services) -> list[Reply]:
    """Show the daily digest setting, or collect alerts into one message a day (or stop)."""
    if req.read_only:
        return await _show_digest(ctx, services)
    key = chat_key(ctx)
    chat = await db(services.subscriptions.touch_chat, key, now=ctx.now)
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    ngettext = translator(language).ngettext
    if req.off:
        await db(
            services.subscriptions.update_chat,
            key,
            now=ctx.now,
            digest_minute=None,
            next_digest_at=None,
        )
        await db(services.subscriptions.set_mode, key, Mode.INSTANT)
        released = await db(services.subscriptions.release_waiting, key, now=ctx.now)
        lines = [_("Alerts arrive as soon as they happen.")]
        if released:
            lines.append(
                ngettext(
                    "{count} alert waiting for the digest goes out within a minute.",
                    "{count} alerts waiting for the digest go out within a minute.",
                    released,
                ).format(count=released)
            )
        return [Reply(title=_("Daily digest off"), lines=tuple(lines), language=language)]
    minute = req.minute if req.minute is not None else 9 * 60
    at = next_local_time(ctx.now, minute, chat.timezone)
    await db(
        services.subscriptions.update_chat,
        key,
        now=ctx.now,
        digest_minute=minute,
        next_digest_at=at,
    )
    count = await db(services.subscriptions.set_mode, key, Mode.DIGEST)
    collect = ngettext(
        "{count} subscription now collects into one message a day; the next is {moment}.",
        "{count} subscriptions now collect into one message a day; the next is {moment}.",
        count,
    )
    return [
        Reply(
            title=_("Daily digest at {time} ({zone})").format(
                time=hhmm(minute), zone=zone_label(chat.timezone)
            ),
            lines=(
                collect.format(count=count, moment=local_moment(at, chat.timezone, language)),
                _("Time zone: /settings timezone Asia/Shanghai. Stop: /digest off."),
            ),
            data={"next_digest_at": at.isoformat()},
            language=language,
        )
    ]


def settings_buttons(chat: ChatSettings, language: str) -> tuple[Button, ...]:
    """One-press changes to the common choices (Slack's App Home, Telegram's keyboard)."""
    _ = translator(language).gettext
    buttons = [
        Button(_("Prices in {currency}").format(currency=code), f"/settings currency {code}")
        for code in ("CNY", "USD")
        if code != chat.currency
    ]
    mix = "1:1" if (chat.mix_input, chat.mix_output) == (3, 1) else "3:1"
    buttons.append(Button(_("Mix {mix}").format(mix=mix), f"/settings mix {mix}"))
    if chat.quiet_start is None:
        buttons.append(Button(_("Quiet 22:00–07:00"), "/settings quiet 22:00-07:00 hold"))
    else:
        buttons.append(Button(_("No quiet hours"), "/settings quiet off"))
    # Each language is offered in its own words, so a reader who cannot read the other
    # one still finds the way back.
    other = ENGLISH if language == CHINESE else CHINESE
    buttons.append(Button(LANGUAGE_NAMES[other], f"/settings language {other}"))
    return tuple(buttons)


@dataclass(frozen=True, slots=True)
class SettingsRequest:
    field: str = ""
    value: Any = None

    @property
    def read_only(self) -> bool:
        return not self.field


_SETTINGS_EXAMPLE = "/settings currency CNY"


def parse_settings(args: str) -> SettingsRequest | Invalid:
    """'/settings', '/settings currency USD', '/settings mix 3:1', '/settings timezone
    Asia/Shanghai', '/settings quiet 22:00-07:00 silent', '/settings quiet off',
    '/settings question cheapest with 128k context'."""
    text = " ".join(args.split())
    if not text:
        return SettingsRequest()
    name, _space, rest = text.partition(" ")
    name = name.lower()
    rest = rest.strip()
    if name in ("time", "time-zone") and rest.lower().startswith("zone"):
        name, rest = "timezone", rest[4:].strip()
    if name == "currency":
        currency = parse_currency(rest)
        if currency is None:
            return Invalid(
                _("“{text}” is not a currency I know (CNY, USD, EUR)"),
                _SETTINGS_EXAMPLE,
                {"text": rest},
            )
        return SettingsRequest("currency", currency)
    if name in ("mix", "ratio"):
        mix = parse_mix(rest)
        if mix is None:
            return Invalid(
                _("“{text}” is not an input:output mix"), "/settings mix 3:1", {"text": rest}
            )
        return SettingsRequest("mix", mix)
    if name in ("timezone", "tz", "zone"):
        zone = parse_timezone(rest)
        if zone is None:
            return Invalid(
                _("“{text}” is not a time zone"), "/settings timezone Asia/Shanghai", {"text": rest}
            )
        return SettingsRequest("timezone", zone)
    if name in ("quiet", "quiet-hours"):
        words = rest.lower().removeprefix("hours").split()
        if words in (["off"], ["none"]):
            return SettingsRequest("quiet", None)
        mode = QuietMode.HOLD
        if words and words[-1] in ("hold", "silent"):
            mode = QuietMode(words.pop())
        window = parse_window(" ".join(words))
        if window is None:
            return Invalid(_("give quiet hours as HH:MM-HH:MM"), "/settings quiet 22:00-07:00 hold")
        return SettingsRequest("quiet", (window[0], window[1], mode))
    if name in ("language", "lang", "语言", "語言"):
        language = parse_language(rest)
        if language is None:
            return Invalid(
                _("“{text}” is not a language I speak (en for English, zh for 中文)"),
                "/settings language zh",
                {"text": rest},
            )
        return SettingsRequest("language", language)
    if name == "question":
        if not rest:
            return Invalid(
                _("give the question alerts rank models by"),
                "/settings question cheapest for 1M tokens",
            )
        return SettingsRequest("question", None if rest.lower() == "off" else rest)
    return Invalid(
        _("unknown setting “{name}” (currency, mix, timezone, quiet, question, language)"),
        _SETTINGS_EXAMPLE,
        {"name": name},
    )


def _without_rate(store: PriceStore, currency: str) -> list[str]:
    """The currencies prices are in that no stored rate converts into `currency`."""
    return unreachable(store.rates(), currency, store.price_currencies())


async def handle_settings(req: SettingsRequest, ctx: Context, services: Services) -> list[Reply]:
    """Show or change this chat's currency, mix, time zone, quiet hours, default question
    and language; the reply is in the chat's language (after the change)."""
    key = chat_key(ctx)
    if req.read_only:
        chat = await db(services.subscriptions.touch_chat, key, now=ctx.now)
        language = chat_language(chat.language, ctx.language)
        _ = translator(language).gettext
        lines = [settings_line(chat, ctx.now, language)]
        if chat.default_question:
            lines.append(
                _("Alerts rank models by: “{question}”").format(question=chat.default_question)
            )
        lines.append(_("Language: {language}").format(language=LANGUAGE_NAMES[language]))
        return [
            Reply(
                title=_("This chat's settings"),
                lines=tuple(lines),
                footnotes=(
                    "/settings currency USD · /settings mix 1:1 · /settings timezone Europe/Berlin"
                    " · /settings quiet 22:00-07:00 silent · /settings quiet off · "
                    + ("/settings language en" if language == CHINESE else "/settings language zh"),
                ),
                buttons=settings_buttons(chat, language),
                language=language,
            )
        ]
    changes: dict[str, Any] = {}
    if req.field == "currency":
        missing = await db(_without_rate, services.store, req.value)
        if missing:
            language = await reply_language(ctx, services)
            _ = translator(language).gettext
            # Accepting it would turn every price in the other currencies into "no rate".
            return error(
                _(
                    "no exchange rate to {currency} yet for prices in {others}, so they could "
                    "not be shown in {currency}"
                ).format(currency=req.value, others=_(", ").join(missing)),
                _SETTINGS_EXAMPLE,
                language,
            )
        changes["currency"] = req.value
    elif req.field == "mix":
        changes["mix_input"], changes["mix_output"] = req.value
    elif req.field == "timezone":
        changes["timezone"] = req.value
        chat = await db(services.subscriptions.touch_chat, key, now=ctx.now)
        if chat.digest_minute is not None:
            changes["next_digest_at"] = next_local_time(ctx.now, chat.digest_minute, req.value)
    elif req.field == "quiet":
        if req.value is None:
            changes.update(quiet_start=None, quiet_end=None)
        else:
            start, end, mode = req.value
            changes.update(quiet_start=start, quiet_end=end, quiet_mode=mode)
    elif req.field == "language":
        changes["language"] = req.value
    else:
        changes["default_question"] = req.value
    chat = await db(services.subscriptions.update_chat, key, now=ctx.now, **changes)
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    said = _confirmation(req, ctx, language)
    return [
        Reply(
            title=_("Settings changed"),
            lines=(said, settings_line(chat, ctx.now, language)),
            language=language,
        )
    ]


def _confirmation(req: SettingsRequest, ctx: Context, language: str) -> str:
    """One sentence saying what the change means for the chat, in its (new) language."""
    _ = translator(language).gettext
    if req.field == "currency":
        return _("Prices are shown in {currency}.").format(
            currency=currency_name(req.value, language)
        )
    if req.field == "mix":
        return _("Blended prices use {input} input : {output} output.").format(
            input=req.value[0], output=req.value[1]
        )
    if req.field == "timezone":
        local = ctx.now.astimezone(zone(req.value))
        return _("Times are in {zone} (it is {time} there now).").format(
            zone=zone_label(req.value), time=f"{local:%H:%M}"
        )
    if req.field == "quiet":
        if req.value is None:
            return _("No quiet hours: alerts arrive at any time.")
        start, end, mode = req.value
        if mode is QuietMode.HOLD:
            text = _("Quiet hours {start}–{end}: alerts are held until they end.")
        else:
            text = _("Quiet hours {start}–{end}: alerts are sent without a sound.")
        return text.format(start=hhmm(start), end=hhmm(end))
    if req.field == "language":
        return _("This chat now hears {language}.").format(language=LANGUAGE_NAMES[language])
    if req.value:
        return _("Alerts say where a model ranks for “{question}”.").format(question=req.value)
    return _("Alerts rank models by the default question.")
