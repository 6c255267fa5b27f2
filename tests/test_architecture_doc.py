"""docs/architecture.md, the module map, names every module of the package (a module added without
its row, or renamed, fails here)."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAP = REPO / "docs" / "architecture.md"


def test_the_module_map_names_every_module():
    named = set(re.findall(r"`([\w*]+\.py)`", MAP.read_text()))
    modules = [
        path.name
        for path in (REPO / "orchestrator").rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    ]
    unnamed = sorted({name for name in modules if not any(fnmatch(name, pattern) for pattern in named)})
    assert unnamed == [], f"add these to docs/architecture.md: {unnamed}"
