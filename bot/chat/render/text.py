"""Plain text: how a Reply reads on the console and in the CLI.

    render_text(reply) -> str

Title, body lines, rows as aligned columns (label, value, note), footnotes marked with
'*', buttons as '[label]'. Nothing is escaped: plain text has no markup. Its own few
words ("error:", "[chart]") are in the reply's language.
"""

from __future__ import annotations

import unicodedata

from bot.i18n import translator
from bot.messages import Reply, ReplyKind


def width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def render_text(reply: Reply) -> str:
    """The whole reply as plain text, lines joined with newlines."""
    _ = translator(reply.language).gettext
    error = reply.kind is ReplyKind.ERROR
    out = [_("error: {title}").format(title=reply.title) if error else reply.title]
    out.extend(reply.lines)
    if reply.rows:
        label_w = max(width(r.label) for r in reply.rows)
        value_w = max(width(r.value) for r in reply.rows)
        for row in reply.rows:
            line = f"  {_pad(row.label, label_w)}  {_pad(row.value, value_w)}"
            if row.note:
                line += f"  {row.note}"
            out.append(line.rstrip())
    if reply.image is not None:
        out.append(_("[chart] {caption}").format(caption=reply.image.caption))
    out.extend(f"* {note}" for note in reply.footnotes)
    if reply.buttons:
        out.append(" ".join(f"[{b.label}]" for b in reply.buttons))
    return "\n".join(out)
