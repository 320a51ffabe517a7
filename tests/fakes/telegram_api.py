"""A fake Telegram Bot API server: a real aiohttp server on 127.0.0.1 that answers like Telegram.

python-telegram-bot reaches it through `base_url` (PRICEBOT_TELEGRAM_API_URL),
so the real library runs its real requests, JSON parsing and error mapping.
Requests are form-encoded or multipart POSTs to /bot<TOKEN>/<method>;
answers are `{"ok": true, "result": …}` or `{"ok": false, "error_code": …,
"description": …, "parameters": {…}}` with the matching HTTP status.

The fake records every call, queues updates for getUpdates (a real long poll),
pushes updates to a webhook with the secret-token header, and can be told to
fail per method and per chat: 429 with retry_after, 500, a hang (the client
times out), 403 blocked or kicked, 400 chat not found, and a migrated group.

Deviations from Telegram, on purpose: setWebhook accepts plain-HTTP loopback
URLs (the tests run no TLS), and any chat id is reachable unless a failure says
otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.telegram_html import EntityParseError, parse_html, utf16_len
from tests.fakes.telegram_updates import (
    GROUP_ANONYMOUS_BOT_ID,
    chat,
    chat_type_for,
    entities,
    user,
)

TOKEN = "123456789:AAFakeTokenForPricebotTests_abcdefgh"
BOT_ID = 123456789
BOT_USERNAME = "pricebot_test_bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Parameters python-telegram-bot sends as JSON-encoded strings inside the form.
_JSON_PARAMS = frozenset(
    {"reply_markup", "commands", "scope", "allowed_updates", "reply_parameters", "entities"}
)
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What getChatMember lists for an administrator (all granted but can_be_edited).
_ADMIN_RIGHTS = (
    "can_be_edited",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
# Telegram holds a long poll for at most 50 seconds.
_MAX_POLL_SECONDS = 50.0


# --- failures ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """How the fake answers instead of doing the work: a status, Telegram's words, parameters."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None
    # Hold the request this long before answering, so the client times out first.
    hang: float | None = None


