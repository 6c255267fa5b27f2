"""What the state holds: terraform show -json; untaint a kept instance, forget a terminated one."""

from __future__ import annotations

from pathlib import Path

from ..instance import Instance
from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Terraform, read_json


def show_argv(tf: Terraform) -> list[str]:
    return tf.argv("show", json=FLAG)


def state_instance(tf: Terraform) -> Instance | None:
    resource = _state_resource(tf)
    return (
        None if resource is None else Instance.from_state(resource.get("values") or {}, bool(resource.get("tainted")))
    )


def state_instance_values(tf: Terraform) -> dict | None:
    """The instance's attributes as the state holds them (metadata included); None if it holds none."""
    resource = _state_resource(tf)
    return None if resource is None else resource.get("values") or {}


def _state_resource(tf: Terraform) -> dict | None:
    if not tf.workdir.has_state:
        return None
    document = read_json(tf.check(show_argv(tf), "terraform show"), "terraform show")
    for resource in document.get("values", {}).get("root_module", {}).get("resources", []):
        if resource.get("address") == INSTANCE_ADDRESS:
            return resource
    return None


def pull_argv(tf: Terraform) -> list[str]:
    return tf.argv("state pull")


def pulled_state(tf: Terraform) -> dict:
    """terraform state pull: the state as the backend holds it, Terraform's state file format."""
    return read_json(tf.check(pull_argv(tf), "terraform state pull"), "terraform state pull")


def state_written(tf: Terraform) -> bool:
    """Whether a state has been written (a saved plan made on none goes stale once one is): the
    local file, or a remote state with a lineage (`state pull` gives lineage "" for none)."""
    if not tf.workdir.remote_state:
        return tf.workdir.state.exists()
    return bool(pulled_state(tf).get("lineage"))


def pulled_instance_id(tf: Terraform) -> str | None:
    """The id of the instance in the backend's state (state pull), None if it holds none."""
    for resource in pulled_state(tf).get("resources", []):
        if f"{resource.get('type')}.{resource.get('name')}" == INSTANCE_ADDRESS and resource.get("mode") == "managed":
            for instance in resource.get("instances", []):
                return instance.get("attributes", {}).get("id")
    return None


def untaint_argv(tf: Terraform) -> list[str]:
    return tf.argv("untaint", INSTANCE_ADDRESS, no_color=FLAG)


def untaint(tf: Terraform) -> None:
    tf.check(untaint_argv(tf), "terraform untaint")


def forget_instance_argv(tf: Terraform) -> list[str]:
    return tf.argv("state rm", INSTANCE_ADDRESS)


def forget_instance(tf: Terraform) -> None:
    """terraform state rm: the instance is terminating, nothing is left to destroy or keep."""
    tf.check(forget_instance_argv(tf), "terraform state rm")


def push_state_argv(tf: Terraform, path: Path) -> list[str]:
    return tf.argv("state push", str(path))


def push_state(tf: Terraform, path: Path) -> None:
    """terraform state push: write a state Terraform saved aside (errored.tfstate) to the backend."""
    tf.check(push_state_argv(tf, path), "terraform state push")
