"""Reading /subscribe and /unsubscribe: pure parsers that never raise.

    /subscribe deepseek                      cuts of 10% or more and "now free", at once
    /subscribe qwen-long 20% increases       cuts of 20% or more, and price increases
    /subscribe all new ending daily          also new models and free offers ending; daily digest
    /subscribe under ¥1 with 128k context    a target price (blended by the chat's mix)
    /subscribe cheapest for 1M tokens with 128k context    a saved question

Names (vendors, models) are looked up by the handler; here they are only words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.chat.commands.parsing import Invalid, parse_money, parse_size
from bot.chat.commands.parsing import later as _
from storage import Basis, Mode
from storage.money import MAX_AMOUNT

SUBSCRIBE_EXAMPLE = "/subscribe deepseek"
_TARGET_WORDS = {"under", "below", "<", "<=", "≤", "target", "at-most", "max", "低于"}
_CONTEXT_WORDS = {"context", "ctx", "上下文"}
_FILLER = {
    "with",
    "per",
    "1m",
    "tokens",
    "token",
    "for",
    "on",
    "of",
    "and",
    "cuts",
    "cut",
    "price",
    "prices",
}
_FLAGS = {
    "increases": "on_increase",
    "increase": "on_increase",
    "rises": "on_increase",
    "new": "on_new_model",
    "new-models": "on_new_model",
    "ending": "on_free_ending",
    "free-ending": "on_free_ending",
    "expiring": "on_free_ending",
}
_QUESTION_START = (
    "cheapest",
    "cheaper",
    "最便宜",
    "哪个最便宜",
    "question",
    "answer",
    "what is cheapest",
)
_NUMBER = re.compile(r"[0-9]+")
_PERCENT = re.compile(r"^(?:≥|>=)?(\d+(?:\.\d+)?)%$")


@dataclass(frozen=True, slots=True)
class SubscribeRequest:
    """What /subscribe asked for, before names are looked up in the store."""

    menu: bool = False
    scope_words: str = ""
    min_cut: Decimal | None = None
    on_free: bool = True
    on_increase: bool = False
    on_new_model: bool = False
    on_free_ending: bool = False
    mode: Mode | None = None
    target: tuple[Decimal, str | None] | None = None
    basis: Basis | None = None
    min_context: int | None = None
    question: str | None = None


def parse_subscribe(args: str) -> SubscribeRequest | Invalid:
    """Read /subscribe's arguments (pure, never raises)."""
    text = " ".join(args.split())
    if not text:
        return SubscribeRequest(menu=True)
    lowered = text.lower()
    if lowered.startswith(("question:", "question ")):
        question = text.split(None, 1)[1] if " " in text else ""
        question = question.removeprefix(":").strip() if question else ""
        if not question:
            return Invalid(
                _("a saved question needs the question"), "/subscribe cheapest for 1M tokens"
            )
        return SubscribeRequest(question=question)
    if lowered.startswith(_QUESTION_START) or "?" in text or "？" in text:
        return SubscribeRequest(question=text)
    tokens = text.split()
    scope: list[str] = []
    fields: dict[str, object] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token.lower()
        if word in _TARGET_WORDS:
            money = _money_at(tokens, i + 1)
            if money is None:
                return Invalid(
                    _("after “{word}” I need a price per 1M tokens, like ¥1 or $0.50"),
                    "/subscribe under ¥1 with 128k context",
                    {"word": token},
                )
            (amount, currency), used = money
            if amount <= 0:
                return Invalid(_("a target price must be above zero"), "/subscribe under ¥1")
            if amount > MAX_AMOUNT:
                # Saved, it would break this chat's /subscriptions (and mean nothing).
                return Invalid(
                    _("a target price must be at most {most} per 1M tokens"),
                    "/subscribe under ¥1",
                    {"most": f"{MAX_AMOUNT:,}"},
                )
            fields["target"] = (amount, currency)
            i += 1 + used
            continue
        percent = _PERCENT.match(word)
        if percent:
            value = Decimal(percent.group(1))
            if value > 100:
                return Invalid(
                    _("a cut cannot be more than {most} ({word})"),
                    "/subscribe deepseek 20%",
                    {"most": "100%", "word": token},
                )
            fields["min_cut"] = value
        elif word in ("blended", "input", "output"):
            fields["basis"] = Basis(word)
        elif word in _CONTEXT_WORDS:
            # 'context 128k': the size follows; in '128k context' it came before.
            size = parse_size(tokens[i + 1]) if i + 1 < len(tokens) else None
            if size is not None:
                fields["min_context"] = size
                i += 1
            elif "min_context" not in fields:
                return Invalid(
                    _("give the context size as a number of tokens, like 128k"),
                    "/subscribe under ¥1 with 128k context",
                )
        elif (size := parse_size(word)) is not None and _is_context_size(tokens, i):
            fields["min_context"] = size
        elif word in _FLAGS:
            fields[_FLAGS[word]] = True
        elif word in ("no-free", "nofree"):
            fields["on_free"] = False
        elif word == "free":
            fields["on_free"] = True
        elif word in ("daily", "digest"):
            fields["mode"] = Mode.DIGEST
        elif word in ("instant", "instantly", "now"):
            fields["mode"] = Mode.INSTANT
        elif word in _FILLER:
            pass
        elif word.startswith(("-", "+")) and len(word) > 1:
            return Invalid(
                _("unknown option “{word}”"),
                "/subscribe deepseek 20% increases daily",
                {"word": token},
            )
        else:
            scope.append(token)
        i += 1
    if "target" not in fields and ("basis" in fields or "min_context" in fields):
        return Invalid(
            _("only a target price takes input, output, blended or a context size"),
            "/subscribe under ¥1 input with 128k context",
        )
    if "target" in fields and "min_cut" in fields:
        return Invalid(
            _("a subscription is either cuts of {percent} or a target price, not both"),
            "/subscribe under ¥1 with 128k context",
            {"percent": "N%"},
        )
    return SubscribeRequest(scope_words=" ".join(scope), **fields)  # type: ignore[arg-type]


