"""The house rule on size: no class in orchestrator/ over 250 lines, no function over 50 (from the
`def` or `class` line to its last line). A feature that does not fit gets its own module."""

from __future__ import annotations

import ast
from pathlib import Path

import orchestrator

PACKAGE = Path(orchestrator.__file__).parent
LIMITS = {ast.ClassDef: 250, ast.FunctionDef: 50, ast.AsyncFunctionDef: 50}


def oversized(source: str, where: str) -> list[str]:
    """One line per class or function (nested ones too) over its limit."""
    found = []
    for node in ast.walk(ast.parse(source)):
        limit = LIMITS.get(type(node))
        if limit is None:
            continue
        lines = node.end_lineno - node.lineno + 1
        if lines > limit:
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            found.append(f"{where}:{node.lineno} {kind} {node.name} is {lines} lines (at most {limit})")
    return found


def test_no_class_or_function_in_orchestrator_is_over_its_limit():
    offenders = [
        line
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in oversized(path.read_text(), str(path.relative_to(PACKAGE.parent)))
    ]
    assert offenders == [], "split these up:\n" + "\n".join(offenders)


def test_the_count_runs_from_the_def_line_to_the_last_line():
    def function(body_lines: int) -> str:
        return "@decorated\ndef f():\n" + "    x = 1\n" * body_lines

    assert oversized(function(49), "m.py") == []  # 50 lines with the def
    assert oversized(function(50), "m.py") == ["m.py:2 function f is 51 lines (at most 50)"]
    nested = "class C:\n    def g(self):\n" + "        x = 1\n" * 50
    assert oversized(nested, "m.py") == ["m.py:2 function g is 51 lines (at most 50)"]
    big_class = "class C:\n" + "    x = 1\n" * 250
    assert oversized(big_class, "m.py") == ["m.py:1 class C is 251 lines (at most 250)"]
