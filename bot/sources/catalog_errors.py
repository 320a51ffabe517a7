"""What is wrong with a catalog file, said the way a person fixes it: the line, the
table entry, the field, and an entry that loads.

tomllib gives no positions for values, so lines are found from the text: the
N-th `[[prices]]` header, then the field's own `key =` line inside that entry.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

# One entry of each table that loads as it stands (the README shows them together).
EXAMPLES: dict[str, str] = {
    "catalog": '[catalog]\nname = "Our negotiated prices"',
    "fx_rates": (
        '[[fx_rates]]\nbase = "USD"\nquote = "CNY"\nrate = "7.2"\nas_of = 2024-05-01\n'
        'source = "where the rate comes from"'
    ),
    "vendors": '[[vendors]]\nid = "alibaba"\nname = "Alibaba Cloud"',
    "models": '[[models]]\nid = "alibaba/qwen-long"\nname = "Qwen-Long"\ncontext_window = 10000000',
    "prices": (
        '[[prices]]\nmodel = "alibaba/qwen-long"\neffective = 2024-05-21\ncurrency = "CNY"\n'
        'per = "1K"\ninput = "0.0005"\noutput = "0.002"\nsource = "where the figure comes from"'
    ),
}


class CatalogError(ValueError):
    """A catalog file that cannot be loaded; the message names the file, line and entry,
    and `example` (when there is one) is TOML that would load in its place."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.example = example


def _headers(lines: Sequence[str], table: str) -> list[int]:
    """Line numbers (1-based) of `[table]` or `[[table]]` headers."""
    header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(?:#.*)?$")
    return [n for n, line in enumerate(lines, 1) if header.match(line)]


def line_of(text: str, loc: Sequence[Any]) -> int | None:
    """The line a validation error's location points at, when the text shows it."""
    if not loc or not isinstance(loc[0], str):
        return None
    lines = text.splitlines()
    headers = _headers(lines, loc[0])
    rest = list(loc[1:])
    if rest and isinstance(rest[0], int):
        if rest[0] >= len(headers):
            return None
        start = headers[rest.pop(0)]
    elif headers:
        start = headers[0]
    else:
        return None
    if rest and isinstance(rest[0], str):
        key = re.compile(rf"^\s*{re.escape(rest[0])}\s*=")
        for number in range(start + 1, len(lines) + 1):
            line = lines[number - 1]
            if line.lstrip().startswith("["):
                break
            if key.match(line):
                return number
    return start


def entry_name(loc: Sequence[Any]) -> str:
    """'[[prices]] #2' for ('prices', 1, …); '[catalog]' for ('catalog', …)."""
    if len(loc) > 1 and isinstance(loc[1], int):
        return f"[[{loc[0]}]] #{loc[1] + 1}"
    return f"[{loc[0]}]"


def explain(
    where: str, text: str, error: dict[str, Any], fields: Mapping[str, Sequence[str]]
) -> CatalogError:
    """One pydantic error as a CatalogError a person can act on.

    `fields`: each table's field names, for "did you mean" on a misspelt one."""
    loc: Sequence[Any] = error["loc"]
    table = str(loc[0]) if loc else ""
    example = EXAMPLES.get(table)
    # The entry's own field: ('prices', 1, 'effective', 'date') is about `effective`
    # (pydantic adds which member of a union it tried).
    inside = list(loc[1:])
    if inside and isinstance(inside[0], int):
        inside.pop(0)
    field = inside[0] if inside and isinstance(inside[0], str) else None
    line = line_of(text, loc)
    at = f"{where}:{line}" if line else where
    kind = error.get("type")
    if len(loc) == 1 and kind == "missing":
        return CatalogError(f"{at}: the {entry_name(loc)} table is missing", example)
    if kind == "missing" and field:
        said = f"field {field!r} is missing"
    elif kind == "extra_forbidden" and field:
        close = difflib.get_close_matches(field, fields.get(table, ()), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        said = f"there is no field {field!r}{hint}"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        said = f"{field}: {message}" if field else message
    return CatalogError(f"{at}: {entry_name(loc)}: {said}", example)
