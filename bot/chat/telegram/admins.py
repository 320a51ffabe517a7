"""Who is an admin of a group or channel: Telegram's getChatMember, remembered briefly."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot, ChatMember
from telegram.error import TelegramError

log = logging.getLogger(__name__)

_ADMIN_STATUSES = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR})
# Past this many remembered answers, expired ones are dropped.
_MAX_ENTRIES = 10_000


class AdminCache:
    """Answers "is this user an admin of this chat?", asking Telegram at most once per `ttl`."""

    def __init__(
        self, bot: Bot, *, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._bot = bot
        self._ttl = ttl
        self._clock = clock
        self._known: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """True for the chat's creator and administrators; False when Telegram cannot say."""
        now = self._clock()
        key = (chat_id, user_id)
        known = self._known.get(key)
        if known is not None and known[0] > now:
            return known[1]
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            # Unknown means "not an admin": refusing a change beats allowing a stranger's.
            log.warning("getChatMember(%s, %s) failed: %s", chat_id, user_id, exc)
            return False
        answer = member.status in _ADMIN_STATUSES
        if len(self._known) >= _MAX_ENTRIES:
            self._known = {k: v for k, v in self._known.items() if v[0] > now}
        self._known[key] = (now + self._ttl, answer)
        return answer
