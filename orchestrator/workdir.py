"""The workdir: one folder per instance name holding the module, state, plans and journal."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def data_dir() -> Path:
    """Per-user data folder (XDG on Linux, Application Support on macOS, AppData on Windows)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("coinpilot-tf", appauthor=False))


@dataclass(frozen=True)
class Workdir:
    path: Path

    @classmethod
    def locate(cls, instance_name: str, explicit: str | os.PathLike | None, environ: Mapping[str, str]) -> Workdir:
        """--workdir beats COINPILOT_TF_WORKDIR beats <data dir>/workdirs/<instance name>."""
        chosen = explicit or environ.get("COINPILOT_TF_WORKDIR")
        path = Path(chosen).expanduser() if chosen else data_dir() / "workdirs" / instance_name
        if path.exists() and not path.is_dir():
            raise UsageError("--workdir", f"{path} exists and is not a folder")
        return cls(path.absolute())

    def create(self) -> None:
        self.path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        os.chmod(self.path, PRIVATE_DIR)

    # Files the tool owns inside the workdir.
    @property
    def tfvars(self) -> Path:
        return self.path / "terraform.tfvars.json"

    @property
    def state(self) -> Path:
        return self.path / "terraform.tfstate"

    @property
    def cli_config(self) -> Path:
        return self.path / "terraform.rc"

    @property
    def journal(self) -> Path:
        return self.path / "journal.jsonl"

    @property
    def launch_result(self) -> Path:
        return self.path / "launch_result.json"

    def plan_file(self, availability_domain: str, size: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{availability_domain}_{size}")
        return self.path / f"attempt-{safe}.tfplan"


def write_private(path: Path, content: str | bytes) -> bool:
    """The one writer of private (0600) files: atomic, and only when the content changed; True if written."""
    data = content.encode() if isinstance(content, str) else content
    if path.exists() and path.read_bytes() == data:
        os.chmod(path, PRIVATE_FILE)
        return False
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    os.chmod(path, PRIVATE_FILE)
    return True
