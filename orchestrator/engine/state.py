"""What the state holds: terraform show -json; untaint a kept instance, forget a terminated one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Run, Terraform


@dataclass(frozen=True)
class StateInstance:
    id: str
    tainted: bool
    attributes: dict


def state_instance(tf: Terraform) -> StateInstance | None:
    if not tf.workdir.has_state:
        return None
    run = tf.run("show", json=FLAG)
    if not run.ok:
        raise ToolError(f"terraform show failed: {run.stderr.strip()[:300]}")
    document = json.loads(run.stdout or "{}")
    for resource in document.get("values", {}).get("root_module", {}).get("resources", []):
        if resource.get("address") == INSTANCE_ADDRESS:
            values = resource.get("values") or {}
            return StateInstance(values.get("id", ""), bool(resource.get("tainted")), values)
    return None


def untaint(tf: Terraform) -> Run:
    return tf.run("untaint", INSTANCE_ADDRESS, no_color=FLAG)


def forget_instance(tf: Terraform) -> Run:
    """terraform state rm: the instance is terminating, nothing is left to destroy or keep."""
    return tf.run("state rm", INSTANCE_ADDRESS)


def push_state(tf: Terraform, path: Path) -> Run:
    """terraform state push: write a state Terraform saved aside (errored.tfstate) to the backend."""
    return tf.run("state push", str(path))
