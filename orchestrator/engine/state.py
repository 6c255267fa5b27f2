"""What the state holds: terraform state pull; untaint a kept instance, forget a terminated one.

The instance is read from `state pull`, not `show -json`: show needs the provider's schemas (one
provider start per command), and the state's attributes are the same values show prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..instance import Instance
from .import_ import INSTANCE_ADDRESS
from .runner import FLAG, Terraform, read_json

PUBLIC_IP_ADDRESS = "oci_core_public_ip.this"
_RESERVED = "reserved public IP"
# What NETWORK=create keeps in the state, in the order it is built.
NETWORK_TYPES = {
    "oci_core_vcn": "VCN",
    "oci_core_internet_gateway": "internet gateway",
    "oci_core_route_table": "route table",
    "oci_core_security_list": "security list",
    "oci_core_subnet": "subnet",
}


@dataclass(frozen=True)
class Kept:
    """A resource the state keeps beside the instance: the network or the reserved public IP."""

    address: str
    kind: str  # "VCN", "subnet"..., "reserved public IP"
    id: str | None
    display_name: str | None
    ip_address: str | None = None  # the reserved public IP's


@dataclass(frozen=True)
class StateContents:
    instance: Instance | None
    kept: tuple[Kept, ...] = ()

    @property
    def network(self) -> tuple[Kept, ...]:
        return tuple(item for item in self.kept if item.address != PUBLIC_IP_ADDRESS)

    @property
    def public_ip(self) -> Kept | None:
        return next((item for item in self.kept if item.address == PUBLIC_IP_ADDRESS), None)


def state_instance(tf: Terraform) -> Instance | None:
    return state_contents(tf).instance


def state_instance_values(tf: Terraform) -> dict | None:
    """The instance's attributes as the state holds them (metadata included); None if it holds none."""
    if not tf.workdir.has_state:
        return None
    for address, _, record in _managed_records(pulled_state(tf)):
        if address == INSTANCE_ADDRESS:
            return record.get("attributes") or {}
    return None


def state_contents(tf: Terraform) -> StateContents:
    """The instance (with the reserved address, when there is one: its own attribute shows it only
    after a refresh) and what the state keeps beside it, from one `terraform state pull`."""
    if not tf.workdir.has_state:
        return StateContents(None)
    instance, kept, assigned = None, [], None
    for address, kind, record in _managed_records(pulled_state(tf)):
        values = record.get("attributes") or {}
        if address == INSTANCE_ADDRESS:
            instance = Instance.from_state(values, record.get("status") == "tainted")
        elif address == PUBLIC_IP_ADDRESS:
            kept.append(
                Kept(address, _RESERVED, values.get("id"), values.get("display_name"), values.get("ip_address"))
            )
            assigned = values.get("ip_address") if values.get("private_ip_id") else None
        elif kind in NETWORK_TYPES:
            kept.append(Kept(address, NETWORK_TYPES[kind], values.get("id"), values.get("display_name")))
    if instance is not None and assigned:
        instance = dataclasses.replace(instance, public_ip=assigned)
    order = [*NETWORK_TYPES.values(), _RESERVED]
    return StateContents(instance, tuple(sorted(kept, key=lambda item: order.index(item.kind))))


def _managed_records(state: dict) -> list[tuple[str, str, dict]]:
    """(address, type, instance record) of each managed resource in a pulled state."""
    return [
        (f"{resource.get('type')}.{resource.get('name')}", resource.get("type"), record)
        for resource in state.get("resources", [])
        if resource.get("mode") == "managed" and not resource.get("module")
        for record in resource.get("instances", [])
    ]


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
    for address, _, record in _managed_records(pulled_state(tf)):
        if address == INSTANCE_ADDRESS:
            return record.get("attributes", {}).get("id")
    return None


def untaint_argv(tf: Terraform) -> list[str]:
    return tf.argv("untaint", INSTANCE_ADDRESS, no_color=FLAG)


def untaint(tf: Terraform) -> None:
    tf.check(untaint_argv(tf), "terraform untaint")


def forget_argv(tf: Terraform, address: str) -> list[str]:
    return tf.argv("state rm", address)


def forget(tf: Terraform, address: str) -> None:
    """terraform state rm: OCI keeps the resource, the state no longer does."""
    tf.check(forget_argv(tf, address), "terraform state rm")


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
