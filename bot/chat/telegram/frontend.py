"""The Telegram front-end: updates in (long polling or webhook), the command layer, replies out.

It translates and nothing more: who asked, where, whether they are an admin,
and what they said become a Context and a text; the command layer's Replies
become Telegram messages. Every rule lives in the command layer.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from aiohttp import web
from telegram import CallbackQuery, ChatMember, Message, Update
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.alerts.notifier import Notifier
from bot.chat.context import ChatType, Context
from bot.chat.ports import CommandLayer
from bot.chat.telegram.admins import AdminCache
from bot.chat.telegram.build import api_base_urls, build_application
from bot.chat.telegram.buttons import CallbackSigner, without_button
from bot.chat.telegram.menu import commands as menu
from bot.chat.telegram.notices import answer_changed, failed, question_gone, refused_press
from bot.chat.telegram.notifier import TelegramNotifier, retry_seconds
from bot.chat.telegram.paging import more_request, page, page_count
from bot.chat.telegram.sending import send_reply
from bot.chat.telegram.updates import Addressed, addressed, chat_type, language
from bot.messages import ChatRef, Platform, Reply, ReplyKind, StartError
from bot.settings import Settings, derived_webhook_secret
from bot.web import json_body

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# my_chat_member: the bot itself was removed from (or blocked in) a chat.
ALLOWED_UPDATES = ["message", "channel_post", "callback_query", "my_chat_member"]
# How long one getUpdates request waits for news (Telegram allows up to 50 s).
POLL_TIMEOUT = 30
# Answers to commands honour Telegram's "retry after" this often, for waits up to this long.
_ANSWER_TRIES = 3
_ANSWER_MAX_WAIT = 30.0
_SECRET_CHARS = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# The English wording of the refusal a press from another chat gets (tests compare it).
REFUSED_PRESS = refused_press(None)


# A chat the bot is no longer in: left (removed) or kicked (banned, or blocked by a user).
_GONE_STATUSES = frozenset({ChatMember.LEFT, ChatMember.BANNED})
ChatGoneHook = Callable[[str], Awaitable[None]]


class TelegramStartError(StartError):
    """The front-end cannot start; the message says what to fix."""


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram must send with every webhook request.

    PRICEBOT_TELEGRAM_WEBHOOK_SECRET, or one derived from the token, so the
    check is never off and every replica of one bot agrees on it.
    """
    if settings.telegram_webhook_secret is not None:
        secret = settings.telegram_webhook_secret.get_secret_value()
        if not _SECRET_CHARS.match(secret):
            raise ValueError(
                "PRICEBOT_TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ "
                "and -, e.g. PRICEBOT_TELEGRAM_WEBHOOK_SECRET=k3y_for-pricebot"
            )
        return secret
    assert settings.telegram_token is not None
    return derived_webhook_secret(settings.telegram_token.get_secret_value())


