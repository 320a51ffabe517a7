"""Dependencies point one way: storage <- sources/answers/alerts <- chat.

Read from the source text (every import statement, also those inside functions),
so a lazy import cannot hide an arrow pointing the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package directory -> module prefixes it must never import
FORBIDDEN = {
    "storage": ("bot",),
    "bot/answers": ("bot.chat", "bot.app", "bot.cli"),
    "bot/alerts": ("bot.chat", "bot.app", "bot.cli"),
    "bot/sources": ("bot.chat", "bot.alerts", "bot.answers", "bot.app", "bot.cli"),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _violations(package: str, prefixes: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in _imports(path):
            if any(module == p or module.startswith(p + ".") for p in prefixes):
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    assert _violations(package, FORBIDDEN[package]) == []


def test_messages_module_imports_nothing_from_bot() -> None:
    modules = [m for _, m in _imports(ROOT / "bot" / "messages.py")]
    assert [m for m in modules if m == "bot" or m.startswith("bot.")] == []


def test_the_check_catches_a_wrong_arrow(tmp_path: Path) -> None:
    # The walker must see an import inside a function, the kind that hides best.
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from bot.chat.context import Context\n")
    assert (2, "bot.chat.context") in _imports(bad)
