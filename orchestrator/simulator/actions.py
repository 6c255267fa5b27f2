"""Oracle acting from outside: change our instance in the simulated cloud behind Terraform's back.

`coinpilot-tf simulate stop|terminate|cpu` in a simulated workdir. "Our instance" is what the
tool's own reconciliation would call ours: a live instance named INSTANCE_NAME or carrying the
tool's ownership tag with that value (the newest, if there are several).
"""

from __future__ import annotations

from orchestrator.errors import UsageError
from orchestrator.render import OWNERSHIP_TAG_KEY
from orchestrator.simulator.store import CloudStore


def our_instance(store: CloudStore, instance_name: str) -> dict:
    ours = [
        i
        for i in store.instances()
        if i["lifecycle_state"] != "TERMINATED"
        and (i["display_name"] == instance_name or i["freeform_tags"].get(OWNERSHIP_TAG_KEY) == instance_name)
    ]
    if not ours:
        raise UsageError(
            "INSTANCE_NAME",
            f"the simulated cloud holds no live instance named {instance_name}; win one first with `coinpilot-tf retry`",
        )
    return max(ours, key=lambda i: i["time_created"])


def stop(store: CloudStore, instance_name: str) -> dict:
    """Oracle stops the instance (its idle-reclaim rule); it is STOPPED at once."""
    return store.set_lifecycle_state(our_instance(store, instance_name)["id"], "STOPPED")


def terminate(store: CloudStore, instance_name: str) -> dict:
    """Oracle (or a user in the Console) terminates the instance."""
    return store.terminate_instance(our_instance(store, instance_name)["id"])


def set_cpu(store: CloudStore, instance_name: str, percent: float) -> dict:
    """The CPU utilisation the instance's compute agent reports to Monitoring, from now on and for the past."""
    if not 0 <= percent <= 100:
        raise UsageError("PERCENT", f"{percent:g} is not a CPU utilisation; give a number from 0 to 100")
    return store.set_cpu_utilisation(our_instance(store, instance_name)["id"], percent)
