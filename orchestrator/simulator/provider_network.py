"""The simulated provider's networking: the resources NETWORK=create and PUBLIC_IP=reserved declare
(oci_core_vcn, _internet_gateway, _route_table, _security_list, _subnet, _public_ip) and the data
sources that find an instance's primary private IP (oci_core_vnic_attachments, _private_ips).

Schemas are subsets of the real provider's (v8.28.0, tests/data/oci_provider_schema.json): same
names, types, nesting, flags and ForceNew. Each resource is created, read, updated and deleted
through the store (network.py does the work); every call lands in the call log, named as the API's.
"""

from __future__ import annotations

import json
from typing import Any

from tf.gen import tfplugin_pb2 as pb
from tf.iface import (
    CreateContext,
    DataSource,
    DeleteContext,
    ImportContext,
    ReadContext,
    ReadDataContext,
    Resource,
    UpdateContext,
)
from tf.schema import Attribute, Schema
from tf.types import Bool, List, Map, Number, Set, String, TfType, Unknown

from orchestrator.simulator import provider_errors
from orchestrator.simulator.provider import (
    _computed,
    _fill_unknowns,
    _go_time,
    _ListBlock,
    _optional,
    _optional_computed,
    _SingleBlock,
)
from orchestrator.simulator.store import REGION

# ----- the two schema pieces provider.py has no use for -----


class _SetBlock(_ListBlock):
    """NestingSet block (SDKv2 TypeSet of a *schema.Resource), e.g. route_rules."""

    def to_pb(self) -> pb.Schema.NestedBlock:
        return pb.Schema.NestedBlock(
            type_name=self.type_name, block=self.block.to_pb(), nesting=pb.Schema.NestedBlock.NestingMode.SET
        )


class _Object(TfType):
    """An object type: how Terraform core sees a computed-only list of *schema.Resource (SDKv2)."""

    def __init__(self, fields: dict[str, TfType]):
        self.fields = fields

    def encode(self, value: Any) -> Any:
        if value in (None, Unknown):
            return value
        return {name: kind.encode(value.get(name)) for name, kind in self.fields.items()}

    def decode(self, value: Any) -> Any:
        if value in (None, Unknown):
            return value
        return {name: kind.decode(value.get(name)) for name, kind in self.fields.items()}

    def tf_type(self) -> bytes:
        fields = {name: json.loads(kind.tf_type()) for name, kind in self.fields.items()}
        return json.dumps(["object", fields], separators=(",", ":")).encode()


def _timeouts() -> _SingleBlock:
    # tfresource.DefaultTimeout: create, update and delete 20 minutes.
    return _SingleBlock("timeouts", [_optional("create"), _optional("delete"), _optional("update")])


def _schema(attributes: list[Attribute], blocks: tuple = ()) -> Schema:
    common = [
        _optional_computed("id"),
        Attribute("compartment_id", String(), required=True),
        _optional_computed("defined_tags", Map(String())),
        _optional_computed("display_name"),
        _optional_computed("freeform_tags", Map(String())),
        _computed("state"),
        _computed("time_created"),
    ]
    return Schema(version=0, attributes=[*common, *attributes], block_types=[*blocks, _timeouts()])


def _vcn_id() -> Attribute:
    return Attribute("vcn_id", String(), required=True, requires_replace=True)


def _tcp_options() -> _ListBlock:
    return _ListBlock("tcp_options", [_optional("max", Number()), _optional("min", Number())], max_items=1)


_VCN_SCHEMA = _schema(
    [
        _optional_computed("cidr_block", requires_replace=True),
        _optional_computed("cidr_blocks", List(String())),
        _computed("default_dhcp_options_id"),
        _computed("default_route_table_id"),
        _computed("default_security_list_id"),
        _optional_computed("dns_label", requires_replace=True),
        _computed("ipv6cidr_blocks", List(String())),
        _optional_computed("is_ipv6enabled", Bool()),
        _computed("vcn_domain_name"),
    ]
)
_INTERNET_GATEWAY_SCHEMA = _schema(
    [_optional("enabled", Bool()), _optional_computed("route_table_id"), _vcn_id()],
)
_ROUTE_TABLE_SCHEMA = _schema(
    [_vcn_id()],
    (
        _SetBlock(
            "route_rules",
            [
                _optional_computed("cidr_block"),
                _optional_computed("description"),
                _optional_computed("destination"),
                _optional_computed("destination_type"),
                Attribute("network_entity_id", String(), required=True),
                _optional_computed("route_type"),
            ],
        ),
    ),
)
_RULE_COMMON = [_optional_computed("description"), Attribute("protocol", String(), required=True)]
_SECURITY_LIST_SCHEMA = _schema(
    [_vcn_id()],
    (
        _SetBlock(
            "egress_security_rules",
            [
                *_RULE_COMMON,
                Attribute("destination", String(), required=True),
                _optional_computed("destination_type"),
                _optional_computed("stateless", Bool()),
            ],
        ),
        _SetBlock(
            "ingress_security_rules",
            [
                *_RULE_COMMON,
                Attribute("source", String(), required=True),
                _optional_computed("source_type"),
                _optional("stateless", Bool()),
            ],
        ),
    ),
)
for _block in _SECURITY_LIST_SCHEMA.block_types[:2]:
    _block.block.block_types.append(_tcp_options())

