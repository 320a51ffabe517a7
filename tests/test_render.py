"""Renderers: any Reply, four ways, with every dynamic part escaped for its platform."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from bot.chat.render import (
    render_json,
    render_slack,
    render_telegram,
    render_text,
    split_html,
    to_json,
)
from bot.chat.render.slack import escape as slack_escape
from bot.chat.render.telegram import escape as telegram_escape
from bot.chat.render.telegram import utf16_length
from bot.messages import Button, Image, Reply, ReplyKind, Row

EVIL = "Evil<b>&amp; *bold* _it_ ~x~ `code` <@U123> <!channel>"


def evil_reply(**changes: object) -> Reply:
    fields: dict[str, object] = {
        "title": f"Cheapest: {EVIL}",
        "kind": ReplyKind.ALERT,
        "lines": (f"line {EVIL}",),
        "rows": (Row(f"1. {EVIL}", "¥0.875", f"note {EVIL}"),),
        "footnotes": (f"foot {EVIL}",),
        "buttons": (Button("Mute <1h> & *more*", "mute:1h"),),
    }
    fields.update(changes)
    return Reply(**fields)  # type: ignore[arg-type]


class TagChecker(HTMLParser):
    """Collects tags and checks that every part of a message is balanced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_html(part: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(part)
    checker.close()
    assert checker.stack == [], f"unclosed {checker.stack}"
    return checker


def test_plain_text_shows_names_as_they_are() -> None:
    text = render_text(evil_reply())
    assert f"Cheapest: {EVIL}" in text
    assert f"1. {EVIL}  ¥0.875  note {EVIL}" in text
    assert f"* foot {EVIL}" in text
    assert "[Mute <1h> & *more*]" in text
    assert render_text(Reply("bad", kind=ReplyKind.ERROR)).startswith("error: bad")


def test_telegram_escapes_every_dynamic_part() -> None:
    [message] = render_telegram(evil_reply())
    checker = check_html(message.text)
    assert checker.tags == {"b", "i"}  # only the renderer's own markup
    assert "Evil&lt;b&gt;&amp;amp; *bold* _it_" in message.text
    assert "<@U123>" not in message.text
    shown = "".join(checker.text)
    assert f"Cheapest: {EVIL}" in shown and f"note {EVIL}" in shown
    assert message.reply_markup == {
        "inline_keyboard": [[{"text": "Mute <1h> & *more*", "callback_data": "mute:1h"}]]
    }
    assert message.parse_mode == "HTML"
    assert telegram_escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_long_telegram_replies_split_at_lines_with_balanced_tags() -> None:
    rows = tuple(Row(f"{i}. Model <{i}> & 🦄", f"${i}.00", "note " * 20) for i in range(300))
    reply = evil_reply(rows=rows)
    messages = render_telegram(reply)
    assert len(messages) > 1
    for message in messages:
        assert utf16_length(message.text) <= 4096
        check_html(message.text)
        assert not message.text.startswith("\n")
    assert [m.reply_markup is not None for m in messages] == [False] * (len(messages) - 1) + [True]
    # Nothing lost, nothing doubled: every row is in exactly one part, whole.
    joined = "\n".join(m.text for m in messages)
    for i in range(300):
        assert joined.count(f"{i}. Model &lt;{i}&gt; &amp; 🦄 — <b>${i}.00</b>") == 1


def test_one_line_longer_than_a_message_is_cut_inside_its_tag() -> None:
    words = "word & <more> " * 1000
    text = "<b>" + telegram_escape(words) + "</b>\n<i>end</i>"
    parts = split_html(text, 500)
    assert len(parts) > 10
    shown = []
    for part in parts:
        assert utf16_length(part) <= 500
        checker = check_html(part)  # balanced: each part closes and reopens <b>
        shown.append("".join(checker.text))
    assert all(p.startswith("<b>") for p in parts[:-1])
    # Cut at spaces and never inside an entity: the words come back whole, in order.
    assert " ".join(shown).split() == (words + "end").split()
    assert parts[-1].endswith("<i>end</i>")


def test_slack_escapes_and_neutralises_dynamic_parts() -> None:
    message = render_slack(evil_reply())
    everything = json.dumps(message.blocks, ensure_ascii=False) + message.text
    assert "<@U123>" not in everything and "<!channel>" not in everything
    assert "&lt;@U123&gt;" in everything
    assert "Evil&lt;b&gt;&amp;amp; ∗bold∗ ˍitˍ ∼x∼ ˋcodeˋ" in everything
    assert slack_escape("a*b_c~d`e<f>&") == "a∗bˍc∼dˋe&lt;f&gt;&amp;"
    title = message.blocks[0]["text"]["text"]
    assert title.startswith("*Cheapest: ") and title.endswith("*")  # the renderer's own bold
    row = message.blocks[2]["text"]["text"]
    assert re.fullmatch(r"1\. .+  \*¥0\.875\*  _note .+_", row)
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    assert actions["elements"][0]["value"] == "mute:1h"
    assert actions["elements"][0]["text"] == {"type": "plain_text", "text": "Mute <1h> & *more*"}
    assert message.response_type == "in_channel"
    assert render_slack(evil_reply(private=True)).response_type == "ephemeral"


def test_slack_keeps_within_block_kit_limits() -> None:
    rows = tuple(Row(f"Model {i}", f"${i}", "x" * 200) for i in range(1000))
    notes = tuple(f"note {i}" for i in range(15))
    buttons = tuple(Button(f"b{i}", f"a{i}") for i in range(30))
    message = render_slack(evil_reply(rows=rows, footnotes=notes, buttons=buttons))
    assert len(message.blocks) <= 50
    for block in message.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
    assert sum(len(b["elements"]) for b in message.blocks if b["type"] == "actions") == 30
    assert "cut short" in json.dumps(message.blocks)
    assert len(message.text) <= 3000


def test_json_keeps_everything_as_plain_values() -> None:
    reply = evil_reply(
        image=Image(b"\x89PNG", "caption"),
        data={"ranked": [{"cost": "0.875"}]},
        private=True,
    )
    value = json.loads(to_json(reply))
    assert value == render_json(reply)
    assert value["title"] == f"Cheapest: {EVIL}"
    assert value["rows"] == [{"label": f"1. {EVIL}", "value": "¥0.875", "note": f"note {EVIL}"}]
    assert value["buttons"] == [{"label": "Mute <1h> & *more*", "action": "mute:1h"}]
    assert value["image"] == {"caption": "caption", "png_base64": "iVBORw=="}
    assert value["private"] is True and value["kind"] == "alert"
    assert value["data"] == {"ranked": [{"cost": "0.875"}]}


@pytest.mark.parametrize("name", ["A<b>", "R&D", "*star*", "_under_", "a_b*c&d<e>"])
def test_model_names_render_safely_everywhere(name: str) -> None:
    reply = Reply(title=f"{name} prices", rows=(Row(f"1. {name}", "$1.00"),))
    assert name in render_text(reply)
    [telegram] = render_telegram(reply)
    assert "".join(check_html(telegram.text).text).count(name) == 2
    slack = render_slack(reply)
    assert slack_escape(name) in slack.text and slack_escape(name) in json.dumps(
        slack.blocks, ensure_ascii=False
    )
    for char in "*_~`<>":
        if char in name:
            assert char not in slack_escape(name)
    assert render_json(reply)["rows"][0]["label"] == f"1. {name}"
