"""Oracle acting from outside: change our instance in the simulated cloud behind Terraform's back.

`coinpilot-tf simulate stop|terminate|cpu` in a simulated workdir; `simulate occupy` puts someone
else's A1 instance in the tenancy. "Our instance" is the one the
tool's own reconciliation keeps (ownership.py): a live instance named INSTANCE_NAME or carrying
the tool's ownership tag with that value, the oldest if there are several.
"""

from __future__ import annotations

import re

from orchestrator.config import SHAPE
from orchestrator.errors import UsageError
from orchestrator.instance import Instance, parse_oci_time
from orchestrator.ownership import ours_oldest_first
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore
from orchestrator.size import Size


def as_instance(record: dict) -> Instance:
    """The one instance model, from the simulated cloud's own record of an instance."""
    shape_config = record.get("shape_config") or {}
    return Instance(
        id=record["id"],
        display_name=record.get("display_name"),
        lifecycle_state=record.get("lifecycle_state"),
        availability_domain=record.get("availability_domain"),
        compartment_id=record.get("compartment_id"),
        shape=record.get("shape"),
        ocpus=shape_config.get("ocpus"),
        memory_gbs=shape_config.get("memory_in_gbs"),
        freeform_tags=dict(record.get("freeform_tags") or {}),
        time_created=parse_oci_time(record.get("time_created")),
        public_ip=record.get("public_ip"),
        private_ip=record.get("private_ip"),
    )


def our_instance(store: CloudStore, instance_name: str) -> str:
    """The id of our instance in the simulated cloud; UsageError if it holds none."""
    ours = ours_oldest_first(map(as_instance, store.instances()), instance_name)
    if not ours:
        raise UsageError(
            "INSTANCE_NAME",
            f"the simulated cloud holds no live instance named {instance_name}; win one first with `coinpilot-tf retry`",
        )
    return ours[0].id


def stop(store: CloudStore, instance_name: str) -> dict:
    """Oracle stops the instance (its idle-reclaim rule); it is STOPPED at once."""
    return store.set_lifecycle_state(our_instance(store, instance_name), "STOPPED")


def terminate(store: CloudStore, instance_name: str) -> dict:
    """Oracle (or a user in the Console) terminates the instance."""
    return store.terminate_instance(our_instance(store, instance_name))


def set_cpu(store: CloudStore, instance_name: str, percent: float) -> dict:
    """The CPU utilisation the instance's compute agent reports to Monitoring, from now on and for the past."""
    if not 0 <= percent <= 100:
        raise UsageError("PERCENT", f"{percent:g} is not a CPU utilisation; give a number from 0 to 100")
    return store.set_cpu_utilisation(our_instance(store, instance_name), percent)


# Where `simulate occupy` puts its instance unless told: a compartment the tool does not launch in.
OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaelsewhereinthesimulatedtenancynotthelaunchcompartment0"
_COMPARTMENT = re.compile(r"^ocid1\.(compartment|tenancy)\.oc[0-9]+\.[a-z0-9-]*\.[a-z0-9]{20,}$")


def occupy(store: CloudStore, size: Size, compartment_id: str | None) -> dict:
    """Someone else's A1 instance, RUNNING in the tenancy (another compartment unless told): it
    uses `size` of the allowance, as a forgotten box does. UsageError if that does not fit."""
    compartment_id = compartment_id or OTHER_COMPARTMENT
    if not _COMPARTMENT.match(compartment_id):
        raise UsageError("--compartment", f"{compartment_id!r} is not a compartment or tenancy OCID")
    cloud = store.snapshot()
    answer = store.occupy(
        {
            "availability_domain": cloud["availability_domains"][0],
            "compartment_id": compartment_id,
            "display_name": f"other-a1-{len(cloud['instances']) + 1}",
            "shape": SHAPE,
            "shape_config": {"ocpus": size.ocpus, "memory_in_gbs": size.memory_gbs},
            "source_details": {"source_type": "image", "source_id": PLACEHOLDERS["image_ocid"]},
            "create_vnic_details": {"subnet_id": PLACEHOLDERS["subnet_ocid"]},
        }
    )
    if answer.error is not None:
        left = {u["name"]: u["limit"] - u["used"] for u in store.a1_usage() if u["availability_domain"] is None}
        raise UsageError(
            "OCPUS:GB",
            f"{size} does not fit what is left of the simulated allowance "
            f"({', '.join(f'{name} {value:g}' for name, value in left.items())})",
        )
    return answer.instance
