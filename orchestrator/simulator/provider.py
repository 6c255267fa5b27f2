"""A Terraform provider that registers as oracle/oci and serves the simulated cloud.

It declares a subset of the real provider's schema (v8.28.0: same names, types, nesting and
required/optional/computed flags), so a module that validates here validates against the real
provider. Every simulated API call lands in the store's call log. The tool starts it once per
run and Terraform reattaches to it (provider_server.py); a Terraform run by hand with the
workdir's CLI config starts it itself (main, below), several times per apply: keep imports at
module level few and cheap.
"""

import os
import threading
import time
from pathlib import Path
from typing import Any

from tf.gen import tfplugin_pb2 as pb
from tf.iface import (
    CreateContext,
    DataSource,
    DeleteContext,
    ImportContext,
    Provider,
    ReadContext,
    ReadDataContext,
    Resource,
    UpdateContext,
)
from tf.provider import _decode_state, _encode_state_d
from tf.schema import Attribute, Block, NestedBlock, NestMode, Schema
from tf.types import Bool, List, Map, Number, String, Unknown
from tf.utils import Diagnostics

from orchestrator.simulator import kill_hook, provider_errors
from orchestrator.simulator.store import REGION, CloudStore

# ----- the two nesting modes `tf` lacks -----


class _ListBlock(NestedBlock):
    """NestingList block (SDKv2 TypeList of a *schema.Resource): a list of objects, [] when absent."""

    def __init__(self, type_name: str, attributes: list[Attribute], max_items: int | None = None):
        # NestMode has no LIST member; to_pb below sets the real nesting.
        super().__init__(type_name, NestMode.Set, Block(attributes=attributes), max_items=max_items)

    def to_pb(self) -> pb.Schema.NestedBlock:
        return pb.Schema.NestedBlock(
            type_name=self.type_name,
            block=self.block.to_pb(),
            nesting=pb.Schema.NestedBlock.NestingMode.LIST,
            max_items=self.max_items,
        )

    def encode(self, value: Any) -> Any:
        if value is Unknown:
            return value
        return [_encode_object(self, item) for item in value or []]

    def decode(self, value: Any) -> Any:
        if value is Unknown:
            return value
        return [_decode_object(self, item) for item in value or []]

    def semantically_equal(self, a_decoded, b_decoded) -> bool:
        return a_decoded == b_decoded


class _SingleBlock(NestedBlock):
    """NestingSingle block (SDKv2's `timeouts`): one object or null."""

    def __init__(self, type_name: str, attributes: list[Attribute]):
        super().__init__(type_name, NestMode.Single, Block(attributes=attributes))

    def encode(self, value: Any) -> Any:
        return value if value in (None, Unknown) else _encode_object(self, value)

    def decode(self, value: Any) -> Any:
        return value if value in (None, Unknown) else _decode_object(self, value)

    def semantically_equal(self, a_decoded, b_decoded) -> bool:
        return a_decoded == b_decoded


def _encode_object(block: NestedBlock, item: dict) -> dict:
    # Terraform wants every attribute of an object, null or not.
    complete = {name: item.get(name) for name in [*block._amap(), *block._bmap()]}
    return _encode_state_d(block._amap(), block._bmap(), complete, None)


def _decode_object(block: NestedBlock, item: dict) -> dict:
    return _decode_state(Diagnostics(), block._amap(), block._bmap(), item)[1]


# ----- schemas (subset of the real provider's) -----


def _optional(name: str, tf_type=None, **flags) -> Attribute:
    return Attribute(name, tf_type or String(), optional=True, **flags)


def _optional_computed(name: str, tf_type=None, **flags) -> Attribute:
    return Attribute(name, tf_type or String(), optional=True, computed=True, **flags)


def _computed(name: str, tf_type=None) -> Attribute:
    return Attribute(name, tf_type or String(), computed=True)


_PROVIDER_SCHEMA = Schema(
    version=0,
    attributes=[
        _optional("auth"),
        _optional("config_file_profile"),
        _optional("disable_auto_retries", Bool()),
        _optional("fingerprint"),
        _optional("private_key_path"),
        _optional("region"),
        _optional("retry_duration_seconds", Number()),
        _optional("tenancy_ocid"),
        _optional("user_ocid"),
    ],
)

