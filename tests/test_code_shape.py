"""Every module reads in one sitting: at most 600 lines, no function or method over 100 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import brightline

PACKAGE = Path(brightline.__file__).parent
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 100
# Generated, append-only schema history: each migration is one long upgrade by nature.
EXCLUDED = ("store/migrations/",)
# Modules allowed over the limits for now, each with the reason (none today: keep it so).
NOT_YET_SPLIT: dict[str, str] = {}


def _modules() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if not name.startswith(EXCLUDED):
            found.append((name, path.read_text(encoding="utf-8")))
    return found


def _oversized(name: str, source: str) -> list[str]:
    """What in one module is over the limits, as ``module:line name (n lines)``."""
    found = []
    lines = len(source.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{name} ({lines} lines > {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(
                    f"{name}:{node.lineno} {node.name} ({length} lines > {MAX_FUNCTION_LINES})"
                )
    return found


def test_modules_and_functions_stay_small() -> None:
    offenders = [
        finding
        for name, source in _modules()
        if name not in NOT_YET_SPLIT
        for finding in _oversized(name, source)
    ]
    assert offenders == [], "split these along their natural seams:\n" + "\n".join(offenders)


def test_the_allow_list_names_only_modules_still_too_big() -> None:
    sources = dict(_modules())
    stale = [name for name in NOT_YET_SPLIT if not _oversized(name, sources.get(name, ""))]
    assert stale == [], f"now small enough (or gone), remove from NOT_YET_SPLIT: {stale}"


def test_the_check_finds_a_long_function() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert _oversized("example.py", f"def long() -> None:\n{body}\n") == [
        f"example.py:1 long ({MAX_FUNCTION_LINES + 1} lines > {MAX_FUNCTION_LINES})"
    ]
    assert _oversized("example.py", "x = 1\n" * (MAX_MODULE_LINES + 1)) == [
        f"example.py ({MAX_MODULE_LINES + 1} lines > {MAX_MODULE_LINES})"
    ]
