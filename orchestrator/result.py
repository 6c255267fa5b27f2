"""The won instance: launch_result.json (0600) in the workdir, and the ssh command to reach it.

The file is the record of a win: a later run that finds the same instance adds what it sees
(IP, state) but keeps what the win recorded (attempts, when) and anything it does not know.
Readers take a damaged or hand-edited file as no record at all.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from .workdir import Workdir

SSH_USER = "ubuntu"  # the user of the Canonical Ubuntu images the tool picks


# What the win recorded, kept when a later run records the same instance again.
WIN_FIELDS = ("attempts", "recorded_at")


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
    ssh_private_key: str
    ssh_command: str | None
    attempts: int
    recorded_at: str

    @classmethod
    def from_outputs(cls, values: dict[str, Any], private_key: Path, attempts: int) -> LaunchResult:
        return cls(
            instance_id=str(values.get("instance_id", "")),
            public_ip=values.get("public_ip") or None,
            private_ip=values.get("private_ip") or None,
            availability_domain=values.get("availability_domain"),
            ocpus=values.get("ocpus"),
            memory_gbs=values.get("memory_gbs"),
            state=values.get("state"),
            ssh_private_key=str(private_key),
            ssh_command=ssh_command(private_key, values.get("public_ip")),
            attempts=attempts,
            recorded_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_launch_result(workdir: Workdir) -> dict[str, Any]:
    """The recorded result as a JSON object; {} if missing, unreadable or not an object."""
    try:
        record = json.loads(workdir.launch_result.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def recorded(workdir: Workdir, name: str) -> str | None:
    """One text field of the recorded result (the key path, the instance id), or None."""
    value = read_launch_result(workdir).get(name)
    return value if isinstance(value, str) and value else None


def write_launch_result(workdir: Workdir, launch: LaunchResult) -> LaunchResult:
    """Record `launch`; for the instance already recorded, add to the record instead of replacing it.
    Returns what was recorded."""
    previous = read_launch_result(workdir)
    record = launch.to_dict()
    if previous.get("instance_id") == launch.instance_id:
        kept = {name: previous[name] for name in WIN_FIELDS if _same_type(previous.get(name), record[name])}
        fresh = {name: value for name, value in record.items() if value is not None}
        record = {**previous, **fresh, **kept}
        launch = replace(launch, **{field.name: record[field.name] for field in fields(LaunchResult)
                                    if _same_type(record[field.name], getattr(launch, field.name))})
    workdir.write_private(workdir.launch_result, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return launch


def _same_type(value: Any, like: Any) -> bool:
    return like is None or (value is not None and type(value) is type(like))