_INSTANCE_SCHEMA = Schema(
    version=0,
    attributes=[
        # SDKv2 adds `id` to every resource as optional + computed.
        _optional_computed("id"),
        Attribute("availability_domain", String(), required=True, requires_replace=True),
        Attribute("compartment_id", String(), required=True),
        _optional_computed("display_name"),
        _optional_computed("fault_domain"),
        _optional_computed("freeform_tags", Map(String())),
        _optional_computed("metadata", Map(String())),
        _computed("private_ip"),
        _computed("public_ip"),
        _computed("region"),
        _optional_computed("shape"),
        _optional_computed("state"),
        _computed("time_created"),
    ],
    block_types=[
        _ListBlock(
            "create_vnic_details",
            [
                _optional("assign_public_ip"),
                _optional_computed("private_ip", requires_replace=True),
                _optional_computed("subnet_id", requires_replace=True),
            ],
            max_items=1,
        ),
        _ListBlock(
            "shape_config",
            [_optional_computed("memory_in_gbs", Number()), _optional_computed("ocpus", Number())],
            max_items=1,
        ),
        _ListBlock(
            "source_details",
            [
                _optional_computed("boot_volume_size_in_gbs"),
                _optional_computed("source_id"),
                Attribute("source_type", String(), required=True),
            ],
            max_items=1,
        ),
        # SDKv2 declares this block for every resource with Timeouts (create 45m, update 45m, delete 75m).
        _SingleBlock("timeouts", [_optional("create"), _optional("delete"), _optional("update")]),
    ],
)

_SUBNET_ATTRIBUTE_TYPES = {
    "availability_domain": String(),
    "cidr_block": String(),
    "compartment_id": String(),
    "defined_tags": Map(String()),
    "dhcp_options_id": String(),
    "display_name": String(),
    "dns_label": String(),
    "freeform_tags": Map(String()),
    "id": String(),
    "ipv4cidr_blocks": List(String()),
    "ipv6cidr_block": String(),
    "ipv6cidr_blocks": List(String()),
    "ipv6virtual_router_ip": String(),
    "prohibit_internet_ingress": Bool(),
    "prohibit_public_ip_on_vnic": Bool(),
    "route_table_id": String(),
    "security_list_ids": List(String()),
    "state": String(),
    "subnet_domain_name": String(),
    "time_created": String(),
    "vcn_id": String(),
    "virtual_router_ip": String(),
    "virtual_router_mac": String(),
}

_SUBNET_SCHEMA = Schema(
    version=0,
    attributes=[
        Attribute("subnet_id", String(), required=True),
        *(_computed(name, tf_type) for name, tf_type in _SUBNET_ATTRIBUTE_TYPES.items()),
    ],
)


# What the instance's `state` argument may ask for.
_POWER_STATES = ("STOPPED", "RUNNING")
# GetInstance polls before a wait gives up (a changing instance needs at most three).
_MAX_POLLS = 10

# ----- provider -----


class OciProvider(Provider):
    def __init__(self, store: CloudStore, tool_pid: int | None = None):
        self.store = store
        self.tool_pid = tool_pid  # the tool that started the process, the fault hooks' target

    def get_model_prefix(self) -> str:
        return "oci_"

    def full_name(self) -> str:
        return "registry.terraform.io/oracle/oci"

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        return _PROVIDER_SCHEMA

    def validate_config(self, diags: Diagnostics, config: dict):
        """Credentials are not checked: the simulated cloud trusts everyone."""

    def configure_provider(self, diags: Diagnostics, config: dict):
        """Nothing to set up; the store is bound when the process starts."""

    def get_data_sources(self) -> list[type[DataSource]]:
        from orchestrator.simulator import provider_instances, provider_network

        return [CoreSubnet, provider_instances.CoreInstances, *provider_network.DATA_SOURCES]

    def get_resources(self) -> list[type[Resource]]:
        from orchestrator.simulator import provider_network

        return [CoreInstance, *provider_network.RESOURCES]


