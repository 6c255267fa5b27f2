"""What the state holds: terraform show -json; untaint a kept instance, forget a terminated one."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Terraform


@dataclass(frozen=True)
class StateInstance:
    id: str
    tainted: bool
    attributes: dict


def show_argv(tf: Terraform) -> list[str]:
    return tf.argv("show", json=FLAG)


def state_instance(tf: Terraform) -> StateInstance | None:
    if not tf.workdir.state.exists():
        return None
    document = json.loads(tf.check(show_argv(tf), "terraform show").stdout or "{}")
    for resource in document.get("values", {}).get("root_module", {}).get("resources", []):
        if resource.get("address") == INSTANCE_ADDRESS:
            values = resource.get("values") or {}
            return StateInstance(values.get("id", ""), bool(resource.get("tainted")), values)
    return None


def untaint_argv(tf: Terraform) -> list[str]:
    return tf.argv("untaint", INSTANCE_ADDRESS, no_color=FLAG)


def untaint(tf: Terraform) -> None:
    tf.check(untaint_argv(tf), "terraform untaint")


def forget_instance_argv(tf: Terraform) -> list[str]:
    return tf.argv("state", "rm", INSTANCE_ADDRESS)


def forget_instance(tf: Terraform) -> None:
    """terraform state rm: the instance is terminating, nothing is left to destroy or keep."""
    tf.check(forget_instance_argv(tf), "terraform state rm")
