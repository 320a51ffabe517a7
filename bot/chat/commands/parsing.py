"""Small pure readers the command parsers share: durations, clock times, amounts, mixes.

Each returns a value or None (never raises); the command's parser turns None into
a one-line reason and an example.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.alerts.rules import fixed_offset
from bot.i18n import translator
from storage import CURRENCIES


def later(message: str) -> str:
    """Mark a message for the catalog without translating it yet: parsers run before the
    chat's language is known, so the reply translates it (`Invalid.text`). Modules import
    it as `_` so that `pybabel extract` finds the message."""
    return message


@dataclass(frozen=True, slots=True)
class Invalid:
    """A command that cannot be read: why, in one line, and an example that works.

    `reason` is the English message id (marked with `later`); `args` fill its `{fields}`
    after translation, so `text(language)` reads it in the chat's language.
    """

    reason: str
    example: str
    args: Mapping[str, object] = field(default_factory=dict)

    def text(self, language: str) -> str:
        """The reason in `language` ('en', 'zh'), its fields filled."""
        said = translator(language).gettext(self.reason)
        # Without fields the reason is said as it stands: a front-end's own parser may have
        # put what the user typed (braces and all) into it.
        return said.format(**self.args) if self.args else said


@dataclass(frozen=True, slots=True)
class CommandText:
    """'/subscribe@pricebot deepseek 20%' → name 'subscribe', args 'deepseek 20%'."""

    name: str
    args: str


def split_command(text: str) -> CommandText | None:
    """The command name (lower-case, without a bot mention) and the rest; None if not one."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].strip().lower()
    if not name:
        return None
    return CommandText(name, rest.strip())


_DURATION = re.compile(
    r"^(\d+(?:\.\d+)?)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)$"
)
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta | None:
    """'2h', '30m', '1d', '1.5 hours', '1w' → a timedelta; None when unreadable."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        return None
    try:
        amount = Decimal(match.group(1))
    except InvalidOperation:
        return None
    unit = match.group(2)[0]
    seconds = amount * _UNIT_SECONDS[unit]
    if seconds <= 0 or seconds > 366 * 86400:
        return None
    return timedelta(seconds=int(seconds))


_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


def parse_clock(text: str) -> int | None:
    """'9:00', '09:30', '21:00', '9am', '9pm', '9' → minutes after midnight; None if not a time."""
    match = _CLOCK.match(text.strip().lower())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def parse_window(text: str) -> tuple[int, int] | None:
    """'22:00-07:00' (or '22:00–07:00', '22-7') → (start, end) minutes; None if unreadable."""
    parts = re.split(r"\s*(?:-|–|—|to)\s*", text.strip().lower())
    if len(parts) != 2:
        return None
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start is None or end is None or start == end:
        return None
    return start, end


_SYMBOLS = {"¥": "CNY", "￥": "CNY", "元": "CNY", "rmb": "CNY", "$": "USD", "€": "EUR"}
_MONEY = re.compile(r"^([¥￥$€]|[a-z]{3})?\s*(\d+(?:\.\d+)?)\s*([¥￥$€元]|[a-z]{3})?$")


def parse_money(text: str) -> tuple[Decimal, str | None] | None:
    """'¥1', '1元', '$0.5', '0.5 USD', 'CNY 1', '1' → (amount, currency or None)."""
    match = _MONEY.match(text.strip().lower())
    if not match:
        return None
    before, number, after = match.groups()
    if before and after:
        return None
    code = before or after
    currency = None
    if code:
        currency = _SYMBOLS.get(code, code.upper())
        if currency not in CURRENCIES:
            return None
    try:
        return Decimal(number), currency
    except InvalidOperation:
        return None


def parse_currency(text: str) -> str | None:
    """'cny', 'USD', '¥', '$', '元' → an ISO code the store knows; None otherwise."""
    cleaned = text.strip().lower()
    code = _SYMBOLS.get(cleaned, cleaned.upper())
    return code if code in CURRENCIES else None


def parse_mix(text: str) -> tuple[int, int] | None:
    """'3:1', '1:1', '10:3', 'input only' (1:0), 'output only' (0:1) → (input, output)."""
    cleaned = text.strip().lower()
    if cleaned in ("input only", "input"):
        return 1, 0
    if cleaned in ("output only", "output"):
        return 0, 1
    match = re.match(r"^(\d{1,3})\s*[:/]\s*(\d{1,3})$", cleaned)
    if not match:
        return None
    mix = int(match.group(1)), int(match.group(2))
    if mix == (0, 0):
        return None
    return mix


_SIZE = re.compile(r"^(?:≥|>=|>)?(\d+(?:\.\d+)?)([km]?)\+?$")


def parse_size(text: str) -> int | None:
    """'128k', '≥32k', '1m', '200000' → a number of tokens; None when not a size."""
    match = _SIZE.match(text.strip().lower())
    if not match:
        return None
    try:
        value = Decimal(match.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[match.group(2)]
    except InvalidOperation:
        return None
    if value <= 0 or value > 100_000_000:
        return None
    return int(value)


# 'UTC+8', 'UTC+05:30', 'GMT-3', 'utc +0530', '+8'; a Unicode minus counts as one.
_OFFSET = re.compile(r"^(utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")


def parse_timezone(text: str) -> str | None:
    """An IANA zone ('Asia/Shanghai', case-insensitive) or an offset ('UTC+8', 'UTC+05:30',
    'GMT-3') → the zone's name as the chat will read it ('UTC+8', 'UTC+5:30', 'GMT-3');
    else None."""
    cleaned = text.strip()
    match = _OFFSET.match(cleaned.lower().replace("\u2212", "-"))
    if match:
        prefix, sign, hours, minutes = match.groups()
        if int(hours) == 0 and int(minutes or 0) == 0:
            return "UTC"
        name = f"{(prefix or 'utc').upper()}{sign}{int(hours)}"
        if minutes and int(minutes):
            name += f":{minutes}"
        # rules.fixed_offset reads the name back, and refuses offsets no place uses.
        return name if fixed_offset(name) is not None else None
    if cleaned.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    if not re.match(r"^[A-Za-z_]+(?:/[A-Za-z0-9_+-]+){0,2}$", cleaned):
        return None
    try:
        ZoneInfo(cleaned)
        return cleaned
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = cleaned.lower()
    for name in available_timezones():
        if name.lower() == lowered:
            return name
    return None


def words(text: str) -> list[str]:
    """Split on whitespace, keeping quoted phrases together is not needed by any command."""
    return text.split()