class CoreSubnet(DataSource):
    def __init__(self, provider: OciProvider):
        self.store = provider.store

    @classmethod
    def get_name(cls) -> str:
        return "core_subnet"

    @classmethod
    def get_schema(cls) -> Schema:
        return _SUBNET_SCHEMA

    def read(self, ctx: ReadDataContext, config: dict) -> dict | None:
        subnet_id = config["subnet_id"]
        subnet = self.store.get_subnet(subnet_id)
        request_id = self.store.log_call("GetSubnet", subnet_id=subnet_id, found=subnet is not None)
        if subnet is None:
            ctx.diagnostics.add_error(
                provider_errors.service_error_text(
                    provider_errors.NOT_FOUND,
                    provider_errors.get_subnet(subnet_id),
                    region=REGION,
                    opc_request_id=request_id,
                )
            )
            return None
        # `tf` sends a data source's state as is: every attribute must be present.
        state = {name: subnet.get(name) for name in _SUBNET_ATTRIBUTE_TYPES}
        state["time_created"] = _go_time(subnet["time_created"])
        return {**state, "subnet_id": subnet_id}


class CoreInstance(Resource):
    def __init__(self, provider: OciProvider):
        self.store = provider.store
        self.tool_pid = provider.tool_pid

    @classmethod
    def get_name(cls) -> str:
        return "core_instance"

    @classmethod
    def get_schema(cls) -> Schema:
        return _INSTANCE_SCHEMA

    def validate(self, diags: Diagnostics, type_name: str, config: dict):
        super().validate(diags, type_name, config)
        # validation.StringInSlice(["STOPPED", "RUNNING"], ignoreCase=true), in SDKv2's words.
        state = config.get("state")
        if isinstance(state, str) and state.upper() not in _POWER_STATES:
            diags.add_error(f'expected state to be one of ["STOPPED" "RUNNING"], got {state}')

    def create(self, ctx: CreateContext, planned: dict) -> dict | None:
        details = _launch_details(planned)
        launch = self.store.launch_instance(details)
        instance = launch.instance
        request_id = self.store.log_call(
            "LaunchInstance",
            outcome=launch.outcome,
            instance_id=instance["id"] if instance else None,
            availability_domain=details["availability_domain"],
            display_name=details["display_name"],
            shape=details["shape"],
            shape_config=details["shape_config"],
        )
        kill_hook.reached("apply", tool_pid=self.tool_pid)
        if launch.outcome == "ok":
            # The provider waits for RUNNING; the simulated instance is there on the first poll.
            final = self._get(instance["id"])
            if _wanted_power_state(planned) == "STOPPED":
                # The real provider's powerOffIfNeeded.
                final = self._act(ctx, instance["id"], "STOP")
                if final is None:
                    return {**_nulled_unknowns(planned), "id": instance["id"]}
            return _fill_unknowns(planned, _instance_state(final, planned["timeouts"]))
        if launch.outcome in ("timeout_running", "timeout_terminated"):
            ctx.diagnostics.add_error(provider_errors.launch_timeout_text())
            # SDKv2 has set the id before waiting and nulls what is still unknown; Terraform
            # keeps that object as tainted.
            return {**_nulled_unknowns(planned), "id": instance["id"]}
        if launch.outcome == "lost":
            ctx.diagnostics.add_error(provider_errors.launch_network_text(REGION))
            return None
        self._service_error(ctx, launch.error, provider_errors.launch_instance(), request_id)
        return None

    def read(self, ctx: ReadContext, current: dict) -> dict | None:
        instance = self._get(current["id"])
        # Like the real provider: a terminated or vanished instance leaves the state.
        if instance is None or instance["lifecycle_state"] == "TERMINATED":
            return None
        return _instance_state(instance, current.get("timeouts"))

    def update(self, ctx: UpdateContext, current: dict, planned: dict) -> dict | None:
        """As the real provider's updateCoreInstance: START first when `state` turns RUNNING, then
        the UpdateInstance (one call here, for a new shape_config and the rest), STOP last when
        `state` turns STOPPED. A failed START leaves SDKv2's view (the plan) in the state; a failed
        UpdateInstance leaves the prior state (the provider's partial mode)."""
        instance_id = current["id"]
        power = _wanted_power_state(planned) if planned["state"] != current["state"] else None
        instance = None
        if power == "RUNNING":
            instance = self._act(ctx, instance_id, "START")
            if instance is None:
                return _fill_unknowns(planned, current)
        changes = {
            name: planned[name]
            for name in ("display_name", "freeform_tags", "metadata")
            if planned[name] is not Unknown and planned[name] != current[name]
        }
        if planned["shape_config"] and planned["shape_config"] != current["shape_config"]:
            changes["shape_config"] = _known_fields(planned["shape_config"][0])
        if changes:
            answer = self.store.update_instance(instance_id, changes)
            request_id = self.store.log_call(
                "UpdateInstance",
                outcome=answer.outcome,
                instance_id=instance_id,
                changes=sorted(changes),
                shape_config=changes.get("shape_config"),
            )
            if answer.error is not None:
                self._service_error(ctx, answer.error, provider_errors.update_instance(instance_id), request_id)
                return current
            if "shape_config" in changes:
                kill_hook.reached("update", tool_pid=self.tool_pid)
            instance = answer.instance
            if instance["lifecycle_state"] != "STOPPED":
                instance = self._wait_for(ctx, instance_id, "RUNNING")
                if instance is None:
                    return current
        if power == "STOPPED":
            instance = self._act(ctx, instance_id, "STOP")
            if instance is None:
                return current
        return _fill_unknowns(planned, _instance_state(instance or self._get(instance_id), planned["timeouts"]))

    def delete(self, ctx: DeleteContext, current: dict):
        # An instance already gone is not an error, as with the real provider's 404 handling.
        instance = self.store.terminate_instance(current["id"])
        self.store.log_call("TerminateInstance", instance_id=current["id"], found=instance is not None)

    def import_(self, ctx: ImportContext, id: str) -> dict | None:
        # ImportStatePassthrough: only the id; the read that follows fills the rest.
        empty = {field.name: None for field in _INSTANCE_SCHEMA.attributes}
        empty.update({block.type_name: None for block in _INSTANCE_SCHEMA.block_types})
        return {**empty, "id": id}

    def _get(self, instance_id: str) -> dict | None:
        instance = self.store.get_instance(instance_id)
        self.store.log_call(
            "GetInstance", instance_id=instance_id, lifecycle_state=instance["lifecycle_state"] if instance else None
        )
        return instance

    def _act(self, ctx, instance_id: str, action: str) -> dict | None:
        """InstanceAction, then wait for the state it leads to: the instance there, or None (with
        the error) if either failed."""
        answer = self.store.instance_action(instance_id, action)
        request_id = self.store.log_call(
            "InstanceAction", action=action, outcome=answer.outcome, instance_id=instance_id
        )
        if answer.error is not None:
            self._service_error(ctx, answer.error, provider_errors.instance_action(instance_id, action), request_id)
            return None
        if action == "START":
            kill_hook.reached("update", tool_pid=self.tool_pid)
        return self._wait_for(ctx, instance_id, "STOPPED" if action in ("STOP", "SOFTSTOP") else "RUNNING")

    def _wait_for(self, ctx, instance_id: str, target: str) -> dict | None:
        """Poll GetInstance until `target`: each poll moves a changing instance one step on, so a
        few polls are enough unless the instance went elsewhere (terminated meanwhile)."""
        instance = None
        for _ in range(_MAX_POLLS):
            instance = self._get(instance_id)
            if instance is None or instance["lifecycle_state"] == target or not instance["pending"]:
                break
        if instance is not None and instance["lifecycle_state"] == target:
            return instance
        last_state = instance["lifecycle_state"] if instance else "TERMINATED"
        ctx.diagnostics.add_error(provider_errors.launch_timeout_text(last_state, target=target))
        return None

    def _service_error(
        self, ctx, error: provider_errors.ServiceError, operation: provider_errors.Operation, request_id: str
    ) -> None:
        ctx.diagnostics.add_error(
            provider_errors.service_error_text(error, operation, region=REGION, opc_request_id=request_id)
        )


