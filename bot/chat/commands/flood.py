"""How many commands one user, and one chat, may send: a flood gets one polite reply.

Kept with aiolimiter (a leaky bucket per user and per chat), in memory: a flood is
over in seconds, and a replica that restarts forgets nothing that matters. A user
past their limit is told once when they may go on; their further commands inside the
same window are dropped without a reply, so a flood costs the platform's send limits
nothing either.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from aiolimiter import AsyncLimiter

from bot.chat.context import Context
from bot.i18n import translator
from bot.messages import Reply, ReplyKind

# Buckets of users and chats not heard from are forgotten past this many (oldest first).
_MAX_BUCKETS = 20_000


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """Commands per minute for one user (across chats) and for one chat (across users)."""

    per_user: float = 20.0
    per_chat: float = 60.0


@dataclass(frozen=True, slots=True)
class Flooded:
    """A command held back: whether to say so (once a minute), and whose limit it hit."""

    tell: bool
    per_minute: float
    by_user: bool


class _Bucket:
    __slots__ = ("limiter", "told_at")

    def __init__(self, per_minute: float) -> None:
        self.limiter = AsyncLimiter(per_minute, 60.0)
        # When this user or chat was last told to slow down (monotonic seconds).
        self.told_at = -math.inf


class FloodGuard:
    """Lets a command through, or says why not (once per minute per user or chat)."""

    def __init__(
        self, limits: FloodLimits | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or FloodLimits()
        self._clock = clock
        self._users: OrderedDict[str, _Bucket] = OrderedDict()
        self._chats: OrderedDict[str, _Bucket] = OrderedDict()
        self.refused = 0

    async def check(self, ctx: Context) -> Flooded | None:
        """None: go ahead. Otherwise why not, and whether to tell (once, then silence)."""
        chat = ctx.chat
        user = self._bucket(self._users, f"{chat.platform}:{chat.team_id or ''}:{ctx.user_id}")
        room = self._bucket(self._chats, f"{chat.platform}:{chat.team_id or ''}:{chat.chat_id}")
        if user.limiter.has_capacity() and room.limiter.has_capacity():
            # Neither waits: has_capacity() said both have room now.
            await user.limiter.acquire()
            await room.limiter.acquire()
            return None
        self.refused += 1
        bucket, per = (
            (user, self.limits.per_user)
            if not user.limiter.has_capacity()
            else (room, self.limits.per_chat)
        )
        now = self._clock()
        if now - bucket.told_at < 60.0:
            return Flooded(tell=False, per_minute=per, by_user=bucket is user)
        bucket.told_at = now
        return Flooded(tell=True, per_minute=per, by_user=bucket is user)

    def _bucket(self, buckets: OrderedDict[str, _Bucket], key: str) -> _Bucket:
        bucket = buckets.pop(key, None)
        if bucket is None:
            per = self.limits.per_user if buckets is self._users else self.limits.per_chat
            bucket = _Bucket(per)
        buckets[key] = bucket
        while len(buckets) > _MAX_BUCKETS:
            buckets.popitem(last=False)
        return bucket


def flood_notice(flooded: Flooded, language: str) -> list[Reply]:
    """The one polite reply to a flood, in the chat's language."""
    _ = translator(language).gettext
    if flooded.by_user:
        why = _(
            "That is more than {count} commands a minute from you; "
            "I'll answer again in a few seconds."
        )
    else:
        why = _(
            "That is more than {count} commands a minute from this chat; "
            "I'll answer again in a few seconds."
        )
    return [
        Reply(
            title=_("One moment, please"),
            kind=ReplyKind.ERROR,
            lines=(why.format(count=f"{flooded.per_minute:g}"),),
            language=language,
        )
    ]
