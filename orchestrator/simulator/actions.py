"""Oracle acting from outside: change our instance in the simulated cloud behind Terraform's back.

`coinpilot-tf simulate stop|terminate|cpu` in a simulated workdir. "Our instance" is the one the
tool's own reconciliation keeps (ownership.py): a live instance named INSTANCE_NAME or carrying
the tool's ownership tag with that value, the oldest if there are several.
"""

from __future__ import annotations

from orchestrator.errors import UsageError
from orchestrator.instance import Instance, parse_oci_time
from orchestrator.ownership import ours_oldest_first
from orchestrator.simulator.store import CloudStore


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