def _wanted_power_state(planned: dict) -> str | None:
    state = planned["state"]
    return state.upper() if isinstance(state, str) else None


def _launch_details(planned: dict) -> dict:
    shape_config = _known_fields(_first(planned["shape_config"]))
    source = _known_fields(_first(planned["source_details"]))
    vnic = _known_fields(_first(planned["create_vnic_details"]))
    assign_public_ip = vnic.get("assign_public_ip")
    return {
        "availability_domain": planned["availability_domain"],
        "compartment_id": planned["compartment_id"],
        "display_name": _known(planned["display_name"]),
        "shape": _known(planned["shape"]),
        "shape_config": shape_config,
        "source_details": source,
        "create_vnic_details": {
            "subnet_id": vnic.get("subnet_id"),
            # A string in the schema (default "true"), parsed like Go's strconv.ParseBool.
            "assign_public_ip": assign_public_ip is None or assign_public_ip.lower() in ("1", "t", "true"),
        },
        "metadata": _known(planned["metadata"]) or {},
        "freeform_tags": _known(planned["freeform_tags"]) or {},
    }


def _instance_state(instance: dict, timeouts: dict | None) -> dict:
    """The instance as the real provider's read sets it."""
    source = instance["source_details"]
    return {
        "id": instance["id"],
        "availability_domain": instance["availability_domain"],
        "compartment_id": instance["compartment_id"],
        "display_name": instance["display_name"],
        "fault_domain": instance["fault_domain"],
        "freeform_tags": instance["freeform_tags"],
        "metadata": instance["metadata"],
        "private_ip": instance["private_ip"],
        "public_ip": instance["public_ip"],
        "region": instance["region"],
        "shape": instance["shape"],
        "state": instance["lifecycle_state"],
        "time_created": _go_time(instance["time_created"]),
        "create_vnic_details": [
            {
                "assign_public_ip": "true" if instance["public_ip"] else "false",
                "private_ip": instance["private_ip"],
                "subnet_id": instance["subnet_id"],
            }
        ],
        "shape_config": [dict(instance["shape_config"])],
        "source_details": [
            {
                "boot_volume_size_in_gbs": str(source["boot_volume_size_in_gbs"]),
                "source_id": source["source_id"],
                "source_type": source["source_type"],
            }
        ],
        "timeouts": timeouts,
    }


