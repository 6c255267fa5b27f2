"""The simulated provider's oci_core_instances data source: the compartment's instances, listed as
the real provider's ListInstances-backed data source lists them (terminated ones included, as OCI
still lists them). The module reads it so that a refresh tells which instances are ours
(reconcile.py) without the oci SDK in a child process.

The listed objects carry the instance fields a plain attribute of the real data source has
(v8.28.0, tests/data/oci_provider_schema.json); the nested blocks (shape_config...) stay out.
"""

from __future__ import annotations

from tf.iface import ReadDataContext
from tf.schema import Attribute
from tf.types import Map, String

from orchestrator.simulator.provider import _go_time, _optional
from orchestrator.simulator.provider_network import _ListDataSource, _Object

_INSTANCE = _Object(
    {
        "availability_domain": String(),
        "compartment_id": String(),
        "display_name": String(),
        "fault_domain": String(),
        "freeform_tags": Map(String()),
        "id": String(),
        "private_ip": String(),
        "public_ip": String(),
        "region": String(),
        "shape": String(),
        "state": String(),
        "time_created": String(),
    }
)


class CoreInstances(_ListDataSource):
    name, listed = "core_instances", ("instances", _INSTANCE)
    arguments = (
        _optional("availability_domain"),
        Attribute("compartment_id", String(), required=True),
        _optional("display_name"),
        _optional("state"),
    )

    def read(self, ctx: ReadDataContext, config: dict) -> dict | None:
        wanted = {name: config.get(name) for name in ("availability_domain", "display_name")}
        found = [
            {
                **{name: instance.get(name) for name in _INSTANCE.fields},
                "state": instance["lifecycle_state"],
                "time_created": _go_time(instance["time_created"]),
            }
            for instance in self.store.list_instances(config["compartment_id"])
            if all(value is None or instance[name] == value for name, value in wanted.items())
            and config.get("state") in (None, instance["lifecycle_state"])
        ]
        self.store.log_call("ListInstances", compartment_id=config["compartment_id"], count=len(found))
        return {**wanted, "compartment_id": config["compartment_id"], "state": config.get("state"), "instances": found}
