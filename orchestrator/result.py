"""The won instance: launch_result.json (0600) in the workdir, and the ssh command to reach it."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .workdir import Workdir, write_private

SSH_USER = "ubuntu"  # the user of the Canonical Ubuntu images the tool picks


def ssh_command(private_key: Path | str, public_ip: str | None) -> str | None:
    return f"ssh -i {private_key} {SSH_USER}@{public_ip}" if public_ip else None


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

    @classmethod
    def load(cls, workdir: Workdir) -> LaunchResult | None:
        """The workdir's launch_result.json; None if it is missing or unreadable."""
        try:
            data = json.loads(workdir.launch_result.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        known = {field.name for field in fields(cls)}
        return cls(**{name: data.get(name) for name in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_launch_result(workdir: Workdir, launch: LaunchResult) -> Path:
    write_private(workdir.launch_result, json.dumps(launch.to_dict(), indent=2, sort_keys=True) + "\n")
    return workdir.launch_result
