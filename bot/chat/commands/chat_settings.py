"""/settings: a chat's currency, mix, time zone, quiet hours, default question and language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.alerts.rules import hhmm, next_local_time, zone, zone_label
from bot.chat.commands.language import reply_language
from bot.chat.commands.parsing import (
    Invalid,
    parse_currency,
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
from storage import ChatSettings, PriceStore, QuietMode
from storage.fx import unreachable


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
