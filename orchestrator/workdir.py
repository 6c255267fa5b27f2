"""The workdir: one folder per instance name holding the module, state, plans and journal."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config import user_path
from .errors import UsageError

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
MODULE_FILE = 0o644  # the rendered module holds nothing secret
# Kernel and device folders: a workdir there cannot hold files (and must not try).
SYSTEM_FOLDERS = tuple(Path(folder) for folder in ("/proc", "/sys", "/dev"))


def data_dir() -> Path:
    """Per-user data folder (XDG on Linux, Application Support on macOS, AppData on Windows)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("coinpilot-tf", appauthor=False))


@dataclass(frozen=True)
class Workdir:
    path: Path
    # What chose it, as errors about it name it: --workdir, COINPILOT_TF_WORKDIR or INSTANCE_NAME.
    source: str = field(default="--workdir", compare=False)

    @classmethod
    def locate(cls, instance_name: str, explicit: str | os.PathLike | None, environ: Mapping[str, str]) -> Workdir:
        """--workdir beats COINPILOT_TF_WORKDIR beats <data dir>/workdirs/<instance name>."""
        chosen = explicit or environ.get("COINPILOT_TF_WORKDIR")
        source = "--workdir" if explicit else "COINPILOT_TF_WORKDIR" if chosen else "INSTANCE_NAME"
        path = user_path(source, chosen) if chosen else data_dir() / "workdirs" / instance_name
        workdir = cls(path.absolute(), source)
        if workdir.path.exists() and not workdir.path.is_dir():
            raise UsageError(source, f"{workdir.described} exists and is not a folder")
        if any(workdir.path.is_relative_to(system) for system in SYSTEM_FOLDERS):
            raise UsageError(
                source, f"{workdir.described} is inside a folder the system owns; choose a folder of yours"
            )
        return workdir

    @property
    def described(self) -> str:
        """Its path, and when no path was given, whose default it is."""
        return f"{self.path} (INSTANCE_NAME's default workdir)" if self.source == "INSTANCE_NAME" else str(self.path)

    def create(self) -> None:
        """Make the folder (private) if it is missing; an existing one is left as it is when it is
        private already, so commands that only read work in a read-only workdir."""
        try:
            self.path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            mode = self.path.stat().st_mode & 0o777
            if mode & ~PRIVATE_DIR:  # looser than private; a stricter one (read-only) is the user's
                os.chmod(self.path, mode & PRIVATE_DIR)
        except OSError as error:
            raise UsageError(
                self.source,
                f"cannot create or use the workdir {self.described} ({error.strerror}); "
                "choose a writable folder (--workdir or COINPILOT_TF_WORKDIR)",
            ) from None

    # Files the tool owns inside the workdir.
    @property
    def tfvars(self) -> Path:
        return self.path / "terraform.tfvars.json"

    @property
    def state(self) -> Path:
        return self.path / "terraform.tfstate"

    @property
    def backend_file(self) -> Path:
        """Rendered only for a remote state backend (render.BACKEND_FILE)."""
        return self.path / "backend.tf"

    @property
    def remote_state(self) -> bool:
        """The state lives in a remote backend, not in this folder."""
        return self.backend_file.exists()

    @property
    def state_backend(self) -> str:
        """The backend type the rendered module names ("local" without a backend block)."""
        if not self.remote_state:
            return "local"
        match = re.search(r'backend\s+"([a-z0-9_]+)"', self.backend_file.read_text())
        return match.group(1) if match else "local"

    @property
    def has_state(self) -> bool:
        """Whether there may be a state to read: a remote one, or the local file."""
        return self.remote_state or self.state.exists()

    @property
    def errored_state(self) -> Path:
        """Where Terraform saves a state it could not write to the backend."""
        return self.path / "errored.tfstate"

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
    return write_file(path, content, PRIVATE_FILE)


def write_file(path: Path, content: str | bytes, mode: int) -> bool:
    """Write a file whole or not at all (a full disk leaves the old one as it was), only when its
    content changed; True if written. A file left as it was keeps its mode if that is `mode` already,
    so a read-only workdir can be used by the commands that only read."""
    data = content.encode() if isinstance(content, str) else content
    if path.is_file() and path.read_bytes() == data:
        kept = path.stat().st_mode & 0o777
        if kept & ~mode:  # looser than `mode`; a stricter one (made read-only) is the user's
            os.chmod(path, kept & mode)
        return False
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as error:  # say which file
        tmp.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(path)) from None
    os.replace(tmp, path)
    os.chmod(path, mode)
    return True
