"""JSON: a Reply as plain values, for programs (`--json`, APIs, tests).

    render_json(reply) -> dict        # JSON-ready: strings, numbers, lists, dicts
    to_json(reply) -> str             # the same, serialised (UTF-8 kept, not escaped)

Fields: kind, title, lines, rows [{label, value, note}], footnotes, buttons [{label,
action}], private, image ({caption, png_base64} or null) and data (the answer's own
machine-readable content: amounts as decimal strings, never floats).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from bot.messages import Reply
from storage.money import json_text


def render_json(reply: Reply) -> dict[str, Any]:
    """The reply as JSON-ready plain values."""
    return {
        "kind": reply.kind.value,
        "title": reply.title,
        "lines": list(reply.lines),
        "rows": [{"label": r.label, "value": r.value, "note": r.note} for r in reply.rows],
        "footnotes": list(reply.footnotes),
        "buttons": [{"label": b.label, "action": b.action} for b in reply.buttons],
        "private": reply.private,
        "image": None
        if reply.image is None
        else {
            "caption": reply.image.caption,
            "png_base64": base64.b64encode(reply.image.png).decode("ascii"),
        },
        "data": reply.data,
    }


def to_json(reply: Reply, *, indent: int | None = 2) -> str:
    """The reply serialised; anything not JSON-native (Decimal, datetime) becomes a string,
    amounts exact and short ("0.28"; a converted amount to 6 significant digits)."""
    return json.dumps(render_json(reply), ensure_ascii=False, indent=indent, default=json_text)
