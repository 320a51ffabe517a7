"""The input:output mix a question asks about: '1M in 200k out', '800k input and 200k
output', 'input only', '3:1', '输入', '100万'.

`take_mix(work)` finds it in a `Work` text (bot.answers.phrases), blanks it out and
returns `MixWords`, or a `Problem` in the reply's language. Used by
`bot.answers.parse`; pure, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answers.phrases import Problem, Work, amount, counts_as_tokens, tokens_of
from bot.answers.query import ratio_of
from bot.i18n import translator

_IN = r"(?:input|in|prompt)(?:\s+tokens?)?"
_OUT = r"(?:output|out|completion)(?:\s+tokens?)?"
_AND = r"\s*(?:,|and|\+|&|/|with|plus|和|与|及|加|、)?\s*"
_BOTH = [
    re.compile(amount("i") + r"\s*(?:of\s+)?" + _IN + _AND + amount("o") + r"\s*(?:of\s+)?" + _OUT),
    re.compile(
        r"(?<![a-z])(?:input|in)\s*:?\s*"
        + amount("i")
        + _AND
        + r"(?:output|out)\s*:?\s*"
        + amount("o")
    ),
    re.compile(r"输入\s*" + amount("i") + _AND + r"输出\s*" + amount("o")),
    re.compile(amount("i") + r"\s*(?:的)?\s*输入" + _AND + amount("o") + r"\s*(?:的)?\s*输出"),
    re.compile(amount("o") + r"\s*(?:of\s+)?" + _OUT + _AND + amount("i") + r"\s*(?:of\s+)?" + _IN),
]
_ONE_SIDE = {
    "input": [
        re.compile(amount("a") + r"\s*(?:of\s+)?(?:input|prompt)(?:\s+tokens?)?(?![a-z])"),
        re.compile(amount("a") + r"\s*(?:的)?\s*输入"),
        re.compile(r"输入\s*" + amount("a")),
    ],
    "output": [
        re.compile(amount("a") + r"\s*(?:of\s+)?(?:output|completion)(?:\s+tokens?)?(?![a-z])"),
        re.compile(amount("a") + r"\s*(?:的)?\s*输出"),
        re.compile(r"输出\s*" + amount("a")),
    ],
}
_ONLY = {
    "input": re.compile(
        r"(?<![a-z])(?:(?:input|prompt)[\s-]*only|only\s+(?:the\s+)?input|just\s+(?:the\s+)?input"
        r"|input\s+tokens?\s+only)(?![a-z])|(?:仅|只算?|只有|纯)?\s*输入(?:部分)?"
    ),
    "output": re.compile(
        r"(?<![a-z])(?:(?:output|completion)[\s-]*only|only\s+(?:the\s+)?output|just\s+(?:the\s+)?output"
        r"|output\s+tokens?\s+only)(?![a-z])|(?:仅|只算?|只有|纯)?\s*输出(?:部分)?"
    ),
}
_RATIO = re.compile(
    r"(?:(?:ratio|mix|in\s*:\s*out|input\s*:\s*output|输入\s*:\s*输出|比例)\s*(?:of\s+)?)?"
    r"(?<![\d.:])(?P<a>\d{1,4}(?:\.\d{1,3})?)\s*:\s*(?P<b>\d{1,4}(?:\.\d{1,3})?)(?![\d:])"
    r"(?:\s*(?:ratio|mix|in\s*:\s*out|input\s*:\s*output))?"
)
_TOTAL = re.compile(r"(?:(?:for|of|with|per)\s+)?" + amount("t"))


@dataclass(frozen=True, slots=True)
class MixWords:
    """What a question said about its mix; the parser combines it with the defaults."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    only: str | None = None  # 'input' or 'output'
    ratio: tuple[int, int] | None = None
    total: int | None = None

    @property
    def said_anything(self) -> bool:
        return any(
            v is not None
            for v in (self.input_tokens, self.output_tokens, self.only, self.ratio, self.total)
        )


def take_mix(work: Work) -> MixWords | Problem:
    """'1M in 200k out', '800k input and 200k output', 'input only', '3:1', '输入', '100万'."""
    for pattern in _BOTH:
        match = work.take(pattern)
        if match is not None:
            inp, out = tokens_of(match["i"], work.language), tokens_of(match["o"], work.language)
            for found in (inp, out):
                if isinstance(found, Problem):
                    return found
            if isinstance(inp, int) and isinstance(out, int):
                return MixWords(input_tokens=inp, output_tokens=out)
    for side, patterns in _ONE_SIDE.items():
        for pattern in patterns:
            match = work.take(pattern)
            if match is not None:
                tokens = tokens_of(match["a"], work.language)
                if isinstance(tokens, Problem):
                    return tokens
                if tokens is not None:
                    return MixWords(total=tokens, only=side)
    only: str | None = None
    for side, pattern in _ONLY.items():
        if work.take(pattern) is not None:
            only = only or side
    ratio: tuple[int, int] | None = None
    match = work.take(_RATIO)
    if match is not None:
        ratio = ratio_of(match["a"], match["b"])
        if ratio is None:
            _ = translator(work.language).gettext
            return Problem(
                _("'{phrase}' is no input:output ratio; try 3:1").format(
                    phrase=match.group(0).strip()
                )
            )
    total: int | None = None
    for match in _TOTAL.finditer(work.text):
        if not counts_as_tokens(match["t"]):
            continue
        found = tokens_of(match["t"], work.language)
        if isinstance(found, Problem):
            return found
        if found is not None:
            work.blank(match.start(), match.end())
            total = found
            break
    return MixWords(only=only, ratio=ratio, total=total)