def retry_after(seconds: int) -> Failure:
    """429 flood control: the client must wait `seconds`."""
    return Failure(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def server_error() -> Failure:
    """500 from Telegram's side."""
    return Failure(500, "Internal Server Error")


def bad_gateway() -> Failure:
    """502, as Telegram answers while restarting."""
    return Failure(502, "Bad Gateway")


def hang(seconds: float = 30.0) -> Failure:
    """No answer in time: the client's read timeout fires first."""
    return Failure(504, "Gateway Timeout", hang=seconds)


def blocked() -> Failure:
    """403: the user blocked the bot."""
    return Failure(403, "Forbidden: bot was blocked by the user")


def kicked() -> Failure:
    """403: the bot was removed from the group."""
    return Failure(403, "Forbidden: bot was kicked from the group chat")


def chat_not_found() -> Failure:
    """400: no such chat (deleted, or never reachable)."""
    return Failure(400, "Bad Request: chat not found")


def migrated(new_chat_id: int) -> Failure:
    """400: the group became a supergroup with a new id."""
    return Failure(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )


@dataclass(slots=True)
class _Rule:
    failure: Failure
    method: str | None
    chat_id: str | None
    remaining: int | None

    def matches(self, method: str, chat_id: str | None) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or self.chat_id == chat_id


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# --- what the fake saw --------------------------------------------------------------------------


@dataclass(slots=True)
class Call:
    """One request the fake received, and the HTTP status it answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> str | None:
        value = self.params.get("chat_id")
        return None if value is None else str(value)


@dataclass(slots=True)
class CallbackAnswer:
    """What the bot said when it answered a button press."""

    query_id: str
    text: str | None
    show_alert: bool


# --- the server ---------------------------------------------------------------------------------


class FakeTelegramAPI:
    """A loopback Bot API. `base_url` is what the bot's `base_url` setting should be."""

    def __init__(self, *, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_user: dict[str, Any] = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "pricebot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.callback_answers: list[CallbackAnswer] = []
        # (scope type, language code) → the commands set for it.
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._rules: list[_Rule] = []
        self._chats: dict[int, dict[str, Any]] = {}
        self._members: dict[tuple[int, int], str] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._query_ids = itertools.count(1000)
        self._open_queries: set[str] = set()
        self._updates_arrived = asyncio.Condition()
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # lifecycle

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Release held requests and close the server."""
        self._stopping.set()
        async with self._updates_arrived:
            self._updates_arrived.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """The Bot API base URL python-telegram-bot appends the token to."""
        return f"{self.url}/bot"

    # telling the fake how to behave

    def fail(
        self,
        failure: Failure,
        *,
        method: str | None = None,
        chat_id: int | str | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer matching requests with `failure`, `times` times (None: until cleared)."""
        target = None if chat_id is None else str(chat_id)
        self._rules.append(_Rule(failure, method, target, times))

    def clear_failures(self) -> None:
        self._rules.clear()

    def add_chat(self, chat_id: int, chat_type: str, *, title: str | None = None) -> dict[str, Any]:
        """Declare a chat's type and title (otherwise inferred from its id)."""
        self._chats[chat_id] = chat(chat_id, chat_type, title=title)
        return self._chats[chat_id]

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """A user's status in a chat: creator, administrator, member, left, kicked."""
        self._members[(chat_id, user_id)] = status

    # updates

    def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        """Make `update` available to getUpdates."""
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._wake_pollers())
        return update

    async def _wake_pollers(self) -> None:
        async with self._updates_arrived:
            self._updates_arrived.notify_all()

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    async def push(
        self, update: dict[str, Any], *, secret: str | bool | None = True
    ) -> tuple[int, str]:
        """POST `update` to the webhook as Telegram does; `secret=True` sends the registered one."""
        if self.webhook is None:
            raise AssertionError("no webhook is set")
        headers = {}
        token = self.webhook.get("secret_token") if secret is True else secret
        if isinstance(token, str):
            headers[SECRET_HEADER] = token
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook["url"], json=update, headers=headers) as response,
        ):
            return response.status, await response.text()

    def message(
        self,
        chat_id: int,
        user_id: int | None,
        text: str,
        *,
        chat_type: str | None = None,
        reply_to: dict[str, Any] | None = None,
        language: str | None = "en",
        anonymous_admin: bool = False,
    ) -> dict[str, Any]:
        """An update carrying a text message (a channel post in channels)."""
        the_chat = self._chat(chat_id, chat_type)
        body: dict[str, Any] = {
            "message_id": next(self._ids_for(chat_id)),
            "date": int(time.time()),
            "chat": the_chat,
            "text": text,
        }
        found = entities(text)
        if found:
            body["entities"] = found
        if the_chat["type"] == "channel":
            body["sender_chat"] = the_chat
        elif anonymous_admin:
            body["from"] = {
                "id": GROUP_ANONYMOUS_BOT_ID,
                "is_bot": True,
                "first_name": "Group",
                "username": "GroupAnonymousBot",
            }
            body["sender_chat"] = the_chat
        else:
            assert user_id is not None, "a message outside channels needs a user"
            body["from"] = user(user_id, language=language)
        if reply_to is not None:
            body["reply_to_message"] = reply_to
        self.messages[(chat_id, body["message_id"])] = body
        kind = "channel_post" if the_chat["type"] == "channel" else "message"
        return {"update_id": next(self._update_ids), kind: body}

    def press(
        self,
        shown: dict[str, Any],
        label: str,
        *,
        user_id: int,
        in_chat: int | None = None,
        language: str | None = "en",
    ) -> dict[str, Any]:
        """A press on the button labelled `label` under message `shown`.

        With `in_chat`, the message was forwarded there first: the press comes
        from that chat but carries the original button's data.
        """
        data = None
        for row in shown.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if button.get("text") == label:
                    data = button.get("callback_data")
        if data is None:
            raise AssertionError(f"no button {label!r} under message {shown.get('message_id')}")
        message = _public(shown)
        if in_chat is not None:
            message["chat"] = self._chat(in_chat, None)
            message["message_id"] = next(self._ids_for(in_chat))
            message["forward_origin"] = {
                "type": "chat",
                "date": shown["date"],
                "sender_chat": shown["chat"],
            }
            self.messages[(in_chat, message["message_id"])] = message
        query_id = str(next(self._query_ids))
        self._open_queries.add(query_id)
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": query_id,
                "from": user(user_id, language=language),
                "message": message,
                "chat_instance": f"ci{message['chat']['id']}",
                "data": data,
            },
        }

    # what the bot did

    def calls_to(self, method: str, *, chat_id: int | str | None = None) -> list[Call]:
        """Every call of `method` (to `chat_id`), failed ones included."""
        return [
            call
            for call in self.calls
            if call.method.lower() == method.lower()
            and (chat_id is None or call.chat_id == str(chat_id))
        ]

    def delivered(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The messages that reached a chat, in order (as Telegram stored them)."""
        wanted = int(chat_id)
        return [
            _public(m)
            for (cid, _), m in self.messages.items()
            if cid == wanted and m.get("_by_bot")
        ]

    def texts(self, chat_id: int | str) -> list[str]:
        """The visible text (or caption) of every message the bot delivered to a chat."""
        return [m.get("text", m.get("caption", "")) for m in self.delivered(chat_id)]

    # dispatch

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        token, _, method = path.removeprefix("bot").partition("/")
        if not path.startswith("bot") or token != self.token:
            return _error(401, "Unauthorized")
        params, files = await _read_form(request)
        call = Call(method, params, files)
        self.calls.append(call)
        response = await self._answer(method, call)
        call.status = response.status
        return response

    async def _answer(self, method: str, call: Call) -> web.Response:
        for rule in self._rules:
            if rule.matches(method, call.chat_id):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                if rule.failure.hang:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), rule.failure.hang)
                return _error(
                    rule.failure.status, rule.failure.description, rule.failure.parameters
                )
        handler = self._handlers().get(method.lower())
        if handler is None:
            return _error(404, "Not Found: method not found")
        try:
            result = await handler(call)
        except _ApiError as exc:
            return _error(exc.status, exc.description)
        return web.json_response({"ok": True, "result": result})

    def _handlers(self) -> dict[str, Callable[[Call], Awaitable[Any]]]:
        return {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "answercallbackquery": self._answer_callback_query,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "getchatmember": self._get_chat_member,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
        }

    # methods

    async def _get_me(self, call: Call) -> Any:
        return self.bot_user

    async def _get_updates(self, call: Call) -> Any:
        if self.webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(call.params.get("offset", 0))
        limit = int(call.params.get("limit", 100))
        timeout = min(float(call.params.get("timeout", 0)), _MAX_POLL_SECONDS)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._updates_arrived:
            while not self._updates and not self._stopping.is_set():
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._updates_arrived.wait(), remaining)
                except TimeoutError:
                    break
        return self._updates[:limit]

    async def _send_message(self, call: Call) -> Any:
        chat_id = _int_param(call, "chat_id")
        text = str(call.params.get("text", ""))
        visible = self._visible(call, text, limit=4096, too_long="message is too long")
        if not visible.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        return self._store(chat_id, call, {"text": visible})

    async def _send_photo(self, call: Call) -> Any:
        chat_id = _int_param(call, "chat_id")
        photo = call.params.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = call.files.get(photo.removeprefix("attach://"))
        else:
            photo = call.files.get("photo")
        if not photo:
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        size = _image_size(photo)
        if size is None:
            raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption = str(call.params.get("caption", ""))
        fields: dict[str, Any] = {
            "photo": [
                {
                    "file_id": f"photo{len(self.calls)}",
                    "file_unique_id": f"u{len(self.calls)}",
                    "width": size[0],
                    "height": size[1],
                    "file_size": len(photo),
                }
            ]
        }
        if caption:
            fields["caption"] = self._visible(
                call, caption, limit=1024, too_long="message caption is too long"
            )
        return self._store(chat_id, call, fields)

    async def _answer_callback_query(self, call: Call) -> Any:
        query_id = str(call.params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise _ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_queries.discard(query_id)
        text = call.params.get("text")
        show_alert = str(call.params.get("show_alert", "false")).lower() == "true"
        self.callback_answers.append(CallbackAnswer(query_id, text, show_alert))
        return True

    async def _edit_message_text(self, call: Call) -> Any:
        stored = self._stored(call)
        text = str(call.params.get("text", ""))
        visible = self._visible(call, text, limit=4096, too_long="message is too long")
        markup = call.params.get("reply_markup")
        if visible == stored.get("text") and markup == stored.get("reply_markup"):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        stored["text"] = visible
        stored["edit_date"] = int(time.time())
        self._set_markup(stored, markup)
        return _public(stored)

    async def _edit_message_reply_markup(self, call: Call) -> Any:
        stored = self._stored(call)
        self._set_markup(stored, call.params.get("reply_markup"))
        return _public(stored)

    async def _set_my_commands(self, call: Call) -> Any:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _ApiError(400, "Bad Request: commands must be a list of at most 100")
        for command in commands:
            name = command.get("command", "")
            description = command.get("description", "")
            if not _COMMAND_NAME.match(name) or not 1 <= len(description) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        scope = call.params.get("scope") or {"type": "default"}
        language = str(call.params.get("language_code", ""))
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _ApiError(400, "Bad Request: invalid language code specified")
        self.commands[(scope["type"], language)] = commands
        return True

    async def _get_my_commands(self, call: Call) -> Any:
        scope = call.params.get("scope") or {"type": "default"}
        return self.commands.get((scope["type"], str(call.params.get("language_code", ""))), [])

    async def _get_chat_member(self, call: Call) -> Any:
        chat_id = _int_param(call, "chat_id")
        user_id = _int_param(call, "user_id")
        status = self._members.get((chat_id, user_id), "member")
        who = user(user_id)
        if status == "creator":
            return {"status": "creator", "user": who, "is_anonymous": False}
        if status == "administrator":
            member = {right: right != "can_be_edited" for right in _ADMIN_RIGHTS}
            return {"status": "administrator", "user": who, "is_anonymous": False, **member}
        if status == "kicked":
            return {"status": "kicked", "user": who, "until_date": 0}
        return {"status": status, "user": who}

    async def _set_webhook(self, call: Call) -> Any:
        url = str(call.params.get("url", ""))
        if not url:
            raise _ApiError(400, "Bad Request: bad webhook: Webhook URL is empty")
        secret = call.params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret}
        if str(call.params.get("drop_pending_updates", "")).lower() == "true":
            self._updates.clear()
        return True

    async def _delete_webhook(self, call: Call) -> Any:
        self.webhook = None
        if str(call.params.get("drop_pending_updates", "")).lower() == "true":
            self._updates.clear()
        return True

    async def _get_webhook_info(self, call: Call) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    # helpers

    def _chat(self, chat_id: int, chat_type: str | None) -> dict[str, Any]:
        if chat_type is not None and chat_id not in self._chats:
            self.add_chat(chat_id, chat_type)
        return self._chats.get(chat_id) or chat(chat_id, chat_type_for(chat_id))

    def _ids_for(self, chat_id: int) -> itertools.count[int]:
        return self._message_ids.setdefault(chat_id, itertools.count(1))

    def _visible(self, call: Call, text: str, *, limit: int, too_long: str) -> str:
        """What Telegram would show: parsed HTML when asked, within its length limit."""
        visible = text
        if str(call.params.get("parse_mode", "")).upper() == "HTML":
            try:
                visible = parse_html(text)
            except EntityParseError as exc:
                raise _ApiError(400, str(exc)) from exc
        if utf16_len(visible) > limit:
            raise _ApiError(400, f"Bad Request: {too_long}")
        return visible

    def _store(self, chat_id: int, call: Call, fields: dict[str, Any]) -> dict[str, Any]:
        the_chat = self._chat(chat_id, None)
        message: dict[str, Any] = {
            "message_id": next(self._ids_for(chat_id)),
            "date": int(time.time()),
            "chat": the_chat,
            **fields,
        }
        if the_chat["type"] == "channel":
            message["sender_chat"] = the_chat
        else:
            message["from"] = self.bot_user
        self._set_markup(message, call.params.get("reply_markup"))
        self._set_reply_to(chat_id, message, call.params.get("reply_parameters"))
        message["_by_bot"] = True
        self.messages[(chat_id, message["message_id"])] = message
        return _public(message)

    def _set_reply_to(
        self, chat_id: int, message: dict[str, Any], parameters: dict[str, Any] | None
    ) -> None:
        """A reply carries the message it answers (one level deep, as Telegram sends it)."""
        if not parameters:
            return
        original = self.messages.get((chat_id, int(parameters["message_id"])))
        if original is None:
            if not parameters.get("allow_sending_without_reply"):
                raise _ApiError(400, "Bad Request: message to be replied not found")
            return
        message["reply_to_message"] = {
            k: v for k, v in _public(original).items() if k != "reply_to_message"
        }

    def _stored(self, call: Call) -> dict[str, Any]:
        key = (_int_param(call, "chat_id"), _int_param(call, "message_id"))
        stored = self.messages.get(key)
        if stored is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return stored

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: Any) -> None:
        if not markup:
            message.pop("reply_markup", None)
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        message["reply_markup"] = markup


def _public(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message without the fake's own bookkeeping keys."""
    return {k: v for k, v in message.items() if not k.startswith("_")}


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _read_form(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Form fields (JSON-encoded ones decoded) and uploaded files."""
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        params = dict(await request.json())
    elif request.body_exists:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = value.file.read()
            elif name in _JSON_PARAMS:
                params[name] = json.loads(value)
            else:
                params[name] = value
    for name, value in request.query.items():
        params.setdefault(name, value)
    return params, files


def _int_param(call: Call, name: str) -> int:
    value = call.params.get(name)
    try:
        return int(str(value))
    except ValueError:
        raise _ApiError(400, f"Bad Request: invalid {name} specified") from None


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (or JPEG, roughly); None when it is no image."""
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"\xff\xd8\xff"):
        return (0, 0)
    return None


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegramAPI]:
    """A running fake Bot API on loopback; stopped after the test."""
    fake = FakeTelegramAPI()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
