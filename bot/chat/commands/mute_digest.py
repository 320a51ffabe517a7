"""/mute, /unmute, /digest: when a chat hears its alerts (held for a while, or once a day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.alerts.rules import hhmm, local_moment, next_local_time, zone_label
from bot.chat.commands.parsing import Invalid, parse_clock, parse_duration
from bot.chat.commands.parsing import later as _
from bot.chat.commands.services import Services, chat_key, db
from bot.chat.context import Context
from bot.i18n import chat_language, translator
from bot.messages import Button, Reply
from storage import Mode


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


async def handle_unmute(request: Any, ctx: Context, services: Services) -> list[Reply]:
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