class TelegramFrontEnd:
    """pricebot on Telegram: private chats, groups, supergroups and channels."""

    name = "telegram"
    # The webhook's largest body: an update is a few KB (a 4096-character message with its
    # entities and the message it replies to).
    max_body = 256 * 1024

    def __init__(
        self,
        settings: Settings,
        commands: CommandLayer,
        *,
        menu: Sequence[tuple[str, str]] = (),
        read_timeout: float | None = None,
        on_chat_gone: ChatGoneHook | None = None,
    ) -> None:
        """`menu`: (command, English summary) pairs for Telegram's command menu."""
        if settings.telegram_token is None:
            raise ValueError("PRICEBOT_TELEGRAM_TOKEN is not set")
        self._commands = commands
        self._menu = list(menu)
        self._on_chat_gone = on_chat_gone
        self._api_root = api_base_urls(settings.telegram_api_url)[0].removesuffix("/bot")
        self._webhook_url = settings.telegram_webhook_url
        self._webhook_path: str | None = None
        if self._webhook_url is not None:
            self._webhook_path = settings.telegram_webhook_path or (
                urlsplit(self._webhook_url).path or "/"
            )
        self._secret = webhook_secret(settings) if self._webhook_url else None
        self.application: Application = build_application(  # type: ignore[type-arg]
            settings, polling=self._webhook_url is None, read_timeout=read_timeout
        )
        self._signer = CallbackSigner(settings.telegram_token.get_secret_value())
        self.notifier: Notifier = TelegramNotifier(self.application.bot, self._signer)
        self._admins = AdminCache(self.application.bot, ttl=settings.telegram_admin_cache_seconds)
        updates = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        self.application.add_handler(MessageHandler(updates & filters.TEXT, self.on_message))
        self.application.add_handler(CallbackQueryHandler(self.on_press))
        self.application.add_handler(
            ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        self.application.add_error_handler(self.on_error)

    # lifecycle

    def routes(self) -> list[web.RouteDef]:
        """The webhook route in webhook mode; nothing when long polling."""
        if self._webhook_path is None:
            return []
        return [web.post(self._webhook_path, self.on_webhook)]

    async def start(self) -> None:
        """Connect (getMe), publish the command menu, then receive updates."""
        app = self.application
        try:
            await app.initialize()
        except InvalidToken:
            # PTB's own message quotes the token; ours must not end up in logs.
            raise TelegramStartError(
                "Telegram rejected PRICEBOT_TELEGRAM_TOKEN: copy it again from @BotFather "
                "(it looks like 123456789:AA...)"
            ) from None
        except TelegramError as exc:
            raise TelegramStartError(
                f"cannot reach the Telegram Bot API at {self._api_root}: {exc.message}; "
                "check the network or PRICEBOT_TELEGRAM_API_URL",
                unavailable=True,
            ) from None
        await self._publish_menu()
        await app.start()
        if self._webhook_url is not None:
            try:
                await app.bot.set_webhook(
                    self._webhook_url, secret_token=self._secret, allowed_updates=ALLOWED_UPDATES
                )
            except TelegramError as exc:
                await app.stop()
                raise TelegramStartError(
                    f"Telegram refused the webhook {self._webhook_url}: {exc.message}; check "
                    "PRICEBOT_TELEGRAM_WEBHOOK_URL (a public https:// URL reaching this server)"
                ) from None
            log.info("Telegram: @%s receives updates at %s", app.bot.username, self._webhook_url)
        else:
            assert app.updater is not None
            # Not run_polling(): it would own the event loop the scheduler and others share.
            await app.updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES)
            log.info("Telegram: @%s is long polling", app.bot.username)

    async def stop(self) -> None:
        """Stop receiving, finish the updates in hand, close connections."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def _publish_menu(self) -> None:
        bot = self.application.bot
        if not self._menu:
            return
        try:
            await bot.set_my_commands(menu(self._menu, "en"))
            await bot.set_my_commands(menu(self._menu, "zh"), language_code="zh")
        except TelegramError as exc:
            # The menu is a convenience; commands typed by hand work without it.
            log.warning("Telegram: could not set the command menu: %s", exc)

    # webhook

    async def on_webhook(self, request: web.Request) -> web.Response:
        """One update from Telegram: checked against the secret, queued, answered at once."""
        given = request.headers.get(SECRET_HEADER, "")
        assert self._secret is not None
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("Telegram webhook: request without the right secret token refused")
            return web.Response(status=403, text="forbidden")
        if not self.application.running:
            return web.Response(status=503, text="not ready")  # Telegram delivers it again later
        try:
            update = Update.de_json(json_body(await request.read()), self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")

    # handlers

    async def on_message(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A command, or a question in a private chat or addressed to the bot in a group."""
        message = update.effective_message
        bot = self.application.bot
        if message is None:
            return
        request = addressed(message, bot_username=bot.username, bot_id=bot.id)
        if request is None:
            return
        ctx = await self._context_for(request)
        try:
            replies = await self._commands.handle(request.text, ctx)
        except Exception:
            log.exception("command layer failed on %r in chat %s", request.text, request.chat_id)
            replies = [failed(ctx.language)]
        paged = any(page_count(reply) > 1 for reply in replies)
        pages = [page(r, i, 0, question_id=message.message_id) for i, r in enumerate(replies)]
        # Answers in groups, and paged answers anywhere, reply to the question: "More" re-reads it.
        in_group = request.chat_type is ChatType.GROUP
        reply_to = message.message_id if in_group or paged else None
        await self._send(request.chat_id, pages, reply_to=reply_to)

    async def on_press(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: honoured only in the chat the button was made for; always answered."""
        query = update.callback_query
        if query is None:
            return
        answered = False
        try:
            message = query.message
            action = (
                self._signer.action(str(message.chat.id), query.data or "")
                if message is not None
                else None
            )
            if message is None or action is None:
                log.warning(
                    "Telegram: refused a press of %r from chat %s",
                    query.data,
                    message.chat.id if message else None,
                )
                await query.answer(refused_press(query.from_user.language_code), show_alert=True)
                answered = True
                return
            await query.answer()  # stops the button's spinner at once
            answered = True
            ctx = await self._press_context(query, message.chat.id)
            more = more_request(action)
            reply_to = None
            try:
                if more is not None and isinstance(message, Message):
                    replies, reply_to = await self._more(message, more, ctx)
                else:
                    replies = await self._commands.press(action, ctx)
            except Exception:
                log.exception("command layer failed on press %r in chat %s", action, ctx.chat)
                replies = [failed(ctx.language)]
            if isinstance(message, Message) and not any(r.kind is ReplyKind.ERROR for r in replies):
                await self._drop_button(message, query.data or "")
            await self._send(message.chat.id, replies, reply_to=reply_to)
        finally:
            if not answered:
                await query.answer()

    async def on_membership(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was removed, kicked or blocked: that chat's alerts stop at once."""
        change = update.my_chat_member
        member = getattr(change, "new_chat_member", None)
        if change is None or member is None or member.status not in _GONE_STATUSES:
            return
        chat_id = str(change.chat.id)
        log.info(
            "Telegram: pricebot is %s in chat %s; its alerts stop",
            member.status,
            chat_id,
        )
        if self._on_chat_gone is not None:
            await self._on_chat_gone(chat_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Anything a handler did not catch: logged with the update it came from."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("Telegram update %s failed", update_id, exc_info=context.error)

    # helpers

    async def _more(
        self, shown: Message, more: tuple[int, int, int], ctx: Context
    ) -> tuple[list[Reply], int | None]:
        """The next page of a long answer: the question it answers, asked again."""
        question_id, index, number = more
        question = shown.reply_to_message
        bot = self.application.bot
        request = (
            addressed(question, bot_username=bot.username, bot_id=bot.id)
            if question is not None and question.message_id == question_id
            else None
        )
        if request is None:
            return [question_gone(ctx.language)], None
        replies = await self._commands.handle(request.text, ctx)
        if index >= len(replies) or number >= page_count(replies[index]):
            return [answer_changed(ctx.language)], question_id
        return [page(replies[index], index, number, question_id=question_id)], question_id

    async def _context_for(self, request: Addressed) -> Context:
        is_admin = request.known_admin
        if is_admin is None:
            is_admin = await self._admins.is_admin(request.chat_id, request.user_id)
        return Context(
            chat=ChatRef(Platform.TELEGRAM, str(request.chat_id)),
            user_id=str(request.user_id),
            is_admin=is_admin,
            now=datetime.now(UTC),
            chat_type=request.chat_type,
            language=request.language,
            user_name=request.user_name,
        )

    async def _press_context(self, query: CallbackQuery, chat_id: int) -> Context:
        assert query.message is not None
        kind = chat_type(query.message.chat)
        user = query.from_user
        # In a channel anyone who reads it can press; only a private chat makes you its admin.
        is_admin = kind is ChatType.PRIVATE or await self._admins.is_admin(chat_id, user.id)
        return Context(
            chat=ChatRef(Platform.TELEGRAM, str(chat_id)),
            user_id=str(user.id),
            is_admin=is_admin,
            now=datetime.now(UTC),
            chat_type=kind,
            language=language(user),
            user_name=user.username or user.full_name,
        )

    async def _drop_button(self, message: Message, data: str) -> None:
        """Take the pressed button off its message, so one press is not made twice."""
        remaining = without_button(message.reply_markup, data)
        if remaining == message.reply_markup:
            return
        try:
            await message.edit_reply_markup(reply_markup=remaining)
        except BadRequest as exc:
            log.info("Telegram: could not update buttons: %s", exc)

    async def _send(
        self, chat_id: int, replies: Sequence[Reply], *, reply_to: int | None = None
    ) -> None:
        for reply in replies:
            for attempt in range(1, _ANSWER_TRIES + 1):
                try:
                    await send_reply(
                        self.application.bot,
                        str(chat_id),
                        reply,
                        signer=self._signer,
                        reply_to=reply_to,
                    )
                    break
                except RetryAfter as exc:
                    # Someone is waiting for this answer: wait as Telegram says, if not too long.
                    wait = retry_seconds(exc)
                    if attempt == _ANSWER_TRIES or wait > _ANSWER_MAX_WAIT:
                        log.warning("Telegram: answer to chat %s dropped after %s", chat_id, exc)
                        return
                    await asyncio.sleep(wait)
                except TelegramError as exc:
                    # An answer is not an owed alert: if the chat cannot take it, it is logged.
                    log.warning("Telegram: answer to chat %s not delivered: %s", chat_id, exc)
                    return
