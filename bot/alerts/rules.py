"""When an alert may go out: digests, quiet hours, mutes, retry backoff. Pure functions.

No clock is read here: the caller passes `now`. Local times are in the chat's
time zone (an IANA name, or a fixed offset in the chat's own words, "UTC+8");
every result is UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import i18n
from storage import ChatSettings, QuietMode

DEFAULT_DIGEST_MINUTE = 9 * 60


# A stored fixed offset, as /settings writes it: "UTC+8", "UTC+5:30", "GMT-3".
_FIXED_OFFSET = re.compile(r"^(?:UTC|GMT)([+-])(\d{1,2})(?::(\d{2}))?$")
# IANA's POSIX-style offset zones, whose sign is reversed ("Etc/GMT-8" is UTC+8).
_ETC_OFFSET = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")


def fixed_offset(name: str) -> timezone | None:
    """'UTC+8', 'UTC+5:30', 'GMT-3' → a fixed-offset zone named so; None for other names."""
    match = _FIXED_OFFSET.match(name)
    if not match:
        return None
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    offset = timedelta(hours=hours, minutes=minutes) * (1 if match.group(1) == "+" else -1)
    if minutes > 59 or not timedelta(hours=-12) <= offset <= timedelta(hours=14):
        return None
    return timezone(offset, name)


def zone(name: str) -> tzinfo:
    """The chat's time zone; an unknown name (which settings refuse) falls back to UTC."""
    offset = fixed_offset(name)
    if offset is not None:
        return offset
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_label(name: str) -> str:
    """A zone as the chat reads it: its own words, and "Etc/GMT-8" (older rows) as "UTC+8"."""
    match = _ETC_OFFSET.match(name)
    if match:
        return f"UTC{'-' if match.group(1) == '+' else '+'}{int(match.group(2))}"
    return name


def local_moment(moment: datetime, tz_name: str, language: str = "en") -> str:
    """'2024-05-23 18:00 UTC+8' ('2024年5月23日 18:00 UTC+8' in Chinese): a UTC moment on
    the chat's clock, with the zone's name."""
    return f"{i18n.moment(moment.astimezone(zone(tz_name)), language)} {zone_label(tz_name)}"


def _local(day: date, minute: int, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


def next_local_time(after: datetime, minute: int, tz_name: str) -> datetime:
    """The first moment strictly after `after` when the chat's clock shows `minute`
    (minutes after midnight), in UTC."""
    tz = zone(tz_name)
    local = after.astimezone(tz)
    candidate = _local(local.date(), minute, tz)
    if candidate <= local:
        candidate = _local(local.date() + timedelta(days=1), minute, tz)
    return candidate.astimezone(UTC)


def next_digest(after: datetime, chat: ChatSettings) -> datetime:
    """When the chat's next daily digest is due (its hour, or 09:00 local by default)."""
    minute = chat.digest_minute if chat.digest_minute is not None else DEFAULT_DIGEST_MINUTE
    return next_local_time(after, minute, chat.timezone)


def in_window(minute: int, start: int, end: int) -> bool:
    """Is local `minute` inside [start, end)? Windows may wrap midnight (22:00–07:00)."""
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


@dataclass(frozen=True, slots=True)
class Hold:
    """What to do with an alert now: send (maybe silently) or hold it until a moment."""

    until: datetime | None = None
    silent: bool = False
    reason: str = ""


def hold_for(chat: ChatSettings, now: datetime) -> Hold:
    """Mutes hold alerts to their end; quiet hours hold them to the end or send silently."""
    if chat.muted_until is not None and chat.muted_until > now:
        return Hold(until=chat.muted_until, reason="muted")
    if chat.quiet_start is None or chat.quiet_end is None:
        return Hold()
    tz = zone(chat.timezone)
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute
    if not in_window(minute, chat.quiet_start, chat.quiet_end):
        return Hold()
    if chat.quiet_mode is QuietMode.SILENT:
        return Hold(silent=True, reason="quiet hours")
    return Hold(until=next_local_time(now, chat.quiet_end, chat.timezone), reason="quiet hours")


def backoff(attempts: int, *, base: float, cap: float) -> timedelta:
    """Wait before try number `attempts + 1`: base, 2·base, 4·base … up to `cap` seconds."""
    exponent = max(0, attempts - 1)
    return timedelta(seconds=min(cap, base * (2 ** min(exponent, 30))))


def hhmm(minute: int) -> str:
    """540 → '09:00'."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
