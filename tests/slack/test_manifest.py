"""The Slack app manifest asks for the scopes pricebot requests and the events it handles."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

MANIFEST = Path(__file__).parents[2] / "deploy" / "slack-app-manifest.yaml"


def _list_under(text: str, key: str) -> list[str]:
    """The `- item` lines right under `key:` in the manifest."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{key}:")
    items = []
    for line in lines[start + 1 :]:
        if not line.strip().startswith("- "):
            break
        items.append(line.strip()[2:])
    return items


def test_bot_scopes_match_the_default_setting() -> None:
    scopes = _list_under(MANIFEST.read_text(), "bot")
    assert scopes == Settings(_env_file=None).slack_scopes.split(",")  # type: ignore[call-arg]


def test_events_are_the_ones_pricebot_listens_to() -> None:
    events = set(_list_under(MANIFEST.read_text(), "bot_events"))
    assert events == {
        "app_mention",
        "message.im",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    }


def test_every_url_is_on_the_paths_pricebot_serves() -> None:
    urls = [
        line.strip().removeprefix("- ").split(": ", 1)[-1]
        for line in MANIFEST.read_text().splitlines()
        if "https://pricebot" in line and not line.lstrip().startswith("#")
    ]
    paths = {url.split("pricebot.example.com", 1)[1] for url in urls}
    assert paths == {"/slack/events", "/slack/oauth_redirect"}