def _fill_unknowns(planned: Any, actual: Any) -> Any:
    """Terraform rejects an applied object that differs from a known planned value: keep every
    planned value and take the cloud's only where the plan said unknown."""
    if planned is Unknown:
        return actual
    if isinstance(planned, dict) and isinstance(actual, dict):
        return {key: _fill_unknowns(value, actual.get(key)) for key, value in planned.items()}
    if isinstance(planned, list) and isinstance(actual, list) and len(planned) == len(actual):
        return [_fill_unknowns(p, a) for p, a in zip(planned, actual, strict=False)]
    return planned


def _nulled_unknowns(value: Any) -> Any:
    if value is Unknown:
        return None
    if isinstance(value, dict):
        return {key: _nulled_unknowns(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulled_unknowns(item) for item in value]
    return value


def _first(block_value: Any) -> dict:
    return block_value[0] if block_value not in (None, Unknown) and block_value else {}


def _known(value: Any) -> Any:
    return None if value is Unknown else value


def _known_fields(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if value not in (None, Unknown)}


def _go_time(timestamp: str) -> str:
    """`2026-11-28T03:12:09.110Z` -> `2026-11-28 03:12:09.11 +0000 UTC`, Go's time.String()
    that the real provider stores."""
    day, clock = timestamp.rstrip("Z").split("T")
    whole, _, fraction = clock.partition(".")
    fraction = fraction.rstrip("0")
    return f"{day} {whole}{'.' + fraction if fraction else ''} +0000 UTC"


def _exit_with_terraform() -> None:
    """A Terraform that dies mid-run (the crash tests kill the tool, and Terraform then dies on
    its broken pipe) never sends Shutdown, and `tf` would serve forever: leave with it."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main(store_dir: str) -> None:
    """Entry point of the script launcher.install_provider writes."""
    from tf import runner

    # `tf` stops serving at once on StopProvider (Terraform's reaction to Ctrl-C), which kills a
    # create in flight. A real provider finishes it and Terraform saves the result: only
    # go-plugin's Shutdown ends the process here.
    class _ShutdownOnShutdownOnly(runner._ShutdownInterceptor):
        def intercept_service(self, continuation, handler_call_details):
            if handler_call_details.method == "/tfplugin6.Provider/StopProvider":
                return continuation(handler_call_details)
            return super().intercept_service(continuation, handler_call_details)

    runner._ShutdownInterceptor = _ShutdownOnShutdownOnly
    _exit_with_terraform()
    # `tf` caches its TLS certificate under ~/.cache; keep it beside the store so a temporary
    # or read-only HOME neither breaks the handshake nor costs a new key on every start.
    os.environ["HOME"] = store_dir
    runner.run_provider(OciProvider(CloudStore(Path(store_dir))))
