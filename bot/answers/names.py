"""Finding model and vendor names in a question's text, and the words left unread.

- `take_models(work, vocabulary)`: model names (ids, aliases, display names; CJK aliases
  anywhere, others by the longest run of words that names a model), blanked out;
- `take_vendors(work, vocabulary, vendors, excluded)`: 'from alibaba', 'not openai',
  'chinese vendors', '国产' into vendor ids to keep or leave out;
- `unknown_phrases(text)`: runs of words nothing read (typo candidates);
- `UNKNOWN_VENDOR`: 'from X' where X may be a misspelt vendor.

Used by `bot.answers.parse`; pure.
"""

from __future__ import annotations

import re

from bot.answers.phrases import Work
from bot.answers.query import Refusal
from bot.answers.vocabulary import Vocabulary

# Words a question is made of that name nothing: left over, they are not typos.
FILLER = frozenset(
    {
        "a",
        "about",
        "all",
        "an",
        "and",
        "any",
        "api",
        "apis",
        "are",
        "ask",
        "at",
        "be",
        "best",
        "between",
        "blended",
        "bot",
        "buy",
        "by",
        "can",
        "cheap",
        "cheaper",
        "cheapest",
        "compare",
        "comparison",
        "completion",
        "context",
        "cost",
        "costing",
        "costs",
        "current",
        "currently",
        "day",
        "days",
        "deal",
        "deals",
        "do",
        "does",
        "each",
        "every",
        "expensive",
        "for",
        "free",
        "from",
        "get",
        "give",
        "hey",
        "hi",
        "how",
        "i",
        "in",
        "input",
        "is",
        "it",
        "it's",
        "its",
        "least",
        "list",
        "llm",
        "llms",
        "lowest",
        "many",
        "me",
        "million",
        "mix",
        "model",
        "models",
        "most",
        "much",
        "my",
        "need",
        "now",
        "of",
        "on",
        "one",
        "only",
        "or",
        "our",
        "out",
        "output",
        "per",
        "please",
        "pls",
        "price",
        "pricebot",
        "prices",
        "pricing",
        "prompt",
        "prompts",
        "rank",
        "ranking",
        "rate",
        "ratio",
        "right",
        "run",
        "running",
        "show",
        "than",
        "that",
        "the",
        "there",
        "these",
        "this",
        "those",
        "to",
        "today",
        "token",
        "tokens",
        "top",
        "use",
        "using",
        "versus",
        "vs",
        "want",
        "what",
        "what's",
        "whats",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    }
)
_WORD = re.compile(r"[a-z0-9](?:[a-z0-9._:/+'\-]*[a-z0-9+])?|\S")
_VENDOR_PREPOSITIONS = frozenset({"from", "by", "not", "no", "except", "excluding", "without"})

_NEGATED_VENDOR = re.compile(
    r"(?:(?<![a-z])(?:not|no|except|excluding|exclude|without|but\s+not|other\s+than|besides|minus)"
    r"(?:\s+from)?|除了|不要|不含|不包括|排除|非)\s*$"
)
_CHINESE = re.compile(
    r"(?<![a-z])(?:chinese|china|china-based)(?:\s+(?:vendors?|models?|providers?|companies|labs?))?"
    r"(?![a-z])|(?:中国|国产|国内)(?:厂商|模型|公司|大模型)?"
)
_NOT_CHINESE = re.compile(
    r"(?<![a-z])(?:non-?chinese|not\s+chinese|no\s+chinese|western|outside\s+china|non-china)"
    r"(?:\s+(?:vendors?|models?|providers?|companies|labs?))?(?![a-z])|国外|海外|非中国|境外"
)
UNKNOWN_VENDOR = re.compile(
    r"(?<![a-z])(?:from|by|except|excluding|exclude)\s+(?P<name>[a-z][a-z0-9.\-]{2,})"
)


def take_models(work: Work, vocabulary: Vocabulary) -> list[str] | Refusal:
    """Model names in the text, longest first, blanked out; ambiguous names refused."""
    found: list[tuple[int, str]] = []
    if vocabulary.cjk_model_pattern is not None:
        while (match := vocabulary.cjk_model_pattern.search(work.text)) is not None:
            model_id = vocabulary.model(match.group(0))
            if model_id is None:
                break
            found.append((match.start(), model_id))
            work.blank(match.start(), match.end())
    tokens = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(work.text)]
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        start, _, word = tokens[i]
        if not _is_word(word) or word in FILLER:
            i += 1
            continue
        previous = tokens[i - 1][2] if i else ""
        if previous in _VENDOR_PREPOSITIONS and vocabulary.vendor(word):
            i += 1  # "from deepseek" names a vendor, not a model
            continue
        matched = False
        for j in range(min(len(tokens), i + vocabulary.max_words), i, -1):
            if not all(_is_word(t[2]) for t in tokens[i:j]):
                continue
            phrase = work.text[start : tokens[j - 1][1]]
            model_id = vocabulary.model(phrase)
            if model_id is None and (options := vocabulary.ambiguous(phrase)):
                labels = tuple(vocabulary.label(m) for m in options[:5])
                return Refusal(
                    f"'{phrase}' could mean " + " or ".join(labels) + ": say which.", (), labels
                )
            if model_id is not None:
                spans.append((start, tokens[j - 1][1], model_id))
                i = j
                matched = True
                break
        if not matched:
            i += 1
    for start, end, _ in reversed(spans):
        work.blank(start, end)
    found.extend((start, model_id) for start, _, model_id in spans)
    ordered = [model_id for _, model_id in sorted(found)]
    return list(dict.fromkeys(ordered))


def _is_word(token: str) -> bool:
    return token[:1].isascii() and token[:1].isalnum()


def take_vendors(
    work: Work, vocabulary: Vocabulary, vendors: set[str], excluded: set[str]
) -> str | None:
    """Vendor filters: 'from alibaba', 'not openai', 'chinese vendors', '国产'."""
    phrase: str | None = None
    if work.take(_NOT_CHINESE) is not None:
        excluded.update(vocabulary.chinese_vendors())
        phrase = "vendors outside China"
    elif work.take(_CHINESE) is not None:
        vendors.update(vocabulary.chinese_vendors())
        phrase = "Chinese vendors"
    pattern = vocabulary.vendor_pattern
    if pattern is None:
        return phrase
    negated = False
    while (match := pattern.search(work.text)) is not None:
        vendor_id = vocabulary.vendor(match.group(0))
        before = work.text[: match.start()]
        # "not openai or google": a list after a negation stays negated.
        if _NEGATED_VENDOR.search(before):
            negated = True
        elif not re.search(r"(?:,|or|and|nor|/|、|和|或|\|)\s*$", before):
            negated = False
        work.blank(match.start(), match.end())
        if vendor_id is None:
            continue
        (excluded if negated else vendors).add(vendor_id)
    return phrase


def unknown_phrases(text: str) -> list[str]:
    """Runs of words nothing else read (filler and blanks left out): typo candidates."""
    runs: list[list[str]] = []
    current: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if _is_word(word) and word not in FILLER and not word.isdigit():
            current.append(word)
            continue
        if current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [" ".join(run) for run in runs if any(c.isalpha() for c in "".join(run))]
