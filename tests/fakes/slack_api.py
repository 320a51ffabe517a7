"""A fake Slack Web API: a real aiohttp server on 127.0.0.1 that answers like Slack.

It serves `/api/<method>` the way slack.com does: answers are HTTP 200 with
`{"ok": true, …}`; errors are HTTP 200 with `{"ok": false, "error": "…"}`; rate
limits are HTTP 429 with a `Retry-After` header. It keeps workspaces, users and
channels, so errors such as `channel_not_found` or `token_revoked` arise from the
state a test sets up, and any method can be told to fail on purpose.

Besides the Web API it serves `response_url`s (`/respond/<id>`) and a Socket Mode
WebSocket (`apps.connections.open` hands out its `ws://` URL), and records everything
it receives so tests can assert what a Slack user would have seen.

Run it on its own for manual trials: `python -m tests.fakes.slack_api --port 8765`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import uuid
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.slack_state import Call, Channel, Failure, OAuthGrant, User, Workspace

__all__ = ["Call", "Channel", "FakeSlack", "User", "Workspace"]

# Methods that need no token at all.
_NO_TOKEN = {"oauth.v2.access", "api.test"}


class FakeSlack:
    """The fake Slack. `await start()`, point slack-sdk at `base_url`, `await close()`."""

    def __init__(self, *, client_id: str = "111.222", client_secret: str = "shh") -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_token = "xapp-1-A0PRICEBOT-1-test"
        self.workspaces: dict[str, Workspace] = {}
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.received: list[Call] = []
        # Everything posted to a response_url: (id, JSON body).
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.socket_acks: list[dict[str, Any]] = []
        self._grants: dict[str, OAuthGrant] = {}
        self._failures: list[Failure] = []
        self._ts = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_connected = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{rid}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What `PRICEBOT_SLACK_API_URL` (AsyncWebClient's base_url) should be."""
        return f"{self.url}/api/"

    # ------------------------------------------------------------------ state a test sets up

    def add_workspace(
        self, team_id: str, name: str | None = None, *, bot_token: str | None = None
    ) -> Workspace:
        """A workspace with pricebot's bot installed (its token works at once)."""
        workspace = Workspace(
            team_id=team_id,
            name=name or f"Team {team_id}",
            bot_token=bot_token or f"xoxb-{team_id}-{uuid.uuid4().hex[:8]}",
            bot_user_id=f"UB{team_id}",
            bot_id=f"BB{team_id}",
        )
        self.workspaces[team_id] = workspace
        self.users[workspace.bot_user_id] = User(
            workspace.bot_user_id, team_id, "pricebot", is_bot=True
        )
        return workspace

    def add_user(
        self,
        team_id: str,
        user_id: str,
        name: str | None = None,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        locale: str = "en-US",
    ) -> User:
        user = User(
            user_id,
            team_id,
            name or user_id.lower(),
            is_admin=is_admin,
            is_owner=is_owner,
            locale=locale,
        )
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        team_id: str,
        channel_id: str,
        name: str | None = None,
        *,
        creator: str,
        members: tuple[str, ...] = (),
        is_private: bool = False,
        is_archived: bool = False,
    ) -> Channel:
        channel = Channel(
            channel_id,
            team_id,
            name or channel_id.lower(),
            creator,
            is_private=is_private,
            is_archived=is_archived,
            members={creator, *members},
        )
        self.channels[channel_id] = channel
        return channel

    def add_dm(self, team_id: str, channel_id: str, *, user: str) -> Channel:
        """The DM between `user` and the bot."""
        bot = self.workspaces[team_id].bot_user_id
        channel = Channel(channel_id, team_id, channel_id, user, is_im=True, members={user, bot})
        self.channels[channel_id] = channel
        return channel

    def add_oauth_code(
        self, code: str, team_id: str, *, installer: str, scope: str = "commands,chat:write"
    ) -> Workspace:
        """Make `code` exchangeable for a new bot token of `team_id` (installed on exchange)."""
        workspace = Workspace(
            team_id=team_id,
            name=f"Team {team_id}",
            bot_token=f"xoxb-{team_id}-{uuid.uuid4().hex[:8]}",
            bot_user_id=f"UB{team_id}",
            bot_id=f"BB{team_id}",
        )
        self._grants[code] = OAuthGrant(workspace, installer, scope)
        return workspace

    def revoke(self, team_id: str) -> None:
        """The workspace uninstalled the app: its token answers token_revoked from now on."""
        self.workspaces[team_id].revoked = True

    def fail(self, method: str, error: str, *, times: int = 1, channel: str | None = None) -> None:
        """Answer the next `times` calls of `method` (optionally for one channel) with `error`."""
        self._failures.append(Failure(method, error, None, times, channel))

    def rate_limit(
        self, method: str, retry_after: int = 1, *, times: int = 1, channel: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with 429 and `Retry-After`."""
        self._failures.append(Failure(method, None, retry_after, times, channel))

    def new_response_url(self) -> str:
        """A response_url as Slack puts in slash commands and actions."""
        return f"{self.url}/respond/{uuid.uuid4().hex}"

    # ------------------------------------------------------------------ what tests read

    def calls(self, method: str) -> list[Call]:
        return [call for call in self.received if call.method == method]

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages that reached a channel for everyone (chat.postMessage that succeeded)."""
        return [
            call.args
            for call in self.calls("chat.postMessage")
            if call.args.get("_ok") and (channel is None or call.args.get("channel") == channel)
        ]

    def ephemerals(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Ephemeral messages that succeeded (only `user` saw them)."""
        return [
            call.args
            for call in self.calls("chat.postEphemeral")
            if call.args.get("_ok") and (channel is None or call.args.get("channel") == channel)
        ]

    def responses_to(self, response_url: str) -> list[dict[str, Any]]:
        rid = response_url.rsplit("/", 1)[-1]
        return [body for got, body in self.responses if got == rid]

    async def wait_for(self, predicate: Any, *, timeout: float = 5.0) -> None:
        """Wait until `predicate()` is true (work after ack() finishes in the background)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError("the fake Slack did not receive what was expected in time")
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ Socket Mode

    async def wait_for_socket(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._socket_connected.wait(), timeout)

    async def push_envelope(self, envelope_type: str, payload: dict[str, Any]) -> str:
        """Send one envelope over the open Socket Mode connection; returns its envelope_id."""
        envelope_id = uuid.uuid4().hex
        message = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self._sockets[-1].send_str(json.dumps(message))
        return envelope_id

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(
            json.dumps({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        )
        self._socket_connected.set()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(msg.data))
        self._sockets.remove(ws)
        return ws

    # ------------------------------------------------------------------ HTTP handlers

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append((request.match_info["rid"], body))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        token = _bearer(request) or args.pop("token", None)
        if method == "oauth.v2.access":
            token = None
        call = Call(method, args, token)
        self.received.append(call)

        scripted = self._scripted(method, args.get("channel"))
        if scripted is not None:
            return scripted
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return _error("unknown_method")
        if method not in _NO_TOKEN and method != "apps.connections.open":
            workspace, problem = self._auth(token)
            if problem is not None:
                return _error(problem)
        else:
            workspace = None
        answer: dict[str, Any] = handler(args, workspace, request)
        call.args["_ok"] = answer.get("ok", False)
        return web.json_response(answer)

    def _scripted(self, method: str, channel: Any) -> web.Response | None:
        for failure in self._failures:
            if failure.method != method or failure.times <= 0:
                continue
            if failure.channel is not None and failure.channel != channel:
                continue
            failure.times -= 1
            if failure.retry_after is not None:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(failure.retry_after)},
                )
            return _error(failure.error or "internal_error")
        return None

    def _auth(self, token: str | None) -> tuple[Workspace | None, str | None]:
        if not token:
            return None, "not_authed"
        for workspace in self.workspaces.values():
            if workspace.bot_token == token:
                if workspace.revoked:
                    return None, "token_revoked"
                if workspace.inactive:
                    return None, "account_inactive"
                return workspace, None
        return None, "invalid_auth"

    def _channel(self, workspace: Workspace, channel_id: Any) -> tuple[Channel | None, str | None]:
        channel = self.channels.get(str(channel_id))
        if channel is None or channel.team_id != workspace.team_id:
            return None, "channel_not_found"
        return channel, None

    # ------------------------------------------------------------------ Web API methods

    def _m_api_test(self, args: dict[str, Any], _ws: Any, _r: Any) -> dict[str, Any]:
        return {"ok": True, "args": args}

    def _m_auth_test(self, _args: dict[str, Any], ws: Workspace, _r: Any) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{ws.team_id.lower()}.slack.com/",
            "team": ws.name,
            "user": "pricebot",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _m_chat_postMessage(self, args: dict[str, Any], ws: Workspace, _r: Any) -> dict[str, Any]:
        channel, problem = self._channel(ws, args.get("channel"))
        if problem is not None or channel is None:
            return {"ok": False, "error": problem}
        if channel.is_archived:
            return {"ok": False, "error": "is_archived"}
        problem = _check_message(args)
        if problem is not None:
            return {"ok": False, "error": problem}
        ts = self._next_ts()
        args["_ts"] = ts  # so tests can tell which message a thread hangs off
        message = {
            "type": "message",
            "text": args.get("text", ""),
            "user": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "ts": ts,
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        return {"ok": True, "channel": channel.channel_id, "ts": ts, "message": message}

    def _m_chat_postEphemeral(self, args: dict[str, Any], ws: Workspace, _r: Any) -> dict[str, Any]:
        channel, problem = self._channel(ws, args.get("channel"))
        if problem is not None or channel is None:
            return {"ok": False, "error": problem}
        if channel.is_archived:
            return {"ok": False, "error": "is_archived"}
        user = args.get("user")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        if channel.members and user not in channel.members:
            return {"ok": False, "error": "user_not_in_channel"}
        problem = _check_message(args)
        if problem is not None:
            return {"ok": False, "error": problem}
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, args: dict[str, Any], ws: Workspace, _r: Any) -> dict[str, Any]:
        channel, problem = self._channel(ws, args.get("channel"))
        if problem is not None or channel is None:
            return {"ok": False, "error": problem}
        if not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        problem = _check_message(args)
        if problem is not None:
            return {"ok": False, "error": problem}
        return {"ok": True, "channel": channel.channel_id, "ts": args["ts"], "text": args["text"]}

    def _m_views_publish(self, args: dict[str, Any], ws: Workspace, _r: Any) -> dict[str, Any]:
        user = self.users.get(str(args.get("user_id")))
        if user is None or user.team_id != ws.team_id:
            return {"ok": False, "error": "user_not_found"}
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        if len(view.get("blocks", [])) > 100:
            return {"ok": False, "error": "invalid_blocks"}
        args["view"] = view
        return {"ok": True, "view": {"id": f"V{self._next_ts()}", **view}}

    def _m_users_info(self, args: dict[str, Any], ws: Workspace, _r: Any) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None or user.team_id != ws.team_id:
            return {"ok": False, "error": "user_not_found"}
        return {
            "ok": True,
            "user": {
                "id": user.user_id,
                "team_id": user.team_id,
                "name": user.name,
                "real_name": user.name.title(),
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "is_primary_owner": user.is_primary_owner,
                "is_bot": user.is_bot,
                "tz": user.tz,
                "profile": {"display_name": user.name, "real_name": user.name.title()},
                **({"locale": user.locale} if _truthy(args.get("include_locale")) else {}),
            },
        }

    def _m_conversations_info(self, args: dict[str, Any], ws: Workspace, _r: Any) -> dict[str, Any]:
        channel, problem = self._channel(ws, args.get("channel"))
        if problem is not None or channel is None:
            return {"ok": False, "error": problem}
        return {"ok": True, "channel": _channel_json(channel)}

    def _m_users_conversations(
        self, args: dict[str, Any], ws: Workspace, _r: Any
    ) -> dict[str, Any]:
        user = str(args.get("user") or ws.bot_user_id)
        found = [
            _channel_json(channel)
            for channel in self.channels.values()
            if channel.team_id == ws.team_id
            and not channel.is_im
            and user in channel.members
            and not (args.get("exclude_archived") in ("true", True) and channel.is_archived)
        ]
        return {"ok": True, "channels": found, "response_metadata": {"next_cursor": ""}}

    def _m_oauth_v2_access(
        self, args: dict[str, Any], _ws: Any, request: web.Request
    ) -> dict[str, Any]:
        client_id, client_secret = _basic_auth(request)
        client_id = client_id or args.get("client_id")
        client_secret = client_secret or args.get("client_secret")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        grant = self._grants.pop(str(args.get("code")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        workspace = grant.workspace
        self.workspaces[workspace.team_id] = workspace
        self.users.setdefault(
            workspace.bot_user_id,
            User(workspace.bot_user_id, workspace.team_id, "pricebot", is_bot=True),
        )
        return {
            "ok": True,
            "app_id": workspace.app_id,
            "authed_user": {"id": grant.installer},
            "scope": grant.scope,
            "token_type": "bot",
            "access_token": workspace.bot_token,
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(
        self, _args: dict[str, Any], _ws: Any, request: web.Request
    ) -> dict[str, Any]:
        if _bearer(request) != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket={uuid.uuid4().hex}"}

    def _next_ts(self) -> str:
        return f"1716000000.{next(self._ts):06d}"


# ---------------------------------------------------------------------- helpers


def _error(error: str) -> web.Response:
    """Slack's errors are HTTP 200 with ok=false."""
    return web.json_response({"ok": False, "error": error})


def _check_message(args: dict[str, Any]) -> str | None:
    """What Slack refuses in a message body."""
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
        args["blocks"] = blocks
    if not args.get("text") and not blocks:
        return "no_text"
    if blocks is not None and (not isinstance(blocks, list) or len(blocks) > 50):
        return "invalid_blocks"
    if len(str(args.get("text", ""))) > 40000:
        return "msg_too_long"
    return None


def _channel_json(channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.channel_id,
        "name": channel.name,
        "is_channel": not channel.is_private and not channel.is_im,
        "is_group": channel.is_private,
        "is_im": channel.is_im,
        "is_private": channel.is_private or channel.is_im,
        "is_archived": channel.is_archived,
        "creator": channel.creator,
        # A DM names its other member, as Slack's does.
        **({"user": channel.creator} if channel.is_im else {}),
        "context_team_id": channel.team_id,
        "is_member": True,
    }


async def _read_args(request: web.Request) -> dict[str, Any]:
    """Slack accepts query strings, form bodies and JSON bodies alike."""
    args: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return args
    raw = await request.text()
    if request.content_type == "application/json":
        if raw:
            args.update(json.loads(raw))
    else:
        args.update(dict(parse_qsl(raw, keep_blank_values=True)))
    return args


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :]
    return None


def _basic_auth(request: web.Request) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None, None
    client_id, _, secret = base64.b64decode(header[len("Basic ") :]).decode().partition(":")
    return client_id, secret


async def _serve(port: int) -> None:
    fake = FakeSlack()
    await fake.start(port)
    workspace = fake.add_workspace("T0DEMO", "Demo")
    print(f"fake Slack at {fake.base_url}; bot token {workspace.bot_token}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # pragma: no cover - manual use
    parser = argparse.ArgumentParser(description="Run the fake Slack Web API")
    parser.add_argument("--port", type=int, default=8765)
    asyncio.run(_serve(parser.parse_args().port))


def _truthy(value: Any) -> bool:
    """Slack's boolean arguments arrive as true, 'true' or '1'."""
    return str(value).lower() in ("true", "1")