_SUBNET_SCHEMA = _schema(
    [
        _optional_computed("availability_domain", requires_replace=True),
        _optional_computed("cidr_block"),
        _optional_computed("dhcp_options_id"),
        _optional_computed("dns_label", requires_replace=True),
        _optional_computed("ipv4cidr_blocks", List(String())),
        _optional_computed("ipv6cidr_block"),
        _optional_computed("ipv6cidr_blocks", List(String())),
        _computed("ipv6virtual_router_ip"),
        _optional_computed("prohibit_internet_ingress", Bool(), requires_replace=True),
        _optional_computed("prohibit_public_ip_on_vnic", Bool(), requires_replace=True),
        _optional_computed("route_table_id"),
        _optional_computed("security_list_ids", Set(String())),
        _computed("subnet_domain_name"),
        _vcn_id(),
        _computed("virtual_router_ip"),
        _computed("virtual_router_mac"),
    ]
)
_PUBLIC_IP_SCHEMA = _schema(
    [
        _computed("assigned_entity_id"),
        _computed("assigned_entity_type"),
        _computed("availability_domain"),
        _computed("ip_address"),
        Attribute("lifetime", String(), required=True, requires_replace=True),
        # Optional only: a change moves the address in place (UpdatePublicIp); "" unassigns it.
        _optional("private_ip_id"),
        _optional_computed("public_ip_pool_id", requires_replace=True),
        _computed("scope"),
    ]
)


class _NetworkResource(Resource):
    """One networking resource type, done through the store's network operations."""

    kind = ""  # network.KINDS key
    noun = ""  # the API's: CreateVcn, GetVcn, UpdateVcn, DeleteVcn
    schema: Schema

    def __init__(self, provider):
        self.store = provider.store

    @classmethod
    def get_name(cls) -> str:
        return f"core_{cls.kind}"

    @classmethod
    def get_schema(cls) -> Schema:
        return cls.schema

    def create(self, ctx: CreateContext, planned: dict) -> dict | None:
        record, error = self.store.create_network_resource(self.kind, _known(planned))
        request_id = self.store.log_call(f"Create{self.noun}", id=record and record["id"])
        if error:
            self._error(ctx, error, f"Create{self.noun}", "POST", request_id)
            return None
        return _fill_unknowns(planned, self._state(record, planned.get("timeouts")))

    def read(self, ctx: ReadContext, current: dict) -> dict | None:
        record = self.store.get_network_resource(self.kind, current["id"])
        self.store.log_call(f"Get{self.noun}", id=current["id"], found=record is not None)
        return None if record is None else self._state(record, current.get("timeouts"))

    def update(self, ctx: UpdateContext, current: dict, planned: dict) -> dict | None:
        changes = {
            name: value
            for name, value in _known(planned).items()
            if value != current.get(name) and name not in ("id", "timeouts")
        }
        if planned.get("private_ip_id") in (None, "") and current.get("private_ip_id"):
            changes["private_ip_id"] = ""  # left out of the module: unassigned, as the provider does
        record, error = self.store.update_network_resource(self.kind, current["id"], changes)
        request_id = self.store.log_call(f"Update{self.noun}", id=current["id"], changes=sorted(changes))
        if error:
            self._error(ctx, error, f"Update{self.noun}", "PUT", request_id)
            return current
        return _fill_unknowns(planned, self._state(record, planned.get("timeouts")))

    def delete(self, ctx: DeleteContext, current: dict):
        error = self.store.delete_network_resource(self.kind, current["id"])
        request_id = self.store.log_call(
            f"Delete{self.noun}", id=current["id"], outcome="ok" if not error else "conflict"
        )
        if error:
            self._error(ctx, error, f"Delete{self.noun}", "DELETE", request_id)

    def import_(self, ctx: ImportContext, id: str) -> dict | None:
        # ImportStatePassthrough: only the id; the read that follows fills the rest.
        empty: dict[str, Any] = {attribute.name: None for attribute in self.schema.attributes}
        empty.update({block.type_name: None for block in self.schema.block_types})
        return {**empty, "id": id}

    def _state(self, record: dict, timeouts: dict | None) -> dict:
        state: dict[str, Any] = {attribute.name: record.get(attribute.name) for attribute in self.schema.attributes}
        for name in ("defined_tags", "freeform_tags"):
            state[name] = state[name] or {}
        state["time_created"] = _go_time(record["time_created"])
        state.update({block.type_name: record.get(block.type_name) or [] for block in self.schema.block_types})
        state["timeouts"] = timeouts
        if self.kind == "public_ip":
            state["private_ip_id"] = state["private_ip_id"] or ""
        return state

    def _error(self, ctx, error: provider_errors.ServiceError, name: str, method: str, request_id: str) -> None:
        noun = self.noun
        operation = provider_errors.Operation(
            name, f"Core {noun}", f"resources/core_{self.kind}", f"{noun}/{name}", method, f"/20160918/{self.kind}s"
        )
        ctx.diagnostics.add_error(
            provider_errors.service_error_text(error, operation, region=REGION, opc_request_id=request_id)
        )


