""" "More" paging: a long answer goes out a page at a time, the rest on request.

Pure. A page carries the answer's title and at most PAGE_ROWS rows; the first
page has its lines, the last its footnotes and buttons; every page but the
last ends with a "More" button. The button's action names the question's
message id, the reply and the page, never the content: a press asks the
command layer the same question again (the pages are replies to it) and sends
the page asked for, so paging needs no memory and works across restarts and
replicas.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.i18n import translator
from bot.messages import Button, Reply, ReplyKind

PAGE_ROWS = 10
# Actions the adapter answers itself; command layer actions are commands ("/…").
MORE_PREFIX = "more:"
_MORE = re.compile(r"^more:(\d{1,12}):(\d{1,2}):(\d{1,3})$")


def page_count(reply: Reply) -> int:
    """How many pages an answer takes (1 for everything but long answers)."""
    if reply.kind is not ReplyKind.ANSWER or len(reply.rows) <= PAGE_ROWS:
        return 1
    return -(-len(reply.rows) // PAGE_ROWS)


def page(reply: Reply, index: int, number: int, *, question_id: int) -> Reply:
    """Page `number` (0-based) of `reply`, the `index`-th reply to message `question_id`."""
    pages = page_count(reply)
    if pages == 1:
        return reply
    start = number * PAGE_ROWS
    rows = reply.rows[start : start + PAGE_ROWS]
    last = number == pages - 1
    buttons = reply.buttons if last else ()
    if not last:
        shown_to = min(start + 2 * PAGE_ROWS, len(reply.rows))
        _ = translator(reply.language).gettext
        more = Button(
            _("More ({first}–{last} of {count})").format(
                first=start + PAGE_ROWS + 1, last=shown_to, count=len(reply.rows)
            ),
            f"{MORE_PREFIX}{question_id}:{index}:{number + 1}",
        )
        buttons = (more,)
    return replace(
        reply,
        title=reply.title if number == 0 else f"{reply.title} ({number + 1}/{pages})",
        lines=reply.lines if number == 0 else (),
        rows=rows,
        footnotes=reply.footnotes if last else (),
        buttons=buttons,
    )


def more_request(action: str) -> tuple[int, int, int] | None:
    """(question message id, reply index, page) of a "More" press; None for other actions."""
    match = _MORE.match(action)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3))
