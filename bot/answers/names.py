"""Finding model, seller and vendor names in a question's text, and the words left unread.

- `take_models(work, vocabulary)`: model names (ids, aliases, display names, offer ids;
  CJK aliases anywhere, others by the longest run of words that names something),
  blanked out; a name that fits several models is refused with the candidates;
- `take_sellers(work, vocabulary, via)`: 'any seller' / 任意渠道, 'direct only' /
  'official' / 官方, 'via openrouter' / 通过openrouter into a SellerChoice;
- `take_vendors(work, vocabulary, vendors, excluded)`: 'from alibaba', 'not openai',
  'chinese vendors', '国产' into vendor ids to keep or leave out;
- `unknown_phrases(text)`: runs of words nothing read (typo candidates);
- `UNKNOWN_VENDOR`: 'from X' where X may be a misspelt vendor.

Used by `bot.answers.parse`; pure.
"""

from __future__ import annotations

import re

from bot.answers.phrases import Work
from bot.answers.query import Refusal, SellerChoice
from bot.answers.vocabulary import Vocabulary
from bot.answers.wording import parts, vendor_label
from bot.i18n import translator

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
        "channel",
        "cost",
        "costing",
        "costs",
        "current",
        "currently",
        "day",
        "days",
        "deal",
        "deals",
        "direct",
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
        "maker",
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
        "offer",
        "offers",
        "official",
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
        "provider",
        "providers",
        "rank",
        "ranking",
        "rate",
        "ratio",
        "right",
        "run",
        "running",
        "seller",
        "sellers",
        "show",
        "than",
        "that",
        "the",
        "there",
        "these",
        "this",
        "through",
        "those",
        "to",
        "today",
        "token",
        "tokens",
        "top",
        "use",
        "using",
        "vendor",
        "vendors",
        "versus",
        "via",
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
_VENDOR_PREPOSITIONS = frozenset(
    {"from", "by", "not", "no", "except", "excluding", "without", "via", "through"}
)

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
    r"(?<![a-z])(?:from|by|except|excluding|exclude|via|through)\s+(?P<name>[a-z][a-z0-9.\-]{2,})"
)
_ANY_SELLER = re.compile(
    r"(?<![a-z])(?:(?:via|through|from|at|on|with)\s+)?(?:any|every|all)\s+"
    r"(?:sellers?|providers?|channels?|resellers?|offers?)(?![a-z])"
    r"|(?:通过|经由)?(?:任意|任何|所有|不限)渠道"
)
_DIRECT = re.compile(
    r"(?<![a-z])(?:direct(?:ly)?(?:\s+(?:only|from\s+the\s+maker))?"
    r"|official(?:\s+(?:only|api|prices?|sellers?|channel))?"
    r"|(?:from|by)\s+the\s+maker(?:\s+only)?|(?:the\s+)?maker'?s\s+own(?:\s+(?:offer|price))?"
    r"|first[\s-]party(?:\s+only)?)(?![a-z])"
    r"|官方渠道|官方直销|官方|官网|直销|原厂"
)
_VIA = re.compile(r"(?<![a-z])(?:via|through|thru|sold\s+by)\s+|通过|经由")
_FROM = re.compile(r"(?<![a-z])(?:from|by|at|on)\s+")


def take_models(work: Work, vocabulary: Vocabulary) -> list[str] | Refusal:
    """Model (or offer) names in the text, in order, blanked out; a name that fits several
    models is refused with the candidates (each with its maker) and an example that works."""
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
                return _ambiguous(phrase, options, vocabulary, work.language)
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


def _ambiguous(
    phrase: str, options: tuple[str, ...], vocabulary: Vocabulary, language: str
) -> Refusal:
    """'gemini-2.5-pro' could mean …: the candidates with their makers; the first example
    is the question with the first candidate's id in place of the name."""
    _ = translator(language).gettext
    shown = options[:5]
    labels = tuple(candidate(vocabulary, m, language) for m in shown)
    listed = parts(labels, language)
    if len(options) > len(shown):
        listed = _("{names} and {count} more").format(names=listed, count=len(options) - len(shown))
    reason = _("'{name}' could mean {count} models: {candidates}. Say which, e.g. '{example}'.")
    # The parser puts the fixed question first among the examples (see `parse`).
    return Refusal(
        reason.format(name=phrase, count=len(options), candidates=listed, example=shown[0]),
        (phrase, shown[0]),
        labels,
        language,
    )


def candidate(vocabulary: Vocabulary, name: str, language: str) -> str:
    """'Gemini 2.5 Pro by Google (google/gemini-2-5-pro)': a model with its maker."""
    _ = translator(language).gettext
    maker = vocabulary.offers[name].maker if vocabulary.is_offer(name) else name.split("/", 1)[0]
    return _("{model} by {maker} ({id})").format(
        model=vocabulary.name(name), maker=vendor_label(vocabulary, maker, language), id=name
    )


def _is_word(token: str) -> bool:
    return token[:1].isascii() and token[:1].isalnum()


def take_sellers(work: Work, vocabulary: Vocabulary, via: set[str], *, named: bool) -> SellerChoice:
    """'any seller' / 任意渠道, 'direct only' / 'official' / 官方, 'via openrouter'.

    With a named model (`named`), 'from openrouter' also picks the seller; without one,
    'from X' stays a vendor filter (`take_vendors`: X's models or what X sells)."""
    choice = SellerChoice.DEFAULT
    if work.take(_ANY_SELLER) is not None:
        choice = SellerChoice.ANY
    elif work.take(_DIRECT) is not None:
        choice = SellerChoice.DIRECT
    pattern = vocabulary.vendor_pattern
    if pattern is None:
        return choice
    lead_ins = (_VIA, _FROM) if named else (_VIA,)
    for lead_in in lead_ins:
        position = 0
        while (before := lead_in.search(work.text, position)) is not None:
            position = before.end()
            match = pattern.match(work.text, before.end())
            if match is None:
                continue
            vendor_id = vocabulary.vendor(match.group(0))
            if vendor_id is None:
                continue
            via.add(vendor_id)
            work.blank(before.start(), match.end())
            position = before.start()
    return SellerChoice.VIA if via else choice


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
