"""Each platform's sending limits, kept with aiolimiter.

Telegram: about 30 messages/s per bot, 1/s per chat, 20/minute per group.
Slack: about 1 message/s per channel. The bot-wide limiter (aiolimiter) spaces
messages evenly (a bucket of one) rather than allowing a burst and then
stalling, so a strict platform never sees more than its limit in any window.
A chat's spacing is measured from the moment its last message was let through
(after the bot-wide wait), so waiting for the bot never squeezes two messages
to one chat closer together than the chat allows.

"Retry after N seconds" (a 429) is about one chat unless it says otherwise: Telegram's
flood wait is per chat. That chat waits (at most CHAT_WAIT_CAP); every other chat goes
on. Only a bot-wide 429 (the platform says so, or several chats get one within a
second) pauses every send of that platform, and then for at most BOT_PAUSE_CAP.
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

# A chat's "retry after" is honoured up to this long; a longer one is retried then.
CHAT_WAIT_CAP = 3600.0
# A bot-wide pause lasts at most this long (the whole platform's sends wait meanwhile).
BOT_PAUSE_CAP = 30.0
# This many different chats told "retry after" within BOT_WIDE_WINDOW seconds means the
# limit is the bot's, not theirs.
BOT_WIDE_CHATS = 3
BOT_WIDE_WINDOW = 1.0

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
        self._chat_paused: dict[tuple[str, str], float] = {}
        self._recent_429: dict[str, list[tuple[float, str]]] = {}
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
        """A bot-wide "retry after": nothing more goes to the platform for that long (capped)."""
        until = time.monotonic() + min(max(0.0, seconds), BOT_PAUSE_CAP)
        self._paused_until[platform] = max(until, self._paused_until.get(platform, 0.0))

    def retry_after(
        self, platform: str, chat_id: str, seconds: float, *, bot_wide: bool = False
    ) -> float:
        """The platform said "retry after" for a send to `chat_id`: that chat waits.

        Returns the seconds the chat now waits (capped). A bot-wide one, said or seen
        (several chats told within a second), pauses the whole platform too.
        """
        now = time.monotonic()
        wait = min(max(0.0, seconds), CHAT_WAIT_CAP)
        key = (platform, chat_id)
        self._chat_paused[key] = max(now + wait, self._chat_paused.get(key, 0.0))
        if len(self._chat_paused) > _MAX_CHATS:
            self._chat_paused = {k: t for k, t in self._chat_paused.items() if t > now}
        recent = [
            (t, c) for t, c in self._recent_429.get(platform, []) if now - t < BOT_WIDE_WINDOW
        ]
        recent.append((now, chat_id))
        self._recent_429[platform] = recent[-BOT_WIDE_CHATS * 4 :]
        if bot_wide or len({c for _, c in recent}) >= BOT_WIDE_CHATS:
            self.pause(platform, seconds)
        return wait

    def paused(self, platform: str) -> float:
        """Seconds the whole platform still waits after a bot-wide "retry after"."""
        return max(0.0, self._paused_until.get(platform, 0.0) - time.monotonic())

    def chat_wait(self, platform: str, chat_id: str) -> float:
        """Seconds this chat must still wait after its "retry after"; 0 when it may go."""
        until = self._chat_paused.get((platform, chat_id))
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            del self._chat_paused[(platform, chat_id)]
            return 0.0
        return left

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
