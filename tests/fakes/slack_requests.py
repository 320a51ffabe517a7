"""Requests as Slack sends them to an app in HTTP mode, signed with the app's signing secret.

Signature v0: `X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body))`,
built here with slack-sdk's own SignatureVerifier. `stale()`, `tampered()` and
`unsigned()` give the same request replayed later, with a wrong signature or with
none, for the refusal tests.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


@dataclass(frozen=True)
class SignedRequest:
    """One HTTP request body with its headers, ready to POST to `/slack/events`."""

    body: str
    headers: dict[str, str]
    signer: Signer = field(repr=False, compare=False)

    def stale(self, seconds: int = 6 * 60) -> SignedRequest:
        """The same body, signed correctly but `seconds` ago (a replay)."""
        return self.signer.sign(self.body, self.headers["Content-Type"], at=time.time() - seconds)

    def tampered(self) -> SignedRequest:
        """The same request with a signature that does not match its body."""
        headers = dict(self.headers)
        signature = headers["X-Slack-Signature"]
        headers["X-Slack-Signature"] = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        return replace(self, headers=headers)

    def unsigned(self) -> SignedRequest:
        """The same request without Slack's signature headers."""
        dropped = ("X-Slack-Signature", "X-Slack-Request-Timestamp")
        headers = {key: value for key, value in self.headers.items() if key not in dropped}
        return replace(self, headers=headers)


class Signer:
    """Builds signed slash commands, events and actions for one app and one workspace."""

    def __init__(self, signing_secret: str, *, team_id: str, api_app_id: str = "A0PRICEBOT"):
        self.verifier = SignatureVerifier(signing_secret)
        self.team_id = team_id
        self.api_app_id = api_app_id

    def sign(
        self,
        body: str,
        content_type: str,
        *,
        at: float | None = None,
        extra: dict[str, str] | None = None,
    ) -> SignedRequest:
        timestamp = str(int(time.time() if at is None else at))
        signature = self.verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            **(extra or {}),
        }
        return SignedRequest(body, headers, self)

    def slash_command(
        self,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        response_url: str,
        command: str = "/pricebot",
        channel_name: str = "general",
        team_id: str | None = None,
    ) -> SignedRequest:
        """A slash command as Slack POSTs it (form-encoded)."""
        form = {
            "token": "deprecated-verification-token",
            "team_id": team_id or self.team_id,
            "team_domain": "example",
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{uuid.uuid4().int % 10**10}.{uuid.uuid4().hex[:8]}",
        }
        return self.sign(urlencode(form), "application/x-www-form-urlencoded")

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        team_id: str | None = None,
        at: float | None = None,
    ) -> SignedRequest:
        """An Events API callback (JSON); `retry_num` adds Slack's retry headers."""
        team = team_id or self.team_id
        envelope = {
            "token": "deprecated-verification-token",
            "team_id": team,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": team,
                    "user_id": f"UB{team}",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        extra = None
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.sign(json.dumps(envelope), "application/json", at=at, extra=extra)

    def block_action(
        self,
        value: str,
        *,
        user_id: str,
        channel_id: str | None,
        response_url: str | None,
        action_id: str = "pricebot",
        message_ts: str = "1716000000.000001",
        view: dict[str, Any] | None = None,
        team_id: str | None = None,
    ) -> SignedRequest:
        """A button press (block_actions), in a message or in the App Home (`view`)."""
        team = team_id or self.team_id
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team},
            "api_app_id": self.api_app_id,
            "token": "deprecated-verification-token",
            "team": {"id": team, "domain": "example"},
            "trigger_id": f"{uuid.uuid4().int % 10**10}.{uuid.uuid4().hex[:8]}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "actions",
                    "value": value,
                    "text": {"type": "plain_text", "text": "button"},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel_id, "name": "general"}
            payload["message"] = {"type": "message", "ts": message_ts, "text": "alert"}
        if response_url is not None:
            payload["response_url"] = response_url
        return self.sign(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
