"""Which SSH keys really open the won instance, and whether the local one is among them.

The instance's `ssh_authorized_keys` metadata, as the state holds it (refreshed at adoption and
after every win), is the truth: a key that is not in it never goes into launch_result.json nor a
connect line, whatever SSH_KEY_PATH says now. OCI cannot add a key to a running instance's
metadata that cloud-init reads, so the only fix is the key that is there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .authorized_keys import among, described, fingerprint, key_lines
from .engine.output import outputs
from .engine.runner import Terraform
from .engine.state import state_instance_values
from .errors import UsageError
from .failures import AttemptOutcome
from .journal import Event, Journal
from .launch_result import LaunchResult, write_launch_result
from .ssh_keys import public_line_of
from .workdir import Workdir


@dataclass(frozen=True)
class KeyTruth:
    """The public key lines on the instance; the local key's public line and private path."""

    instance_id: str
    on_instance: tuple[str, ...]
    local_key: str
    local_private: Path

    @property
    def local_is_on(self) -> bool:
        return among(self.local_key, self.on_instance)

    def holds(self, private_key: Path | str) -> bool | None:
        """Whether that private key's public half is on the instance; None if it cannot be read."""
        line = public_line_of(Path(private_key))
        return None if line is None else among(line, self.on_instance)

    @property
    def described(self) -> str:
        """What the instance accepts, by fingerprint and comment."""
        return ", ".join(described(line) for line in self.on_instance) or "no SSH key"

    def not_yours(self, journal: Journal | None = None) -> str:
        """Why no connect line: the key there, who launched it, and what to do."""
        who = "another machine or workdir sharing the state launched it (a key coinpilot-tf made names its machine)"
        if journal is not None and _launched_here(journal, self.instance_id):
            who = "this workdir launched it, with an SSH key it no longer uses"
        return (
            f"your SSH key {self.local_private} ({fingerprint(self.local_key)}) is not on the instance, "
            f"which accepts {self.described}; {who}: log in with that key (SSH_KEY_PATH=<its private key>), "
            "and next time list every machine's key in SSH_AUTHORIZED_KEYS_FILE"
        )


def record_launch(
    tf: Terraform, workdir: Workdir, local_key: str, local_private: Path, attempts: int, note: Callable[[str], None]
) -> LaunchResult:
    """Write launch_result.json for the instance in state, naming only a key that opens it; say so
    when none of this machine's does."""
    values = outputs(tf)
    truth = read(tf, local_key, local_private)
    recorded = LaunchResult.load(workdir)
    key = key_to_record(truth, recorded, str(values.get("instance_id") or ""), local_private)
    if truth is not None and key is None:
        note(truth.not_yours(Journal(workdir.journal)))
    launch = LaunchResult.from_outputs(values, key, attempts, truth.described if truth else None)
    return write_launch_result(workdir, launch)


def read(tf: Terraform, local_key: str, local_private: Path) -> KeyTruth | None:
    """From the state; None if it holds no instance, or no `ssh_authorized_keys` for it (unknown)."""
    values = state_instance_values(tf)
    if values is None:
        return None
    text = (values.get("metadata") or {}).get("ssh_authorized_keys")
    if text is None:
        return None
    return KeyTruth(str(values.get("id") or ""), key_lines(text), local_key, local_private)


def key_to_record(
    truth: KeyTruth | None, recorded: LaunchResult | None, instance_id: str, local_private: Path
) -> str | None:
    """The private key launch_result.json names: the local key if it is on the instance (or nothing
    says which keys are); else the one recorded for this instance, unless it can be read and is not
    on it either; else none. A key that opens the instance is never replaced by one that does not."""
    kept = recorded.ssh_private_key if recorded and recorded.instance_id == instance_id else None
    if truth is None or truth.local_is_on:
        return str(local_private) if truth is not None or not kept else kept
    return kept if kept and truth.holds(kept) is not False else None


def check_key(tf: Terraform, private_key: str) -> None:
    """`ssh`: refuse a key the instance does not accept (UsageError naming the one it does)."""
    line = public_line_of(Path(private_key))
    truth = read(tf, line or "", Path(private_key))
    if truth is None or line is None or truth.local_is_on:
        return
    raise UsageError(
        "ssh",
        f"{private_key} ({fingerprint(line)}) is not on the instance, which accepts {truth.described}; "
        "log in with that key (SSH_KEY_PATH=<its private key>, then `coinpilot-tf retry` records it)",
    )


def _launched_here(journal: Journal, instance_id: str) -> bool:
    """Did this workdir's own launch create it (a success or a kept unfinished launch)?"""
    return any(
        entry.get("instance_id") == instance_id
        and (entry.get("category") == AttemptOutcome.SUCCESS or entry.get("event") == Event.KEPT)
        for entry in journal.entries()
    )


def local_key_missing(workdir: Workdir, local_private: Path) -> str | None:
    """doctor: why the local key cannot log in to the won instance, as launch_result.json last saw
    its keys; None when it can, or nothing is known yet."""
    launch = LaunchResult.load(workdir)
    if launch is None or not launch.ssh_keys_on_instance:
        return None
    line = public_line_of(local_private)
    if line is not None and fingerprint(line) in launch.ssh_keys_on_instance:
        return None
    mine = f"{local_private} ({fingerprint(line)})" if line else f"{local_private} (missing or unreadable)"
    return f"your SSH key {mine} is not on the instance, which accepts {launch.ssh_keys_on_instance}"