def _money_at(tokens: list[str], start: int) -> tuple[tuple[Decimal, str | None], int] | None:
    """A price at tokens[start] ('¥1', '1元') or over two tokens ('1 CNY', 'CNY 1')."""
    if start >= len(tokens):
        return None
    one = parse_money(tokens[start])
    if start + 1 < len(tokens):
        two = parse_money(tokens[start] + " " + tokens[start + 1])
        if two is not None and (one is None or one[1] is None):
            return two, 2
    return (one, 1) if one is not None else None


def _is_context_size(tokens: list[str], i: int) -> bool:
    """'128k' is a context size when 'context' follows or precedes it, or it says ≥."""
    before = tokens[i - 1].lower() if i > 0 else ""
    after = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
    return (
        after in _CONTEXT_WORDS
        or before in _CONTEXT_WORDS
        or before == "with"
        or tokens[i].startswith(("≥", ">"))
    )


@dataclass(frozen=True, slots=True)
class UnsubscribeRequest:
    ids: tuple[int, ...] = ()
    everything: bool = False
    scope_words: str = ""
    menu: bool = False


def parse_unsubscribe(args: str) -> UnsubscribeRequest | Invalid:
    """'/unsubscribe 3', '/unsubscribe 3 5', '/unsubscribe deepseek', '/unsubscribe all'."""
    text = " ".join(args.split())
    if not text:
        return UnsubscribeRequest(menu=True)
    if text.lower() in ("all", "everything", "*"):
        return UnsubscribeRequest(everything=True)
    numbers = [t.lstrip("#") for t in re.split(r"[\s,]+", text) if t]
    if all(_NUMBER.fullmatch(n) for n in numbers):
        if any(len(n) > 12 for n in numbers):
            return Invalid(_("that subscription number is too long"), "/unsubscribe 3")
        return UnsubscribeRequest(ids=tuple(int(n) for n in numbers))
    if any(_NUMBER.fullmatch(n) for n in numbers):
        return Invalid(_("give subscription numbers, or one vendor or model"), "/unsubscribe 3")
    return UnsubscribeRequest(scope_words=text)


def parse_nothing(args: str) -> Invalid | None:
    """For commands without arguments; anything after them is ignored."""
    return None
