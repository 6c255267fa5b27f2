"""The won instance: launch_result.json (0600) in the workdir, and the ssh command to reach it.

The file is the record of a win: a later run that finds the same instance adds what it sees
(IP, state) but keeps what the win recorded (attempts, when) and anything it does not know.
Readers take a damaged or hand-edited file as no record, and a field of the wrong type as absent.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from .workdir import Workdir, write_private

SSH_USER = "ubuntu"  # the user of the Canonical Ubuntu images the tool picks


# What the win recorded, kept when a later run records the same instance again.
WIN_FIELDS = ("attempts", "recorded_at")
# Which key opens the instance: the caller decided (key_truth.key_to_record), absent ones included.
SSH_FIELDS = ("ssh_private_key", "ssh_command", "ssh_keys_on_instance")
_NUMBER_FIELDS = ("ocpus", "memory_gbs", "attempts")  # the others are text


def ssh_command(private_key: Path | str, public_ip: str | None) -> str | None:
    """Quoted for a POSIX shell: a space in the key path must survive a paste."""
    return shlex.join(["ssh", "-i", str(private_key), f"{SSH_USER}@{public_ip}"]) if public_ip else None


@dataclass(frozen=True)
class LaunchResult:
    instance_id: str
    public_ip: str | None
    private_ip: str | None
    availability_domain: str | None
    ocpus: float | None
    memory_gbs: float | None
    state: str | None
    ssh_private_key: str | None  # only a key that is on the instance (key_truth.py)
    ssh_command: str | None
    attempts: int
    recorded_at: str
    ssh_keys_on_instance: str | None = None  # fingerprints of what the instance accepts

    @classmethod
    def from_outputs(
        cls, values: dict[str, Any], private_key: Path | str | None, attempts: int, keys_on_instance: str | None = None
    ) -> LaunchResult:
        return cls(
            instance_id=str(values.get("instance_id", "")),
            public_ip=values.get("public_ip") or None,
            private_ip=values.get("private_ip") or None,
            availability_domain=values.get("availability_domain"),
            ocpus=values.get("ocpus"),
            memory_gbs=values.get("memory_gbs"),
            state=values.get("state"),
            ssh_private_key=str(private_key) if private_key else None,
            ssh_command=ssh_command(private_key, values.get("public_ip")) if private_key else None,
            attempts=attempts,
            recorded_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            ssh_keys_on_instance=keys_on_instance,
        )

    @classmethod
    def load(cls, workdir: Workdir) -> LaunchResult | None:
        """The workdir's launch_result.json; None if it is missing, unreadable or names no instance."""
        data = _read(workdir)
        values = {
            field.name: data.get(field.name) if _fits(field.name, data.get(field.name)) else None
            for field in fields(cls)
        }
        return cls(**values) if values["instance_id"] else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_launch_result(workdir: Workdir, launch: LaunchResult) -> LaunchResult:
    """Record `launch`; for the instance already recorded, add to the record instead of replacing it.
    Returns what was recorded."""
    previous = _read(workdir)
    record = launch.to_dict()
    if previous.get("instance_id") == launch.instance_id:
        kept = {name: previous[name] for name in WIN_FIELDS if _fits(name, previous.get(name))}
        fresh = {name: value for name, value in record.items() if value is not None}
        ssh = {name: record[name] for name in SSH_FIELDS}
        record = {**previous, **fresh, **kept, **ssh}
        launch = replace(
            launch,
            **{
                field.name: record[field.name]
                for field in fields(LaunchResult)
                if _fits(field.name, record[field.name])
            },
        )
    write_private(workdir.launch_result, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return launch


def _read(workdir: Workdir) -> dict[str, Any]:
    try:
        data = json.loads(workdir.launch_result.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _fits(name: str, value: Any) -> bool:
    """Whether a recorded value has the type its field holds (None never fits)."""
    if name in _NUMBER_FIELDS:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str) and value != ""
