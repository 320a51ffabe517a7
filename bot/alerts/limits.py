"""Each platform's sending limits, kept with aiolimiter.

Telegram: about 30 messages/s per bot, 1/s per chat, 20/minute per group.
Slack: about 1 message/s per channel. The bot-wide limiter (aiolimiter) spaces
messages evenly (a bucket of one) rather than allowing a burst and then
stalling, so a strict platform never sees more than its limit in any window.
A chat's spacing is measured from the moment its last message was let through
(after the bot-wide wait), so waiting for the bot never squeezes two messages
to one chat closer together than the chat allows.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass

from aiolimiter import AsyncLimiter


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """Messages per second for the whole bot and for one chat; seconds between group posts."""

    per_bot: float | None = None
    per_chat: float | None = None
    group_interval: float | None = None


TELEGRAM = PlatformLimits(per_bot=30.0, per_chat=1.0, group_interval=3.0)
SLACK = PlatformLimits(per_bot=None, per_chat=1.0)
UNLIMITED = PlatformLimits()

DEFAULTS: dict[str, PlatformLimits] = {"telegram": TELEGRAM, "slack": SLACK}

# Per-chat limiters of chats not heard from in this long are forgotten.
_IDLE_SECONDS = 120.0
_MAX_CHATS = 50_000


def _even(rate: float) -> AsyncLimiter:
    """A limiter that lets one message through every 1/rate seconds."""
    return AsyncLimiter(1, 1.0 / rate)


class _ChatGate:
    """One chat's turn-taking: one sender at a time, spaced from the last release."""

    __slots__ = ("last", "lock", "seen")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.last = float("-inf")
        self.seen = time.monotonic()


class RateLimits:
    """Waits until a message to one chat on one platform may go."""

    def __init__(self, limits: dict[str, PlatformLimits] | None = None) -> None:
        self.limits = dict(DEFAULTS if limits is None else limits)
        self._bots: dict[str, AsyncLimiter] = {}
        self._chats: OrderedDict[tuple[str, str], _ChatGate] = OrderedDict()
        self._paused_until: dict[str, float] = {}
        self._share = 1

    def share(self, replicas: int) -> None:
        """`replicas` processes send for the same bot: each keeps 1/replicas of its limit.

        Telegram's 30 messages/s is per bot token, not per process; without this,
        three replicas would send 90/s and collect 429s.
        """
        replicas = max(1, replicas)
        if replicas != self._share:
            self._share = replicas
            self._bots.clear()  # remade at the new rate on the next message

    def _for(self, platform: str) -> PlatformLimits:
        return self.limits.get(platform, UNLIMITED)

    def pause(self, platform: str, seconds: float) -> None:
        """The platform said "retry after": nothing more goes to it for that long."""
        until = time.monotonic() + max(0.0, seconds)
        self._paused_until[platform] = max(until, self._paused_until.get(platform, 0.0))

    async def acquire(self, platform: str, chat_id: str, *, group: bool) -> None:
        """Wait for the platform's pause, the bot's limit, then the chat's."""
        paused = self._paused_until.get(platform, 0.0) - time.monotonic()
        if paused > 0:
            await asyncio.sleep(paused)
        limits = self._for(platform)
        interval = None
        if group and limits.group_interval:
            interval = limits.group_interval
        elif limits.per_chat:
            interval = 1.0 / limits.per_chat
        if interval is None:
            await self._bot(platform, limits)
            return
        gate = self._gate(platform, chat_id)
        async with gate.lock:
            wait = gate.last + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self._bot(platform, limits)
            gate.last = time.monotonic()

    async def _bot(self, platform: str, limits: PlatformLimits) -> None:
        if not limits.per_bot:
            return
        bot = self._bots.get(platform)
        if bot is None:
            bot = self._bots[platform] = _even(limits.per_bot / self._share)
        await bot.acquire()

    def _gate(self, platform: str, chat_id: str) -> _ChatGate:
        key = (platform, chat_id)
        now = time.monotonic()
        gate = self._chats.pop(key, None) or _ChatGate()
        gate.seen = now
        self._chats[key] = gate
        # Forget chats idle for a while (oldest first), so memory stays bounded; a gate
        # in use is never idle that long, and one forgotten early only loses its spacing.
        while self._chats:
            oldest_key, oldest = next(iter(self._chats.items()))
            if now - oldest.seen < _IDLE_SECONDS and len(self._chats) <= _MAX_CHATS:
                break
            if oldest.lock.locked():
                break
            del self._chats[oldest_key]
        return gate