def _resource(kind: str, noun: str, schema: Schema) -> type[_NetworkResource]:
    return type(f"Core{noun}", (_NetworkResource,), {"kind": kind, "noun": noun, "schema": schema})


RESOURCES = tuple(
    _resource(*spec)
    for spec in (
        ("vcn", "Vcn", _VCN_SCHEMA),
        ("internet_gateway", "InternetGateway", _INTERNET_GATEWAY_SCHEMA),
        ("route_table", "RouteTable", _ROUTE_TABLE_SCHEMA),
        ("security_list", "SecurityList", _SECURITY_LIST_SCHEMA),
        ("subnet", "Subnet", _SUBNET_SCHEMA),
        ("public_ip", "PublicIp", _PUBLIC_IP_SCHEMA),
    )
)


# ----- data sources: an instance's primary private IP -----

_VNIC_ATTACHMENT = _Object(
    {
        "availability_domain": String(),
        "compartment_id": String(),
        "display_name": String(),
        "id": String(),
        "instance_id": String(),
        "nic_index": Number(),
        "state": String(),
        "subnet_id": String(),
        "time_created": String(),
        "vnic_id": String(),
    }
)
_PRIVATE_IP = _Object(
    {
        "availability_domain": String(),
        "compartment_id": String(),
        "defined_tags": Map(String()),
        "display_name": String(),
        "freeform_tags": Map(String()),
        "hostname_label": String(),
        "id": String(),
        "ip_address": String(),
        "ip_state": String(),
        "is_primary": Bool(),
        "is_reserved": Bool(),
        "lifetime": String(),
        "subnet_id": String(),
        "time_created": String(),
        "vnic_id": String(),
    }
)


class _ListDataSource(DataSource):
    """A list data source read from the store: its arguments, and the list Terraform sees as objects."""

    name = ""
    arguments: tuple[Attribute, ...] = ()
    listed = ("", _Object({}))  # the list attribute's name, and its items' type

    def __init__(self, provider):
        self.store = provider.store

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @classmethod
    def get_schema(cls) -> Schema:
        name, item = cls.listed
        return Schema(version=0, attributes=[*cls.arguments, _computed(name, List(item))])


class CoreVnicAttachments(_ListDataSource):
    name, listed = "core_vnic_attachments", ("vnic_attachments", _VNIC_ATTACHMENT)
    arguments = (
        _optional("availability_domain"),
        Attribute("compartment_id", String(), required=True),
        _optional("instance_id"),
        _optional("vnic_id"),
    )

    def read(self, ctx: ReadDataContext, config: dict) -> dict | None:
        listed = self.store.list_vnic_attachments(config["compartment_id"])
        wanted = {name: config.get(name) for name in ("availability_domain", "instance_id", "vnic_id")}
        found = [
            _fields_of(
                _VNIC_ATTACHMENT,
                {
                    **attachment,
                    "state": attachment["lifecycle_state"],
                    "time_created": _go_time(attachment["time_created"]),
                },
            )
            for attachment in listed
            if all(value is None or attachment[name] == value for name, value in wanted.items())
        ]
        self.store.log_call("ListVnicAttachments", instance_id=config.get("instance_id"), count=len(found))
        return {**wanted, "compartment_id": config["compartment_id"], "vnic_attachments": found}


class CorePrivateIps(_ListDataSource):
    name, listed = "core_private_ips", ("private_ips", _PRIVATE_IP)
    arguments = (_optional("ip_address"), _optional("subnet_id"), _optional("vnic_id"))

    def read(self, ctx: ReadDataContext, config: dict) -> dict | None:
        vnic_id = config.get("vnic_id")
        found = [
            _fields_of(_PRIVATE_IP, {**private_ip, "time_created": _go_time(private_ip["time_created"])})
            for private_ip in (self.store.list_private_ips(vnic_id) if vnic_id else [])
            if config.get("ip_address") in (None, private_ip["ip_address"])
        ]
        self.store.log_call("ListPrivateIps", vnic_id=vnic_id, count=len(found))
        return {
            "ip_address": config.get("ip_address"),
            "subnet_id": config.get("subnet_id"),
            "vnic_id": vnic_id,
            "private_ips": found,
        }


DATA_SOURCES = (CoreVnicAttachments, CorePrivateIps)


def _known(values: dict) -> dict:
    """The values the plan knows, without the nulls the module left out (blocks keep theirs)."""
    return {name: value for name, value in values.items() if value is not None and value is not Unknown}


def _fields_of(kind: _Object, item: dict) -> dict:
    """Exactly the object type's attributes: Terraform refuses an object with more or fewer."""
    return {name: item.get(name) for name in kind.fields}
